"""Issue 17 through the browser: a CAF officer (cercle élargi) sends her edited file back on
« Fichiers de mon service », a trinôme member receives it from the deposits with
Propositions ``f``; both in a real headless Chromium."""

from __future__ import annotations

import sqlite3
import tomllib
from contextlib import closing
from pathlib import Path

import pytest
import tomli_w

from tests.web.helpers import PASSWORDS, journal_rows, running_server, wait_until
from tests.web.test_serve_browser import browser, new_page  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def _propositions(db: str) -> list[tuple[str, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT service_code, author, item_ref, field, received_by FROM proposition"
        ).fetchall()
    return [tuple(str(v) for v in r) for r in rows]


async def test_officer_sends_back_and_trinome_receives(
    browser: object,  # noqa: F811
    demo_db: str,
    tmp_path: Path,
) -> None:
    depots = tmp_path / "depots"
    with running_server(
        demo_db, "--exports", str(tmp_path / "exports"), "--depots", str(depots)
    ) as url:
        # Sophie (CAF, cercle élargi) downloads her service's file, edits it, sends it back.
        sophie = await new_page(browser)
        await sophie.login(url, "sgarcia", PASSWORDS["sgarcia"])
        assert await sophie.wait_for("Connecté : Sophie Garcia")
        page = sophie.page
        await page.goto(f"{url}/fichiers")  # type: ignore[attr-defined]
        async with page.expect_download() as info:  # type: ignore[attr-defined]
            await page.click("text=caf.toml")  # type: ignore[attr-defined]
        saved = tmp_path / "caf.toml"
        await (await info.value).save_as(str(saved))
        doc = tomllib.loads(saved.read_text(encoding="utf-8"))
        action = doc["service"]["actions"][0]
        action["statut"] = "bloquee" if action["statut"] != "bloquee" else "en_cours"
        doc["reponse"] = {"auteur": "Sophie Garcia"}
        saved.write_text(tomli_w.dumps(doc), encoding="utf-8")
        await page.set_input_files("#fichier", str(saved))  # type: ignore[attr-defined]
        await page.click("#renvoyer-fichier")  # type: ignore[attr-defined]
        await page.wait_for_load_state()  # type: ignore[attr-defined]
        shown = await page.inner_text("main")  # type: ignore[attr-defined]
        assert "caf.toml déposé" in shown, shown
        assert "caf.toml déposé" in await page.inner_text("#info")  # type: ignore[attr-defined]
        assert "déposé par sgarcia" in await page.inner_text("#depots")  # type: ignore[attr-defined]
        assert (depots / "sgarcia" / "caf.toml").is_file()

        # Julien (trinôme) receives it in the application, choosing among the deposits.
        julien = await new_page(browser)
        await julien.login(url, "jrey", PASSWORDS["jrey"])
        assert await julien.wait_for("Connecté : Julien Rey")
        await julien.past_first_steps()
        mark = await julien.press("Enter")
        assert await julien.wait_for("Tableau de bord", since=mark)
        mark = await julien.press("u")
        assert await julien.wait_for("Propositions des services", since=mark)
        mark = await julien.press("f")
        assert await julien.wait_for("Recevoir le fichier renvoyé", since=mark)
        assert await julien.wait_for("caf.toml", since=mark), julien.text(mark)[-1500:]
        assert "Session web" in julien.text(mark)
        mark = await julien.press("Control+s")
        assert await julien.wait_for("proposition de caf", since=mark), julien.text(mark)[-1500:]
        assert wait_until(lambda: len(_propositions(demo_db)) == 1)
        assert wait_until(lambda: (depots / "sgarcia" / "recus" / "caf.toml").is_file())
        await page.goto(f"{url}/fichiers")  # type: ignore[attr-defined]
        assert "caf.toml — reçu par le trinôme" in await page.inner_text("#depots")  # type: ignore[attr-defined]
    (row,) = _propositions(demo_db)
    assert row == ("caf", "Sophie Garcia", action["ref"], "statut", "jrey")
    received = [r for r in journal_rows(demo_db) if r[3] == "proposition reçue"]
    assert received and received[-1][0] == "jrey"
    events = [(r[2], r[3]) for r in journal_rows(demo_db, "session web")]
    assert ("sgarcia", "téléchargement") in events and ("sgarcia", "dépôt") in events
