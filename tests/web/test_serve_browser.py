"""``roadmap serve`` in a real headless Chromium (Debian's package), driven by Playwright.

The page's terminal draws on a canvas: what the application shows is read from the
websocket frames the page receives (the same bytes the terminal paints).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from roadmap.domain.enums import ActionStatus
from tests.web.helpers import (
    ANSI,
    PASSWORDS,
    app_processes,
    journal_rows,
    running_server,
    wait_until,
)

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("ROADMAP_CHROMIUM", "/usr/bin/chromium")
# The machine's network is closed: no background connections, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"Chromium introuvable ({CHROMIUM}) : scripts/test l'installe")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield instance
        finally:
            await instance.close()


class Page:
    """A browser tab and the text its terminal received."""

    def __init__(self, page: object) -> None:
        self.page = page
        self.frames: list[str] = []
        self.focused = False
        page.on("websocket", self._watch)  # type: ignore[attr-defined]

    def _watch(self, ws: object) -> None:
        def received(payload: str | bytes) -> None:
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            self.frames.append(ANSI.sub("", text))

        ws.on("framereceived", received)  # type: ignore[attr-defined]

    def text(self, since: int = 0) -> str:
        return "".join(self.frames[since:])

    async def wait_for(self, text: str, since: int = 0, seconds: float = 30.0) -> bool:
        for _ in range(int(seconds * 10)):
            if text in self.text(since):
                return True
            await asyncio.sleep(0.1)
        return False

    async def login(self, url: str, login: str, password: str) -> None:
        self.focused = False
        await self.page.goto(f"{url}/")  # type: ignore[attr-defined]
        await self.page.fill("#identifiant", login)  # type: ignore[attr-defined]
        await self.page.fill("#mot_de_passe", password)  # type: ignore[attr-defined]
        await self.page.click("#se-connecter")  # type: ignore[attr-defined]

    async def past_first_steps(self) -> None:
        """Each person sees « Premiers pas » once: Entrée starts."""
        if await self.wait_for("Premiers pas", seconds=8):
            await asyncio.sleep(0.5)
            mark = await self.press("Enter")
            await self.wait_for("Accueil", since=mark, seconds=10)

    async def type(self, text: str) -> None:
        await self.page.keyboard.type(text, delay=20)  # type: ignore[attr-defined]

    async def press(self, *keys: str) -> int:
        """Press keys in the terminal; returns the frame index before them."""
        mark = len(self.frames)
        if not self.focused:  # one click gives the terminal the keyboard; more would click
            await self.page.click("#terminal", position={"x": 5, "y": 5})  # type: ignore[attr-defined]
            self.focused = True
        for key in keys:
            await self.page.keyboard.press(key)  # type: ignore[attr-defined]
            await asyncio.sleep(0.4)
        return mark


async def new_page(browser: object) -> Page:
    context = await browser.new_context(viewport={"width": 1280, "height": 820})  # type: ignore[attr-defined]
    return Page(await context.new_page())


async def test_a_partner_officer_works_in_the_browser(
    browser: object, demo_db: str, tmp_path: Path
) -> None:
    with running_server(demo_db) as url:
        tab = await new_page(browser)
        page = tab.page
        await page.goto(f"{url}/")  # type: ignore[attr-defined]
        assert page.url.endswith("/connexion")  # type: ignore[attr-defined]
        assert "Connexion" in await page.title()  # type: ignore[attr-defined]

        # A wrong password is refused, on the page, in French.
        await tab.login(url, "jrey", "ce-n-est-pas-lui")
        assert "Identifiant ou mot de passe incorrect" in await page.inner_text("#erreur")  # type: ignore[attr-defined]
        assert tab.frames == [] and app_processes(demo_db) == []

        # The attempts limit: after 5 failures for one login, even the right password waits.
        for _ in range(5):
            await tab.login(url, "sgarcia", "devine-pas-13")
        await tab.login(url, "sgarcia", PASSWORDS["sgarcia"])
        assert "Trop de tentatives" in await page.inner_text("#erreur")  # type: ignore[attr-defined]
        assert tab.frames == [] and app_processes(demo_db) == []

        # Logged in: the home screen, with the person's roadmaps and role, in the page.
        await tab.login(url, "jrey", PASSWORDS["jrey"])
        assert await tab.wait_for("Connecté : Julien Rey")
        assert await tab.wait_for("PAT × politique de la ville")
        assert "Trinôme" in tab.text()
        await tab.past_first_steps()
        await page.screenshot(path=str(tmp_path / "accueil.png"))  # type: ignore[attr-defined]

        # Keys reach the application: Enter opens the roadmap, `a` its Actions.
        mark = await tab.press("Enter")
        assert await tab.wait_for("Tableau de bord", since=mark)
        mark = await tab.press("a")
        assert await tab.wait_for("Actions — pat-salon-martigues · 15 actions", since=mark)

        # A change is saved and journaled under the logged-in person's login.
        before = len(journal_rows(demo_db, "action"))
        mark = await tab.press("s")
        assert await tab.wait_for("Statut de A1", since=mark), tab.text(mark)[-800:]
        await tab.press("ArrowDown", "Enter")
        assert wait_until(lambda: len(journal_rows(demo_db, "action")) > before)
        change = journal_rows(demo_db, "action")[-1]
        assert change[0] == "jrey" and change[4] == "statut"

        # Logout: back to the login page, the session's process is gone.
        assert len(app_processes(demo_db)) == 1
        await page.click("#se-deconnecter")  # type: ignore[attr-defined]
        await page.wait_for_url("**/connexion?fin=1")  # type: ignore[attr-defined]
        assert "Vous êtes déconnecté" in await page.inner_text("#info")  # type: ignore[attr-defined]
        assert wait_until(lambda: app_processes(demo_db) == [])
        await page.goto(f"{url}/")  # type: ignore[attr-defined]
        assert page.url.endswith("/connexion")  # type: ignore[attr-defined]

    operations = [(r[2], r[3]) for r in journal_rows(demo_db, "session web")]
    assert ("jrey", "échec") in operations
    assert operations[-2:] == [("jrey", "connexion"), ("jrey", "déconnexion")]


async def test_two_people_see_each_others_change(browser: object, demo_db: str) -> None:
    with running_server(demo_db) as url:
        julien, sophie = await new_page(browser), await new_page(browser)
        await julien.login(url, "jrey", PASSWORDS["jrey"])
        await sophie.login(url, "sgarcia", PASSWORDS["sgarcia"])
        assert await julien.wait_for("Connecté : Julien Rey")
        assert await sophie.wait_for("Connecté : Sophie Garcia")
        await julien.past_first_steps()
        await sophie.past_first_steps()
        for tab in (julien, sophie):
            mark = await tab.press("Enter")
            assert await tab.wait_for("Tableau de bord", since=mark)
            mark = await tab.press("a")
            assert await tab.wait_for("Actions — pat-salon-martigues · 15 actions", since=mark)
        assert await sophie.wait_for("Terminée")

        # Julien changes A1's status; Sophie's screen follows without a key pressed.
        mark = len(sophie.frames)
        picker = await julien.press("s")
        assert await julien.wait_for("Statut de A1", since=picker)
        await julien.press("ArrowDown", "Enter")
        assert wait_until(lambda: journal_rows(demo_db, "action")[-1][0] == "jrey")
        _, _, ref, _, field, _, new, _ = journal_rows(demo_db, "action")[-1]
        assert (ref, field) == ("A1", "statut")
        assert await sophie.wait_for(ActionStatus(new).label, since=mark, seconds=20)
    assert wait_until(lambda: app_processes(demo_db) == [])


async def test_a_partner_officer_comments_gives_an_avis_and_downloads(
    browser: object, demo_db: str, tmp_path: Path
) -> None:
    """Issue 16's « done »: the préfecture's officer, with a browser only."""
    with running_server(demo_db, "--exports", str(tmp_path / "exports")) as url:
        tab = await new_page(browser)
        await tab.login(url, "molivier", PASSWORDS["molivier"])
        assert await tab.wait_for("Connecté : Marc Olivier")
        await tab.past_first_steps()
        mark = await tab.press("Enter")
        assert await tab.wait_for("Tableau de bord", since=mark)

        # Reads and comments the roadmap.
        mark = await tab.press("k")
        assert await tab.wait_for("Commentaires — pat-salon-martigues", since=mark)
        mark = await tab.press("n")
        assert await tab.wait_for("Publier", since=mark)
        await tab.press("Tab", "Tab")
        await tab.type("La préfecture peut cofinancer l'épicerie de Canto-Perdrix.")
        mark = await tab.press("Control+s")
        assert await tab.wait_for("commentaire publié", since=mark)

        # Gives the préfecture's avis on a dossier it instructs.
        mark = await tab.press("i")
        assert await tab.wait_for("Instruction", since=mark)
        mark = await tab.press("m")
        assert await tab.wait_for("avis attendu de prefecture", since=mark)
        mark = await tab.press("v")
        assert await tab.wait_for("Avis de prefecture sur", since=mark)
        await tab.press("Enter", "ArrowDown", "Enter", "Tab")
        await tab.type("Projet solide, foncier à confirmer.")
        mark = await tab.press("Control+s")
        assert await tab.wait_for("enregistré", since=mark)

        # Downloads the service's file from the same server.
        page = tab.page
        await page.goto(f"{url}/fichiers")  # type: ignore[attr-defined]
        async with page.expect_download() as info:  # type: ignore[attr-defined]
            await page.click("text=prefecture.toml")  # type: ignore[attr-defined]
        download = await info.value
        saved = tmp_path / "prefecture.toml"
        await download.save_as(str(saved))
        assert 'code = "prefecture"' in saved.read_text(encoding="utf-8")

    rows = journal_rows(demo_db)
    mine = [(r[1], r[3]) for r in rows if r[0] == "molivier"]
    assert ("commentaire", "création") in mine
    assert any(entity == "avis" for entity, _ in mine), mine
    downloads = [r for r in rows if r[1] == "session web" and r[3] == "téléchargement"]
    assert downloads and downloads[-1][2] == "molivier"
