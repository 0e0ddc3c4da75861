"""Accueil: the roadmaps I belong to, with my role; open, create, archive."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from roadmap.domain.enums import RoadmapStatus, Role
from roadmap.tui.format import date_fr, progress_bar, shorten
from roadmap.tui.screens.base import AppScreen, open_roadmap_screen
from roadmap.tui.widgets.footer import FittedFooter
from roadmap.usecases.home import RoadmapSummary

CREATE_REFUSAL = (
    "créer une feuille de route est réservé aux administrateurs de la base et aux membres "
    "de la direction d'une feuille de route"
)


class AccueilScreen(AppScreen):
    TITLE = "Accueil"
    LIVE_REFRESH = True
    BINDINGS = [
        Binding("enter", "open", "Ouvrir", priority=True),  # shown over the table's own
        Binding("n", "create", "Nouvelle feuille de route"),
        Binding("s", "archive", "Archiver / réactiver"),
        Binding("D", "remove_demo", "Retirer la démo", show=False),
        Binding("ctrl+r", "reload", "Actualiser"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[RoadmapSummary] = []

    def compose(self) -> ComposeResult:
        yield Static("Feuille de route partagée — Accueil", classes="screen-title")
        yield Static("", id="accueil-who", classes="muted")
        yield DataTable(id="accueil-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="accueil-detail")
        yield FittedFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(
            "Feuille de route", "Mon rôle", "Horizon", "Avancement", "Actions", "Alertes"
        )
        self._show_who()
        quick = self.roadmap_app.quick_home
        if quick is not None:  # read before the ORM: painted in the first frame (issue 15)
            self.roadmap_app.quick_home = None
            self.show(quick.summaries)

    def _show_who(self) -> None:
        actor = self.actor  # may have changed: a creation or the first launch gives a seat
        who = f"{actor.name} ({actor.login})" if actor.name else actor.login  # login kept
        known = (
            ""
            if actor.person_id
            else " (administrateur de la base, sans fiche personne pour l'instant)"
            if self.roadmap_app.is_admin
            else " (inconnu de la base : lecture seule)"
        )
        self.query_one("#accueil-who", Static).update(f" Connecté : {who}{known}")

    async def _load(self) -> list[RoadmapSummary]:
        from roadmap.usecases.queries import list_my_roadmaps

        await self.roadmap_app.refresh_identity()  # roles and rights as the database has them
        return await list_my_roadmaps(self.actor)

    def action_reload(self) -> None:
        self.run_query(self._load, self.show, again_on_resume=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "create" and not self.roadmap_app.may_create:
            return False  # not offered in the footer; the key says why (on_key)
        if action == "remove_demo":
            return self.roadmap_app.is_admin and self.roadmap_app.has_demo
        return super().check_action(action, parameters)

    def on_key(self, event: Any) -> None:
        if event.key == "n" and not self.roadmap_app.may_create:
            event.stop()
            self.refuse_create()

    def refuse_create(self) -> None:
        self.notify(CREATE_REFUSAL, severity="warning", title="Création réservée")

    def show(self, summaries: list[RoadmapSummary]) -> None:
        self.summaries = summaries
        self._show_who()
        self.refresh_bindings()
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        # Leave room for the other columns (alerts included) on an 80-column terminal.
        narrow = self.app.size.width < 100
        title_width = max(16, self.app.size.width - (62 if narrow else 67))
        for s in summaries:
            archived = s.status is RoadmapStatus.ARCHIVEE
            table.add_row(
                shorten(s.title + (" (archivée)" if archived else ""), title_width),
                s.role.label if s.role else "—",
                date_fr(s.horizon),
                progress_bar(s.progress, 5 if narrow else 10),
                str(s.action_count),
                "…" if s.alert_count is None else str(s.alert_count) if s.alert_count else "—",
                key=s.slug,
            )
        if summaries:
            table.move_cursor(row=min(row, len(summaries) - 1))
        self.show_detail()
        if not summaries:
            self.query_one("#accueil-detail", Static).update(
                "Vous n'êtes membre d'aucune feuille de route. "
                + (
                    "Touche n pour commencer : votre territoire, votre service, vous-même "
                    "et la feuille de route (vous en serez membre du trinôme)."
                    if self.roadmap_app.needs_first_start
                    else "Touche n pour en créer une (vous en serez membre du trinôme)."
                    if self.roadmap_app.may_create
                    else "Un administrateur ou un membre de la direction peut en créer une "
                    "et vous y ajouter."
                )
            )

    def selected(self) -> RoadmapSummary | None:
        table = self.query_one(DataTable)
        if not self.summaries or table.cursor_row < 0:
            return None
        return self.summaries[min(table.cursor_row, len(self.summaries) - 1)]

    @on(DataTable.RowHighlighted)
    def show_detail(self) -> None:
        summary = self.selected()
        if summary is None:
            return
        self.query_one("#accueil-detail", Static).update(
            Content.from_markup(
                "[b]$title[/b] ($slug)\n[b]Point d'arrivée[/b] ($horizon) : $destination",
                title=summary.title,
                slug=summary.slug,
                horizon=date_fr(summary.horizon),
                destination=summary.destination,
            )
        )

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        summary = self.selected()
        if summary is not None:
            open_roadmap_screen(self.app, summary.slug, "tableau_de_bord")

    def action_create(self) -> None:
        from roadmap.tui.screens.form import open_form
        from roadmap.tui.screens.roadmap_form import RoadmapFormScreen

        if not self.roadmap_app.after_identity(self.action_create):
            return
        if not self.roadmap_app.may_create:  # e.g. from the command palette
            self.refuse_create()
            return
        if self.roadmap_app.needs_first_start:
            self.start_for_real()
            return
        open_form(self, RoadmapFormScreen(), self._created)

    def start_for_real(self) -> None:
        """No real service yet (new base, or the demo only): the guided start."""
        from roadmap.tui.screens.first_start import FirstStartScreen

        self.app.push_screen(FirstStartScreen(), self._created)

    def _created(self, slug: str | None) -> None:
        if slug:
            # the creator may just have got a fiche personne and a trinôme seat
            self.run_query(self._load, lambda s: self._open_created(s, slug), name="created")

    def _open_created(self, summaries: list[RoadmapSummary], slug: str) -> None:
        self.show(summaries)
        open_roadmap_screen(self.app, slug, "tableau_de_bord")

    def action_archive(self) -> None:
        from roadmap.usecases.roadmaps import set_roadmap_status

        summary = self.selected()
        if summary is None:
            return
        if summary.role is not Role.DIRECTION:
            # The use case refuses too; saying it here spares a round trip.
            self.notify(
                "archiver une feuille de route demande le rôle direction", severity="warning"
            )
            return
        target = (
            RoadmapStatus.ACTIVE
            if summary.status is RoadmapStatus.ARCHIVEE
            else RoadmapStatus.ARCHIVEE
        )
        self.run_write(
            lambda: set_roadmap_status(self.actor, summary.slug, summary.version, target.value),
            lambda _version: self._archived(summary, target),
        )

    def _archived(self, summary: RoadmapSummary, target: RoadmapStatus) -> None:
        verb = "réactivée" if target is RoadmapStatus.ACTIVE else "archivée"
        self.notify(f"« {summary.title} » {verb}")
        self.action_reload()

    def action_remove_demo(self) -> None:
        from roadmap.usecases.demo_remove import preview_demo_removal

        if not self.roadmap_app.after_identity(self.action_remove_demo):
            return
        if not (self.roadmap_app.is_admin and self.roadmap_app.has_demo):
            self.notify(
                "retirer la démonstration est réservé aux administrateurs de la base "
                "(roadmap admin liste les nomme)",
                severity="warning",
            )
            return
        self.run_query(preview_demo_removal, self._confirm_removal, name="demo-preview")

    def _confirm_removal(self, preview: Any) -> None:
        from roadmap.tui.screens.copil import ChoiceModal

        lines = "\n".join(f"· {line}" for line in preview.lines())
        intro = (
            f"Supprime :\n{lines}\nCe qu'une vraie feuille de route utilise reste ; "
            "le journal garde l'historique et note la suppression."
        )
        options = [("Retirer la démonstration", "oui"), ("Garder la démonstration", "non")]
        self.app.push_screen(
            ChoiceModal("Retirer la démonstration ?", options, intro),
            lambda answer: self._remove_demo() if answer == "oui" else None,
        )

    def _remove_demo(self) -> None:
        from roadmap.usecases.demo_remove import remove_demo

        def done(result: Any) -> None:
            kept = f" ; gardé (utilisé) : {', '.join(result.kept)}" if result.kept else ""
            self.notify(f"démonstration retirée{kept}", title="Fait")
            self.action_reload()

        self.run_write(lambda: remove_demo(self.actor), done, done_message="démonstration retirée")

    def palette_commands(self) -> list[tuple[str, Any, str]]:
        commands = [
            ("Accueil : ouvrir la feuille de route sélectionnée", self.action_open, "entrée"),
            ("Accueil : nouvelle feuille de route", self.action_create, "touche n"),
            ("Accueil : archiver / réactiver", self.action_archive, "touche s (direction)"),
        ]
        if not self.roadmap_app.may_create:
            del commands[1]
        if self.roadmap_app.is_admin and self.roadmap_app.has_demo:
            commands.append(
                ("Accueil : retirer la démonstration", self.action_remove_demo, "touche D")
            )
        return commands

    def on_screen_resume(self, _event: Any) -> None:
        # Back from a roadmap: progress and alerts may have changed.
        self.action_reload()
