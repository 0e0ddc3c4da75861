"""``roadmap serve`` over real HTTP and websockets: login, limits, cookies, identity, files."""

from __future__ import annotations

import aiohttp
import pytest

from tests.web.helpers import (
    PASSWORDS,
    app_processes,
    journal_rows,
    roadmap,
    running_server,
    wait_until,
)
from tests.web.session_client import WebSession


async def test_login_page_is_french_and_nothing_runs_before_login(demo_db: str) -> None:
    with running_server(demo_db, "--max-sessions", "3") as url:
        async with aiohttp.ClientSession() as http:
            response = await http.get(f"{url}/", allow_redirects=False)
            assert response.status == 302 and response.headers["Location"] == "/connexion"
            page = await (await http.get(f"{url}/connexion")).text()
            assert 'lang="fr"' in page and "Se connecter" in page and "Mot de passe" in page
            ws = await http.get(f"{url}/ws")
            assert ws.status == 403
            files = await http.get(f"{url}/fichiers", allow_redirects=False)
            assert files.status == 302
        assert app_processes(demo_db) == []


async def test_wrong_password_refused_and_journaled(demo_db: str) -> None:
    with running_server(demo_db) as url:
        session = WebSession(url)
        try:
            response = await session.login("jrey", "pas-le-bon-mot")
            assert response.status == 401
            assert "Identifiant ou mot de passe incorrect" in await response.text()
            assert "roadmap_session" not in {c.key for c in session.http.cookie_jar}
            unknown = await session.login("personne", "pas-le-bon-mot")
            assert unknown.status == 401
        finally:
            await session.close()
    failures = [r for r in journal_rows(demo_db, "session web") if r[3] == "échec"]
    assert [(r[2], r[3]) for r in failures] == [("jrey", "échec"), ("personne", "échec")]
    assert all(r[7].startswith("depuis 127.0.0.1") for r in failures)


async def test_control_characters_typed_in_the_login_are_refused_and_journaled_inert(
    demo_db: str,
) -> None:
    """What a browser sends is bad input like any other: an escape sequence in the login is
    an ordinary refusal, and the journal (shown in terminals) holds it inert."""
    with running_server(demo_db) as url:
        session = WebSession(url)
        try:
            response = await session.login("jrey\x1b[2J\x00", "pas-le-bon-mot")
            assert response.status == 401
        finally:
            await session.close()
    failures = [r for r in journal_rows(demo_db, "session web") if r[3] == "échec"]
    assert [r[2] for r in failures] == ["jrey\ufffd[2J\ufffd"]


async def test_attempts_limit_per_login(demo_db: str) -> None:
    with running_server(demo_db) as url:
        session = WebSession(url)
        try:
            for _ in range(5):
                assert (await session.login("jrey", "mauvais-mot-de-passe")).status == 401
            blocked = await session.login("jrey", PASSWORDS["jrey"])
            assert blocked.status == 429
            assert "Trop de tentatives" in await blocked.text()
            # Another person from the same address is not locked out by jrey's failures.
            other = await session.login("sgarcia", PASSWORDS["sgarcia"])
            assert other.status == 302
        finally:
            await session.close()
    refused = [r for r in journal_rows(demo_db, "session web") if r[3] == "refus"]
    assert refused and refused[0][2] == "jrey"


async def test_cookie_flags_and_forged_cookie_refused(demo_db: str) -> None:
    with running_server(demo_db) as url:
        async with aiohttp.ClientSession() as http:
            response = await http.post(
                f"{url}/connexion",
                data={"identifiant": "jrey", "mot_de_passe": PASSWORDS["jrey"]},
                allow_redirects=False,
            )
            assert response.status == 302
            header = response.headers["Set-Cookie"]
            assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/" in header
            value = response.cookies["roadmap_session"].value
            token, signature = value.rsplit(".", 1)
            for forged in (f"{token}.{'0' * len(signature)}", f"autre.{signature}", "n'importe"):
                refused = await http.get(
                    f"{url}/",
                    headers={"Cookie": f"roadmap_session={forged}"},
                    allow_redirects=False,
                )
                assert refused.status == 302 and refused.headers["Location"] == "/connexion"
            accepted = await http.get(
                f"{url}/", headers={"Cookie": f"roadmap_session={value}"}, allow_redirects=False
            )
            assert accepted.status == 200
            assert "Se déconnecter" in await accepted.text()


async def test_session_runs_as_the_logged_in_person_whatever_the_browser_sends(
    demo_db: str,
) -> None:
    with running_server(demo_db) as url:
        session = WebSession(url)
        try:
            assert (await session.login("sgarcia", PASSWORDS["sgarcia"])).status == 302
            # Whatever the browser adds to its request, the identity is the session's.
            await session.open_app(extra="&ROADMAP_USER=jrey&login=jrey&user=jrey")
            assert await session.wait_for("Connecté : Sophie Garcia")
            pids = app_processes(demo_db)
            assert len(pids) == 1
            environ = open(f"/proc/{pids[0]}/environ", "rb").read().split(b"\0")
            assert b"ROADMAP_USER=sgarcia" in environ
        finally:
            await session.close()
        assert wait_until(lambda: app_processes(demo_db) == [])


