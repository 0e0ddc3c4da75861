"""Base screens: database work in workers, refusals as French notifications.

Reads run in exclusive workers (a newer read replaces an older one). Writes run in
non-exclusive workers (RISKS 8): the use case's write unit is shielded, and so is our
await of it, so leaving the screen never cancels a write half-way; when the screen is
gone before the write ends, the outcome is reported by the app instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from roadmap.domain.errors import RoadmapError
from roadmap.tui.screens import ROADMAP_SCREENS, entry_for

if TYPE_CHECKING:
    from roadmap.tui.app import RoadmapApp
    from roadmap.usecases.identity import Actor

T = TypeVar("T")
Query = Callable[[], Awaitable[T]]


def unexpected(exc: BaseException, outcome: str) -> str:
    """A bug's message for the person at the keyboard: what happened, that nothing was
    half-done, and the technical name to pass on to whoever maintains the tool."""
    return f"erreur inattendue, {outcome} ({type(exc).__name__} : {exc}) ; signalez-la."


class DatabaseWork:
    """``run_query`` / ``run_write`` for any screen of the app (full screens and modals)."""

    app: Any
    is_attached: bool
    notify: Any
    run_worker: Any

    @property
    def roadmap_app(self) -> RoadmapApp:
        return self.app  # type: ignore[return-value]

    @property
    def actor(self) -> Actor:
        return self.roadmap_app.actor

    def run_query(
        self,
        factory: Query[T],
        on_done: Callable[[T], Any],
        *,
        name: str = "query",
        on_error: Callable[[RoadmapError], Any] | None = None,
        quiet: bool = False,
        again_on_resume: bool = False,
        needs_database: bool = True,
    ) -> None:
        """Run a read in a worker; a newer read with the same ``name`` replaces the older.

        ``quiet`` drops refusals silently (for optional extras such as the marge column).
        ``again_on_resume``: a screen's own reload, which it runs again when it comes back
        on top; asked while the database was still opening (quick start) and the screen
        left meanwhile, it is not run: its heavy reads would hold up the screen on top.
        ``needs_database=False``: a quick read of the file (plain sqlite3, in a thread)
        that runs while the database is still opening.
        """
        app = self.roadmap_app

        async def work() -> None:
            if again_on_resume and await app.wait_for_database() and self._covered():
                if isinstance(self, AppScreen):
                    self.data_stale = True  # read when back on top
                return
            try:
                result = await (app.track(factory()) if needs_database else factory())
            except RoadmapError as exc:
                if not quiet:
                    self.notify(str(exc), severity="error", title="Lecture impossible")
                if on_error is not None:
                    on_error(exc)
                return
            except Exception as exc:  # a bug: say so, never an empty screen without a word
                self.notify(unexpected(exc, "rien n'a été lu"), severity="error", title="Erreur")
                return
            if self.is_attached:
                on_done(result)

        # The function, not a coroutine: a worker that never starts leaves nothing unawaited.
        self.run_worker(work, group=name, exclusive=True, exit_on_error=False)

    def _covered(self) -> bool:
        """Hidden by a full screen above it (a box such as « Premiers pas » or the help
        leaves it in view). Not is_current: Textual counts the screen just below the top
        one as current, whatever covers it."""
        stack = self.app.screen_stack
        above = stack[stack.index(self) + 1 :] if self in stack else []
        return any(not isinstance(screen, ModalScreen) for screen in above)

    def run_write(
        self,
        factory: Query[T],
        on_done: Callable[[T], Any] | None = None,
        *,
        on_error: Callable[[RoadmapError], Any] | None = None,
        done_message: str = "modification enregistrée",
    ) -> None:
        """Run a use case in a non-exclusive worker; refusals become French notifications.

        ``on_error`` lets a form show the message next to the field and keep the input.
        """
        app = self.roadmap_app
        task = app.track(factory())
        state = {"screen_gone": False}

        def report_late(done: asyncio.Task[T]) -> None:
            # The screen was left while the write ran: tell the user what happened.
            if not state["screen_gone"] or done.cancelled():
                return
            exc = done.exception()
            if exc is None:
                app.notify(done_message, title="Enregistré")
            elif isinstance(exc, RoadmapError):
                app.notify(str(exc), severity="error", title="Refusé")
            else:
                app.notify(unexpected(exc, "rien n'a été enregistré"), severity="error")

        task.add_done_callback(report_late)

        async def work() -> None:
            try:
                result = await asyncio.shield(task)
            except asyncio.CancelledError:
                state["screen_gone"] = True
                raise
            except RoadmapError as exc:
                self.notify(str(exc), severity="error", title="Refusé")
                if on_error is not None:
                    on_error(exc)
                return
            except Exception as exc:  # the write unit rolled back: nothing half-written
                self.notify(unexpected(exc, "rien n'a été enregistré"), severity="error")
                return
            if on_done is not None and self.is_attached:
                on_done(result)

        self.run_worker(work, group="write", exclusive=False, exit_on_error=False)


class AppScreen(DatabaseWork, Screen[None]):
    """A full screen of the roadmap app.

    Live refresh: a screen that sets ``LIVE_REFRESH = True`` gets ``refresh_data()`` (by
    default its ``action_reload``) when another user changed something: at once if it is
    on top, else when it comes back on top.
    """

    # Help and quit first: the footer is cut from the right on a narrow terminal. In a text
    # field « ? » and « q » are letters: the footer then shows f1 and ctrl+q (same actions).
    BINDINGS = [
        Binding("question_mark", "app.help", "Aide", key_display="?"),
        Binding("f1", "app.help", "Aide"),
        Binding("q", "app.quit", "Quitter"),
        Binding("ctrl+q", "app.quit", "Quitter"),
        Binding("escape", "back", "Retour"),
    ]
    LIVE_REFRESH: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.data_stale = False

    def data_changed(self) -> None:
        if not self.LIVE_REFRESH:
            return
        if self.is_current:
            self.refresh_data()
        else:
            self.data_stale = True

    def refresh_data(self) -> None:
        self.data_stale = False
        reload = getattr(self, "action_reload", None)
        if callable(reload):
            reload()

    def on_screen_resume(self) -> None:
        if self.data_stale:
            self.refresh_data()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.app.screen_stack) > 1  # nothing to go back to from the first screen
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss()


class RoadmapScreen(AppScreen):
    """A screen about one roadmap; the keys of ``ROADMAP_SCREENS`` move between screens."""

    BINDINGS = [
        Binding(e.key, f"goto('{e.screen_id}')", e.title, show=False) for e in ROADMAP_SCREENS
    ]
    SCREEN_ID = ""

    def __init__(self, slug: str) -> None:
        super().__init__()
        self.slug = slug

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "goto" and parameters:
            screen_id = str(parameters[0])
            return screen_id != self.SCREEN_ID and entry_for(screen_id).available
        return super().check_action(action, parameters)

    def action_goto(self, screen_id: str) -> None:
        open_roadmap_screen(self.app, self.slug, screen_id)

    def may(self, capability: Any) -> Callable[[], Awaitable[object]]:
        """A form's ``check``: the core's roadmap-wide right for ``capability`` here."""
        from roadmap.usecases.may import check_capability

        actor, slug = self.actor, self.slug
        return lambda: check_capability(actor, slug, capability)


def open_roadmap_screen(app: Any, slug: str, screen_id: str) -> None:
    """Open a roadmap screen: pushed from the dashboard, switched from a sibling screen.

    Keeps the stack shallow (accueil → tableau de bord → écran) so escape always goes back
    one level to the dashboard.
    """
    if app.return_code is not None:
        return  # quitting: keys typed after « q » must not mount a screen mid-teardown
    entry = entry_for(screen_id)
    if not entry.available:
        app.notify(f"« {entry.title} » n'est pas encore disponible", severity="warning")
        return
    current = app.screen
    if isinstance(current, RoadmapScreen) and current.slug == slug:
        if current.SCREEN_ID == screen_id:
            return
        stack = app.screen_stack
        below = stack[-2] if len(stack) > 1 else None
        below_is_dashboard = (
            isinstance(below, RoadmapScreen)
            and below.slug == slug
            and below.SCREEN_ID == "tableau_de_bord"
        )
        if screen_id == "tableau_de_bord" and below_is_dashboard:
            current.dismiss()
            return
        if current.SCREEN_ID != "tableau_de_bord":
            app.switch_screen(entry.factory(slug))
            return
    app.push_screen(entry.factory(slug))
