"""Tableau de bord: destination, portage, axes, next jalons, alerts, journal; the menu."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from roadmap import formatting as fr
from roadmap.tui.format import date_fr, progress_bar, shorten
from roadmap.tui.screens import ROADMAP_SCREENS, entry_for
from roadmap.tui.screens.base import RoadmapScreen, open_roadmap_screen
from roadmap.tui.widgets.footer import FittedFooter

# Lines painted at once in the risks and the alerts. Textual measures and wraps every line of
# a list or a text at each layout: 4,000 risks and 7,000 alerts (the 10,000-action bench) held
# the screen and the keys for seconds (issue 15). The rest is one key (risks) or one command away.
SHOWN = 100

if TYPE_CHECKING:  # the reads and the COPIL lines load with the first read, not the screen:
    # Tortoise and the models may still be loading then (cli/launch.py, issue 15)
    from roadmap.usecases import queries
    from roadmap.usecases.baselines import CopilSummary
    from roadmap.usecases.queries import Dashboard
    from roadmap.usecases.risks import Risk


class DashboardScreen(RoadmapScreen):
    SCREEN_ID = "tableau_de_bord"
    TITLE = "Tableau de bord"
    LIVE_REFRESH = True
    BINDINGS = [Binding("ctrl+r", "reload", "Actualiser")]

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.data: Dashboard | None = None
        self.risks: list[Risk] = []
        self.all_risks = False  # « … et N autres » chosen: every risk listed

    def compose(self) -> ComposeResult:
        yield Static(f"Tableau de bord — {self.slug}", id="dash-title", classes="screen-title")
        yield OptionList(id="dash-risks")  # what is late or at risk, first, full width
        with Horizontal(id="dash-body"):
            with VerticalScroll(id="dash-left", classes="dash-column"):
                yield Static("", id="dash-copil")  # « Depuis le COPIL du … » (issue 12)
                yield Static("Chargement…", id="dash-destination")
                yield Static("", id="dash-portage")
                yield Static("", id="dash-axes")
                yield Static("", id="dash-journal")
            with VerticalScroll(id="dash-right", classes="dash-column"):
                yield OptionList(*self._menu(), id="dash-menu")
                yield Static("", id="dash-jalons")
                yield Static("", id="dash-alerts")
        yield FittedFooter()

    def _menu(self) -> list[Option]:
        options = []
        for entry in ROADMAP_SCREENS:
            if entry.screen_id == self.SCREEN_ID:
                continue
            # Screens not built yet stay listed, dimmed, so the menu keeps its shape.
            label = f"{entry.key}  {entry.title}"
            options.append(Option(label, id=entry.screen_id, disabled=not entry.available))
        return options

    def on_mount(self) -> None:
        self.query_one("#dash-menu", OptionList).border_title = "Écrans"
        self.query_one("#dash-risks", OptionList).border_title = "À surveiller d'abord"

    def on_screen_resume(self, _event: Any) -> None:
        self.action_reload()

    def palette_commands(self) -> list[tuple[str, Any, str]]:
        return [("Tableau de bord : actualiser", self.action_reload, "ctrl+r")]

    def action_reload(self) -> None:
        today = self.roadmap_app.today

        # The use cases load with the read, not with the screen: Tortoise may still be
        # loading when the screen opens (cli/launch.py, issue 15).
        async def dashboard() -> Dashboard:
            from roadmap.usecases.queries import dashboard

            return await dashboard(self.actor, self.slug, today=today)

        async def risks() -> list[Risk]:
            from roadmap.usecases.risks import roadmap_risks

            return await roadmap_risks(self.slug, today=today)

        async def copil() -> CopilSummary:
            from roadmap.usecases.baselines import copil_summary

            return await copil_summary(self.actor, self.slug, today=today)

        self.run_query(dashboard, self.show, again_on_resume=True)
        self.run_query(risks, self.show_risks, name="risks", again_on_resume=True)
        self.run_query(copil, self.show_copil, name="copil", quiet=True, again_on_resume=True)

    def show_copil(self, summary: CopilSummary) -> None:
        from roadmap.tui.screens.copil import copil_lines

        widget = self.query_one("#dash-copil", Static)
        widget.update(copil_lines(summary, self.roadmap_app.today))
        widget.display = bool(summary.comparison or summary.open_decisions)

    def show_risks(self, risks: list[Risk]) -> None:
        """What is late or at risk, first; Enter on a line opens the item it names."""
        tones = {"erreur": "$error", "avertissement": "$warning", "information": "$success"}
        self.risks = risks
        shown = risks if self.all_risks else risks[:SHOWN]
        menu = self.query_one("#dash-risks", OptionList)
        highlighted = menu.highlighted
        options = [
            Option(
                Content.from_markup(f"[{tones.get(r.severity, '$warning')}]●[/] $m", m=r.message),
                id=f"{index}|{r.target}",
            )
            for index, r in enumerate(shown)
        ]
        if len(shown) < len(risks):
            more = len(risks) - len(shown)
            options.append(
                Option(f"… et {fr.number(more)} autres : Entrée pour les afficher", id="more")
            )
        menu.set_options(options)
        if highlighted is not None and highlighted < len(options):
            menu.highlighted = highlighted

    @on(OptionList.OptionSelected, "#dash-risks")
    def risk_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "more":
            self.all_risks = True
            self.show_risks(self.risks)
            return
        target = (event.option.id or "").split("|", 1)[-1]
        kind, _, key = target.partition(":")
        if kind == "action":
            self._open_action(key)
        elif kind == "jalon":
            screen = entry_for("jalons").factory(self.slug)
            screen.selected_ref = key  # type: ignore[attr-defined]
            self.app.push_screen(screen)
        elif kind == "person":
            open_roadmap_screen(self.app, self.slug, "equipe")
        else:
            open_roadmap_screen(self.app, self.slug, "revue")

    def _open_action(self, ref: str) -> None:
        from roadmap.tui.screens.action_form import ActionFormScreen
        from roadmap.tui.screens.form import open_form
        from roadmap.usecases import queries

        slug = self.slug

        async def load() -> tuple[queries.FormChoices, queries.ActionDetail]:
            return await queries.choices(slug), await queries.action_detail(slug, ref)

        def push(loaded: tuple[queries.FormChoices, queries.ActionDetail]) -> None:
            open_form(self, ActionFormScreen(slug, *loaded), lambda _ref: self.action_reload())

        self.run_query(load, push, name="open-action")

    @on(OptionList.OptionSelected, "#dash-menu")
    def menu_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            open_roadmap_screen(self.app, self.slug, event.option.id)

    def show(self, data: Dashboard) -> None:
        self.data = data
        today = self.roadmap_app.today
        role = data.role.label.lower() if data.role else "non membre"
        archived = " — ARCHIVÉE" if data.status.value == "archivee" else ""
        self.query_one("#dash-title", Static).update(
            Content(f"Votre rôle : {role}  ·  {data.title}{archived}")
        )
        remaining = (data.horizon - today).days
        self.query_one("#dash-destination", Static).update(
            Content.from_markup(
                "[b $primary]Point d'arrivée[/] — horizon $horizon ($left)\n$destination\n"
                "Avancement : $bar",
                horizon=date_fr(data.horizon),
                left=f"dans {remaining} jours" if remaining >= 0 else "dépassé",
                destination=data.destination,
                bar=progress_bar(data.progress, 20),
            )
        )
        self.query_one("#dash-portage", Static).update(self._portage(data))
        self.query_one("#dash-axes", Static).update(self._axes(data))
        self.query_one("#dash-jalons", Static).update(self._jalons(data))
        self.query_one("#dash-alerts", Static).update(self._alerts(data, self.slug))
        self.query_one("#dash-journal", Static).update(self._journal(data))

    @staticmethod
    def _portage(data: Dashboard) -> Content:
        lines = [Content.from_markup("[b $primary]Trinôme et portage[/]")]
        for side in data.sides:
            trinome = ", ".join(side.trinome) or "— personne —"
            direction = ", ".join(side.direction) or "— personne —"
            lines.append(
                Content.from_markup(
                    "[b]$side[/] · $service\n  trinôme : $trinome\n  direction : $direction",
                    side=side.side.label,
                    service=shorten(side.service_name, 40),
                    trinome=trinome,
                    direction=direction,
                )
            )
        return Content("\n").join(lines)

    @staticmethod
    def _axes(data: Dashboard) -> Content:
        lines = [Content.from_markup("[b $primary]Axes[/]")]
        for axe in data.axes:
            lines.append(
                Content(
                    f"{progress_bar(axe.progress, 6)} {axe.done_count}/{axe.action_count} "
                    f"{axe.ref:<4}{axe.title}"
                )
            )
        if not data.axes:
            lines.append(Content("aucun axe pour l'instant"))
        return Content("\n").join(lines)

    @staticmethod
    def _jalons(data: Dashboard) -> Content:
        lines = [Content.from_markup("[b $primary]Prochains jalons[/]")]
        for jalon in data.next_jalons:
            moved = " (décalé)" if jalon.slip_days else ""
            lines.append(
                Content(
                    f"{date_fr(jalon.current_date)} {jalon.ref:<4}{shorten(jalon.title, 30)}{moved}"
                )
            )
        if not data.next_jalons:
            lines.append(Content("aucun jalon à venir"))
        return Content("\n").join(lines)

    @staticmethod
    def _alerts(data: Dashboard, slug: str) -> Content:
        lines = [Content.from_markup("[b $primary]Alertes[/] ($n)", n=str(len(data.alerts)))]
        for alert in data.alerts[:SHOWN]:
            style = "$error" if alert.level.value == "erreur" else "$warning"
            lines.append(
                Content.from_markup(
                    f"[{style}]●[/] $ref$message",
                    # « A5 commence le … » names its item already: no « A5 A5 … »
                    ref=f"{alert.ref} "
                    if alert.ref and not alert.message.startswith(f"{alert.ref} ")
                    else "",
                    message=alert.message,
                )
            )
        if len(data.alerts) > SHOWN:
            more = fr.number(len(data.alerts) - SHOWN)
            lines.append(Content(f"… et {more} autres : roadmap check --roadmap {slug}"))
        if not data.alerts:
            lines.append(Content.from_markup("[$success]●[/] rien à signaler"))
        return Content("\n").join(lines)

    @staticmethod
    def _journal(data: Dashboard) -> Content:
        lines = [Content.from_markup("[b $primary]Derniers changements[/]")]
        for entry in data.last_entries:
            what = f"{entry.entity} {entry.ref} : {fr.what_changed(entry.operation, entry.field)}"
            when = f"{entry.at.astimezone():%d/%m %H:%M}"
            lines.append(Content(f"{when} {entry.who} · {what}"))
        return Content("\n").join(lines)