async def test_logout_ends_the_session_and_its_process(demo_db: str) -> None:
    with running_server(demo_db) as url:
        session = WebSession(url)
        try:
            await session.login("jrey", PASSWORDS["jrey"])
            await session.open_app()
            assert await session.wait_for("Connecté : Julien Rey")
            assert len(app_processes(demo_db)) == 1
            response = await session.http.post(f"{url}/deconnexion", allow_redirects=False)
            assert response.status == 302
            assert wait_until(lambda: app_processes(demo_db) == [])
            again = await session.http.get(f"{url}/", allow_redirects=False)
            assert again.status == 302
        finally:
            await session.close()
    operations = [r[3] for r in journal_rows(demo_db, "session web") if r[2] == "jrey"]
    assert operations[-2:] == ["connexion", "déconnexion"]


async def test_session_cap_and_origin(demo_db: str) -> None:
    with running_server(demo_db, "--max-sessions", "1") as url:
        first, second = WebSession(url), WebSession(url)
        try:
            await first.login("jrey", PASSWORDS["jrey"])
            await first.open_app()
            assert await first.wait_for("Connecté")
            await second.login("sgarcia", PASSWORDS["sgarcia"])
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await second.open_app()
            assert refused.value.status == 503
            with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:
                await second.http.ws_connect(
                    f"{url.replace('http', 'ws')}/ws", origin="http://ailleurs.example"
                )
            assert foreign.value.status == 403
        finally:
            await first.close()
            await second.close()


async def test_idle_session_times_out(demo_db: str) -> None:
    with running_server(demo_db, "--inactivite", "0.05") as url:  # 3 seconds
        session = WebSession(url)
        try:
            await session.login("jrey", PASSWORDS["jrey"])
            await session.open_app()
            assert await session.wait_for("Connecté")
            assert wait_until(lambda: app_processes(demo_db) == [], timeout=30)
            response = await session.http.get(f"{url}/", allow_redirects=False)
            assert response.status == 302
        finally:
            await session.close()
    assert any(r[3] == "expiration" for r in journal_rows(demo_db, "session web"))


async def test_service_files_for_people_of_that_service(demo_db: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with running_server(demo_db, "--exports", str(tmp_path / "exports")) as url:
        session = WebSession(url)
        try:
            await session.login("sgarcia", PASSWORDS["sgarcia"])  # CAF
            page = await (await session.http.get(f"{url}/fichiers")).text()
            assert "caf.toml" in page and "dapat.toml" not in page
            download = await session.http.get(f"{url}/fichiers/caf.toml")
            assert download.status == 200
            assert "attachment" in download.headers["Content-Disposition"]
            body = await download.text()
            assert 'code = "caf"' in body
            other = await session.http.get(f"{url}/fichiers/dapat.toml")
            assert other.status == 404
        finally:
            await session.close()
    downloads = [r for r in journal_rows(demo_db, "session web") if r[3] == "téléchargement"]
    assert downloads and downloads[0][2] == "sgarcia" and "caf.toml" in downloads[0][7]


async def test_invitation_link_sets_the_password_once(demo_db: str) -> None:
    printed = roadmap(
        "--db",
        demo_db,
        "acces",
        "invitation",
        "nbenali",
        "--public-url",
        "https://roadmap.example.org",
    )
    assert printed.returncode == 0, printed.stderr
    link = printed.stdout.strip().splitlines()[-1]
    assert link.startswith("https://roadmap.example.org/invitation/")
    path = link.removeprefix("https://roadmap.example.org")
    with running_server(demo_db) as url:
        async with aiohttp.ClientSession() as http:
            form = await (await http.get(f"{url}{path}")).text()
            assert "Bienvenue, nbenali" in form
            short = await http.post(
                f"{url}{path}", data={"mot_de_passe": "court", "confirmation": "court"}
            )
            assert short.status == 400 and "au moins 10 caractères" in await short.text()
            differ = await http.post(
                f"{url}{path}",
                data={"mot_de_passe": "direction-13-ok", "confirmation": "autre-chose-13"},
            )
            assert differ.status == 400 and "diffèrent" in await differ.text()
            chosen = await http.post(
                f"{url}{path}",
                data={"mot_de_passe": "direction-13-ok", "confirmation": "direction-13-ok"},
            )
            assert chosen.status == 200 and "Mot de passe enregistré" in await chosen.text()
            again = await http.get(f"{url}{path}")
            assert again.status == 404 and "Invitation invalide" in await again.text()
        session = WebSession(url)
        try:
            assert (await session.login("nbenali", "direction-13-ok")).status == 302
        finally:
            await session.close()
    rows = [(r[0], r[3], r[7]) for r in journal_rows(demo_db, "session web") if r[2] == "nbenali"]
    assert [op for _, op, _ in rows] == ["invitation", "mot de passe", "connexion"]
    assert rows[1] == ("nbenali", "mot de passe", "choisi par invitation")
