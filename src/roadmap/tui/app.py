"""The Textual app: themes, global keys, command palette. Screens live in ``screens/``.

The app never opens or closes the database (RISKS 9): the caller initialises Tortoise in
the task that awaits ``run_async()`` / ``run_test()`` and closes it afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any, TypeVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen
from textual.theme import Theme

from roadmap.config import DEFAULT_THEME, Settings, save_theme
from roadmap.tui.commands import RoadmapCommands, ThemeCommands
from roadmap.tui.textual_fr import french
from roadmap.tui.themes import load_themes, packaged_theme_files, user_theme_files
from roadmap.usecases.actor import Actor

T = TypeVar("T")
FALLBACK_THEME = "textual-light"
HIDDEN_KEYS = {"super+c"}
# One marker per person in the config folder: people served by `roadmap serve` share it.
FIRST_STEPS_SEEN = "premiers-pas-vus"


class RoadmapApp(App[None]):
    TITLE = "Feuille de route partagée"
    # Absolute, so subclasses defined elsewhere (tests, benchmarks) find the stylesheet.
    CSS_PATH = [Path(__file__).with_name("app.tcss")]
    COMMANDS = App.COMMANDS | {RoadmapCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Aide", key_display="?"),
        Binding("f1", "help", "Aide", show=False),
        Binding("q", "quit", "Quitter"),
        Binding("ctrl+t", "next_theme", "Thème", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        actor: Actor,
        *,
        new_database: bool = False,
        quick_home: Any = None,
        quick_file: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.actor = actor
        self.may_create = False  # may start a roadmap: re-read with the roles
        self.is_admin = False
        self.needs_first_start = False  # an administrator with no real service yet
        self.has_demo = False
        self.new_database = new_database  # no roadmap yet: ask how to start
        # The home screen's first look, read before the ORM (usecases.home.QuickHome): the
        # launcher opens the database after the first frame, and database work waits for it.
        self.quick_home = quick_home
        self._quick_file = quick_file  # the SQLite file quick_home was read from
        self._db_ready: asyncio.Event | None = None  # None: open before the app started
        self._identity_read: asyncio.Event | None = None  # set by refresh_identity
        self.first_frame: asyncio.Event = asyncio.Event()
        self._last_key_at = 0.0  # time.monotonic() of the last key (typing_paused)
        if quick_home is not None:
            self.may_create = quick_home.may_create
            self.is_admin = quick_home.is_admin
            self._db_ready = asyncio.Event()
            self._identity_read = asyncio.Event()
        self._db_tasks: set[asyncio.Task[Any]] = set()
        self._change_marker: int | None = None
        self.startup_problems: list[str] = list(settings.warnings)
        self.theme_labels: dict[str, str] = {}
        self._install_themes()

    # --- themes -------------------------------------------------------------------------

    def _install_themes(self) -> None:
        loaded = load_themes(
            [*packaged_theme_files(), *user_theme_files(self.settings.user_themes_dir)]
        )
        self.startup_problems.extend(loaded.problems)
        for theme in loaded.themes.values():
            self.register_theme(theme)
        self.theme_labels = dict(loaded.labels)
        wanted = self.settings.theme
        if wanted not in self.available_themes:
            default = DEFAULT_THEME if DEFAULT_THEME in loaded.themes else FALLBACK_THEME
            self.startup_problems.append(
                f"thème « {wanted} » introuvable ; thème « {default} » utilisé "
                f"(disponibles : {', '.join(sorted(self.theme_labels)) or 'aucun'})"
            )
            wanted = default
        self.theme = wanted

    def choose_theme(self, name: str) -> None:
        """Switch theme and remember it for this user."""
        self.theme = name

    def action_next_theme(self) -> None:
        names = sorted(self.theme_labels) or [FALLBACK_THEME]
        index = names.index(self.theme) + 1 if self.theme in names else 0
        self.choose_theme(names[index % len(names)])

    def _persist_theme(self, theme: Theme) -> None:
        if theme.name == self.settings.theme:
            return
        from dataclasses import replace

        self.settings = replace(self.settings, theme=theme.name)
        problem = save_theme(self.settings, theme.name)
        label = self.theme_labels.get(theme.name, theme.name)
        if problem:
            self.notify(problem, severity="warning")
        else:
            self.notify(f"thème « {label} » enregistré pour les prochaines fois", timeout=3)

    # --- life cycle ---------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        from roadmap.tui.screens.accueil import AccueilScreen

        return AccueilScreen()

    def on_mount(self) -> None:
        self.call_after_refresh(self.first_frame.set)  # the launcher may open the base now
        self.theme_changed_signal.subscribe(self, self._persist_theme)
        for problem in self.startup_problems:
            self.notify(problem, severity="warning", timeout=8)
        if self.settings.refresh_seconds > 0:
            self.set_interval(self.settings.refresh_seconds, self._poll_changes)
        seen = self._first_steps_marker().exists()
        if self.new_database or (self.settings.first_steps and not seen):
            self.call_after_refresh(self.show_first_steps, self.new_database)

    # --- first launch -------------------------------------------------------------------

    def _first_steps_marker(self) -> Path:
        login = "".join(c if c.isalnum() or c in "._-" else "_" for c in self.actor.login)
        return self.settings.config_dir / f"{FIRST_STEPS_SEEN}.{login}"

    def show_first_steps(self, new_database: bool = False) -> None:
        from roadmap.tui.screens.welcome import PremiersPasScreen

        self.push_screen(PremiersPasScreen(new_database=new_database), self._first_choice)

    def _first_choice(self, choice: str | None) -> None:
        marker = self._first_steps_marker()
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass  # shown again next time: harmless
        if choice == "demo":
            self.run_worker(self._start_with(self._build_demo()), exit_on_error=False)
        elif choice and choice.startswith("import:"):
            path = choice.removeprefix("import:")
            self.run_worker(self._start_with(self._import(path)), exit_on_error=False)
        elif choice == "empty":
            self.run_worker(self._start_empty(), exit_on_error=False)

    async def _start_empty(self) -> None:
        """The guided start: territory, services, the person, the roadmap (administrators)."""
        from roadmap.tui.screens.accueil import AccueilScreen

        await self.track(self.refresh_identity())
        self.new_database = False
        home = next((s for s in self.screen_stack if isinstance(s, AccueilScreen)), None)
        if not self.is_admin or home is None:
            self.notify(
                "commencer une feuille de route sur cette base est réservé à ses "
                "administrateurs : demandez-le à l'un d'eux (roadmap admin liste les nomme)",
                severity="warning",
                timeout=10,
            )
            return
        home.start_for_real()

    async def _build_demo(self) -> str:
        from roadmap.usecases.demo import build_demo

        slug = await build_demo(self.actor, today=self.settings.today)
        return f"démonstration prête : {slug}"

    async def _import(self, path: str) -> str:
        from pathlib import Path as FilePath

        from roadmap.exchange.importer import import_file

        result = await import_file(self.actor, FilePath(path).expanduser())
        return f"import de {FilePath(path).name} : {result.summary()}"

    async def _start_with(self, work: Coroutine[Any, Any, str]) -> None:
        from roadmap.domain.errors import RoadmapError
        from roadmap.tui.screens.base import AppScreen
        from roadmap.usecases.identity import actor_for

        self.notify("un instant…", timeout=3)
        try:
            message = await self.track(work)
        except RoadmapError as exc:
            self.notify(str(exc), severity="error", title="Impossible", timeout=12)
            return
        self.actor = await self.track(actor_for(self.actor.login))  # now a known person
        self.new_database = False
        self.notify(message, title="Prêt")
        for screen in self.screen_stack:
            if isinstance(screen, AppScreen):
                screen.refresh_data()

    # --- live refresh: other users' changes --------------------------------------------

    def _poll_changes(self) -> None:
        if any(w.group == "poll" and not w.is_finished for w in self.workers):
            return  # the previous check is still running: skip this tick
        self.run_worker(self._check_changes(), group="poll", exit_on_error=False)

    async def _check_changes(self) -> None:
        from roadmap.tui.screens.base import AppScreen
        from roadmap.usecases.queries_frame import change_marker

        marker = await self.track(change_marker())
        previous, self._change_marker = self._change_marker, marker
        if previous is not None and marker != previous:
            for screen in self.screen_stack:
                if isinstance(screen, AppScreen):
                    screen.data_changed()

    async def refresh_identity(self) -> Actor:
        """Re-read who the user is and what they may create: a fiche personne created by
        a write, or a role changed, shows at once rather than after a restart."""
        from roadmap.domain.demo_reference import DEMO_SLUG
        from roadmap.models import Roadmap
        from roadmap.usecases.admin import is_administrator
        from roadmap.usecases.first_start import needs_first_start
        from roadmap.usecases.identity import actor_for
        from roadmap.usecases.roadmaps import may_create_roadmap

        self.actor = await actor_for(self.actor.login)
        self.may_create = await may_create_roadmap(self.actor)
        self.is_admin = await is_administrator(self.actor)
        self.needs_first_start = await needs_first_start(self.actor)
        self.has_demo = await Roadmap.exists(slug=DEMO_SLUG)
        if self._identity_read is not None:
            self._identity_read.set()
        return self.actor

    def after_identity(self, then: Callable[[], Any]) -> bool:
        """False, and ``then`` later, while the rights are still the quick start's guess
        (read before the ORM): a key pressed in that first instant acts on the real ones."""
        waiting = self._identity_read
        if waiting is None or waiting.is_set():
            return True

        async def later() -> None:
            await waiting.wait()
            then()

        self.run_worker(later(), group="after-identity", exit_on_error=False)
        return False

    def database_opened(self) -> None:
        """The launcher opened the database: the calls waiting for it start."""
        if self._db_ready is not None:
            self._db_ready.set()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._last_key_at = time.monotonic()
        await super().on_event(event)

    async def typing_paused(self, quiet: float = 0.25, limit: float = 1.0) -> None:
        """Return once no key came for ``quiet`` seconds and the loop is idle (a short sleep
        ends on time), at most after ``limit`` seconds: the launcher loads Tortoise then,
        once the keys a user typed ahead (Entrée, « a ») have been served."""
        tick = 0.02
        deadline = time.monotonic() + limit
        while (start := time.monotonic()) < deadline:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if now - self._last_key_at >= quiet and now - start < 2 * tick:
                return

    def quick_file(self) -> Path | None:
        """The SQLite file a screen may read with plain sqlite3 (``usecases.home``,
        ``usecases.action_rows``) while Tortoise is still loading; None once it is open."""
        if self._db_ready is None or self._db_ready.is_set():
            return None
        return self._quick_file

    async def wait_for_database(self) -> bool:
        """Wait until the launcher has opened the database; True if that meant waiting."""
        ready = self._db_ready
        if ready is None or ready.is_set():
            return False
        await ready.wait()
        return True

    async def _when_open(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._db_ready is not None
        try:
            await self._db_ready.wait()
        except asyncio.CancelledError:
            coro.close()  # never started: nothing half-done in the database
            raise
        return await coro

    def track(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run a database call as its own task, so a cancelled worker never cuts it short.

        The launcher awaits the tracked tasks before closing the database. Before the
        launcher has opened it (quick start), the call waits for it.
        """
        if self._db_ready is not None and not self._db_ready.is_set():
            coro = self._when_open(coro)
        task = asyncio.ensure_future(coro)
        self._db_tasks.add(task)
        task.add_done_callback(self._db_task_done)
        return task

    def _db_task_done(self, task: asyncio.Task[Any]) -> None:
        self._db_tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved here; the screen or run_write reports it

    def drop_waiting_work(self) -> None:
        """The database never opened (quit at once, or it failed): the calls waiting for
        it go, and nothing waits for it any more."""
        if self._db_ready is not None and not self._db_ready.is_set():
            for task in self._db_tasks:  # none of them has touched the database
                task.cancel()
            self._db_ready = None

    async def wait_for_database_work(self, limit_seconds: float = 10.0) -> None:
        if self._db_ready is not None and not self._db_ready.is_set():
            with contextlib.suppress(TimeoutError):  # the calls queued for it wait too
                await asyncio.wait_for(self._db_ready.wait(), limit_seconds)
        if self._db_tasks:
            await asyncio.wait(set(self._db_tasks), timeout=limit_seconds)

    @property
    def today(self) -> Any:
        return self.settings.current_date()

    # --- global actions -----------------------------------------------------------------

    def action_help(self) -> None:
        from roadmap.tui.screens.help import HelpScreen

        screen = self.screen
        if isinstance(screen, HelpScreen):
            screen.dismiss()
            return
        keys: list[tuple[str, str]] = []
        seen: set[str] = set()
        # The screen's own keys first, then the focused widget's, then the app's.
        order = {screen: 0, self: 2}

        def textual(active: Any) -> bool:
            return type(active.node).__module__.startswith("textual.")

        actives = sorted(
            screen.active_bindings.values(),
            key=lambda a: (textual(a), order.get(a.node, 1)),
        )
        for active in actives:
            binding = active.binding
            description = french(binding.description, from_textual=textual(active))
            if description and description not in seen and binding.key not in HIDDEN_KEYS:
                seen.add(description)
                keys.append((self.get_key_display(binding), description))
        self.push_screen(HelpScreen(screen.title or screen.__class__.__name__, keys))

    def action_command_palette(self) -> None:
        # Textual's palette, with a French prompt.
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(placeholder="Chercher une commande…", id="--command-palette")
            )

    async def action_quit(self) -> None:
        """q, ctrl+q: never leave a form with unsaved typing without asking."""
        from roadmap.tui.screens.form import FormScreen

        dirty = [s for s in self.screen_stack if isinstance(s, FormScreen) and s.dirty]
        if dirty:
            dirty[-1].leave(quitting=True)
            return
        self.exit()

    def search_themes(self) -> None:
        # Textual's theme picker, in French and with this app's themes only.
        self.push_screen(
            CommandPalette(providers=[ThemeCommands], placeholder="Chercher un thème…")
        )

    def action_home(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Textual's defaults, in French.
        yield SystemCommand("Quitter", "fermer l'application", self.action_quit)
        yield SystemCommand("Aide", "les touches de cet écran", self.action_help)
        yield SystemCommand("Thème…", "choisir parmi tous les thèmes", self.action_change_theme)
        yield SystemCommand(
            "Capture d'écran", "enregistrer l'écran en SVG", lambda: self.deliver_screenshot()
        )
