"""« Renvoyer un fichier » over real HTTP: a returned service file lands in the person's drop
folder only when the CLI would accept it; every refusal leaves nothing behind."""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

import aiohttp
import tomli_w

from tests.web.helpers import PASSWORDS, clean_env, journal_rows, roadmap, running_server
from tests.web.session_client import WebSession


async def _logged(url: str, login: str) -> WebSession:
    session = WebSession(url)
    assert (await session.login(login, PASSWORDS[login])).status == 302
    return session


async def _token(session: WebSession) -> str:
    page = await (await session.http.get(f"{session.url}/fichiers")).text()
    found = re.search(r'name="jeton" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


async def _upload(
    session: WebSession,
    name: str,
    data: bytes,
    *,
    token: str | None = None,
    origin: str | None = None,
) -> tuple[int, str]:
    form = aiohttp.FormData()
    form.add_field("jeton", await _token(session) if token is None else token)
    form.add_field("fichier", data, filename=name, content_type="application/toml")
    response = await session.http.post(
        f"{session.url}/renvoi",
        data=form,
        headers={"Origin": origin or session.url},
        allow_redirects=False,
    )
    return response.status, html.unescape(await response.text())


def _edited(source: Path) -> bytes:
    doc = tomllib.loads(source.read_text(encoding="utf-8"))
    action = doc["service"]["actions"][0]
    action["statut"] = "bloquee" if action["statut"] != "bloquee" else "en_cours"
    doc["reponse"] = {"auteur": "Sophie Garcia"}
    return tomli_w.dumps(doc).encode()


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def test_each_person_deposits_what_the_cli_would_accept(demo_db: str, tmp_path: Path) -> None:
    exports, depots = tmp_path / "exports", tmp_path / "depots"
    with running_server(demo_db, "--exports", str(exports), "--depots", str(depots)) as url:
        sophie = await _logged(url, "sgarcia")  # cercle élargi, service caf
        julien = await _logged(url, "jrey")  # trinôme
        marc = await _logged(url, "molivier")  # cercle élargi, préfecture
        try:
            await _token(sophie)  # the page exports afresh: the files' bases are known
            caf = _edited(exports / "services" / "caf.toml")
            status, page = await _upload(sophie, "caf.toml", caf)
            assert status == 200 and "caf.toml déposé" in page, page
            assert "Mes dépôts" in page and "caf.toml — déposé par sgarcia" in page

            # Another service's file: refused to a service officer, accepted from a trinôme.
            ars = _edited(exports / "services" / "ars.toml")
            status, page = await _upload(sophie, "ars.toml", ars)
            assert status == 403 and "votre service (caf)" in page
            status, page = await _upload(marc, "caf.toml", caf)
            assert status == 403 and "votre service (prefecture)" in page
            status, page = await _upload(julien, "ars.toml", ars)
            assert status == 200, page
            assert "sgarcia" not in page  # one's deposits are not listed to another

            # What the CLI refuses, the page refuses with the same words.
            forged = caf.replace(b'empreinte = "', b'empreinte = "0')
            roadmap_file = (exports / "pat-salon-martigues.toml").read_bytes()
            for name, data, words in (
                ("forge.toml", forged, "base inconnue"),
                ("feuille.toml", roadmap_file, "ce n'est pas le fichier d'un service"),
            ):
                status, page = await _upload(julien, name, data)
                assert status == 400 and words in page, page
                (tmp_path / name).write_bytes(data)
                cli = roadmap(
                    "--db", demo_db, "propositions", "recevoir", str(tmp_path / name),
                    env=clean_env(ROADMAP_USER="jrey"),
                )  # fmt: skip
                assert cli.returncode != 0 and words in cli.stderr, cli.stderr
        finally:
            for session in (sophie, julien, marc):
                await session.close()
    assert _files(depots) == ["jrey/ars.toml", "sgarcia/caf.toml"]
    events = [(r[2], r[3]) for r in journal_rows(demo_db, "session web")]
    assert ("sgarcia", "dépôt") in events and ("jrey", "dépôt") in events
    assert ("sgarcia", "dépôt refusé") in events and ("molivier", "dépôt refusé") in events


async def test_upload_refusals_leave_nothing_behind(demo_db: str, tmp_path: Path) -> None:
    exports, depots = tmp_path / "exports", tmp_path / "depots"
    with running_server(demo_db, "--exports", str(exports), "--depots", str(depots)) as url:
        sophie = await _logged(url, "sgarcia")
        try:
            token = await _token(sophie)
            caf = _edited(exports / "services" / "caf.toml")
            too_big = b"# " + b"x" * (2 * 1024 * 1024) + b"\n"
            for name, data, status, words in (
                ("caf.toml", too_big, 413, "trop gros"),
                ("caf.txt", caf, 400, "seul un fichier .toml"),
                ("caf.toml", b"ceci n'est [pas du TOML", 400, "TOML invalide"),
                ("caf.toml", b"\xff\xfe\x00binaire", 400, "UTF-8"),
                ("../jrey/caf.toml", caf, 400, "pas de dossier"),
                ("/tmp/caf.toml", caf, 400, "pas de dossier"),
                ("..\\caf.toml", caf, 400, "pas de dossier"),
                (".caf.toml", caf, 400, "nom de fichier refusé"),
                ("...toml", caf, 400, "nom de fichier refusé"),
            ):
                got, page = await _upload(sophie, name, data, token=token)
                assert (got, words in page) == (status, True), (name, got, page[-400:])
            got, page = await _upload(sophie, "caf.toml", caf, origin="https://ailleurs.example")
            assert got == 403 and "origine refusée" in page
            got, page = await _upload(sophie, "caf.toml", caf, token="jeton-d-un-autre-site")
            assert got == 403
            async with aiohttp.ClientSession() as anonymous:  # no session: to the login page
                form = aiohttp.FormData()
                form.add_field("fichier", caf, filename="caf.toml")
                response = await anonymous.post(f"{url}/renvoi", data=form, allow_redirects=False)
                assert response.status == 302 and response.headers["Location"] == "/connexion"
            # No way to read a deposit back over HTTP (one's own or another person's).
            for path in ("/renvoi", "/depots/sgarcia/caf.toml", "/fichiers/..%2Fdepots"):
                response = await sophie.http.get(f"{url}{path}", allow_redirects=False)
                assert response.status in (404, 405), path
        finally:
            await sophie.close()
    assert _files(depots) == []
    assert not (tmp_path / "jrey").exists() and not (tmp_path / "caf.toml").exists()
    refused = [r for r in journal_rows(demo_db, "session web") if r[3] == "dépôt refusé"]
    assert len(refused) == 9 and all(r[2] == "sgarcia" for r in refused)
