"""Commentaires: what members said or proposed on the roadmap, its actions and jalons.

The cercle élargi's door to the roadmap (DESIGN: « comment, propose »): everyone reads,
members who may comment write; the form opens read-only, with the reason, for the others.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from roadmap import formatting as fr
from roadmap.domain.enums import CommentKind
from roadmap.domain.permissions import Capability
from roadmap.tui.screens.base import RoadmapScreen
from roadmap.tui.screens.declared_form import FormField, FormModal, Values
from roadmap.tui.screens.form import open_form
from roadmap.tui.widgets.footer import FittedFooter
from roadmap.tui.widgets.virtual_table import Column, VirtualTable
from roadmap.usecases import queries
from roadmap.usecases.identity import Actor
from roadmap.usecases.may import check_capability
from roadmap.usecases.queries import CommentRow

WHOLE_ROADMAP = "*"


def comment_form(
    actor: Actor, slug: str, subjects: list[tuple[str, str]], about: str
) -> FormModal[str]:
    """The one comment form, for this screen and for « c » on an action."""
    from roadmap.usecases.observations import add_comment

    async def submit(values: Values) -> str:
        subject = values["about"] or WHOLE_ROADMAP
        await add_comment(
            actor,
            slug,
            values["text"],
            about=None if subject == WHOLE_ROADMAP else subject,
            kind=values["kind"] or CommentKind.COMMENTAIRE.value,
        )
        return subject

    return FormModal(
        "Commenter",
        [
            FormField("about", "Sujet", "select", value=about or WHOLE_ROADMAP,
                      options=[("La feuille de route", WHOLE_ROADMAP), *subjects],
                      aliases=("sujet",)),
            FormField("kind", "Type", "select", value=CommentKind.COMMENTAIRE.value,
                      options=[(k.label, k.value) for k in CommentKind], aliases=("type",)),
            FormField("text", "Texte", "area", aliases=("commentaire",)),
        ],
        submit,
        intro="Visible de tous les membres ; une proposition attend la réponse du trinôme.",
        save_label="Publier",
        check=lambda: check_capability(actor, slug, Capability.COMMENT),
    )  # fmt: skip


def open_comment_form(screen: RoadmapScreen, about: str, done: object) -> None:
    """Load the subjects, then open the form (read-only for those who may not comment)."""
    actor, slug = screen.actor, screen.slug

    async def load() -> list[tuple[str, str]]:
        choices = await queries.choices(slug)
        return [(c.label, c.key) for c in (*choices.actions, *choices.jalons)]

    def push(subjects: list[tuple[str, str]]) -> None:
        open_form(screen, comment_form(actor, slug, subjects, about), done)  # type: ignore[arg-type]

    screen.run_query(load, push, name="comment-form")


class CommentsScreen(RoadmapScreen):
    SCREEN_ID = "commentaires"
    TITLE = "Commentaires"
    LIVE_REFRESH = True
    BINDINGS = [
        Binding("n", "comment", "Commenter"),
        Binding("ctrl+r", "reload", "Actualiser"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(f"Commentaires — {self.slug}", id="comments-title", classes="screen-title")
        yield VirtualTable[CommentRow](
            [
                Column("at", "Date", lambda r: fr.date_short(r.created_at), 10),
                Column("author", "Auteur", lambda r: r.author, 12),
                Column("about", "Sujet", lambda r: r.about or "feuille de route", 16),
                Column("kind", "Type", lambda r: CommentKind(r.kind).label, 12),
                Column("text", "Texte", lambda r: " ".join(r.text.split()), 20, flex=True),
            ],
            row_key=lambda r: f"{r.created_at.isoformat()}-{r.author}-{r.text[:20]}",
            empty_text="chargement des commentaires…",
            id="comments-table",
        )
        yield Static("", id="comment-detail")
        yield FittedFooter()

    def on_mount(self) -> None:
        self.query_one(VirtualTable).focus()
        self.call_after_refresh(self.action_reload)

    def action_reload(self, newest: bool = False) -> None:
        """Read the comments again, newest first; ``newest`` moves the cursor onto it."""
        slug = self.slug

        async def load() -> list[CommentRow]:
            return list(reversed(await queries.comments(slug)))

        def show(rows: list[CommentRow]) -> None:
            table = self.query_one(VirtualTable)
            table.empty_text = "aucun commentaire pour l'instant : touche n pour commenter"
            table.set_rows(rows, keep=table.row_key(rows[0]) if newest and rows else None)
            title = f"Commentaires — {self.slug} · {fr.plural(len(rows), 'commentaire')}"
            self.query_one("#comments-title", Static).update(title)

        self.run_query(load, show, name="comments")

    def on_virtual_table_row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        row: CommentRow | None = event.row
        detail = self.query_one("#comment-detail", Static)
        if row is None:
            detail.update("")
            return
        about = row.about or "la feuille de route"
        detail.update(
            f"{CommentKind(row.kind).label} de {row.author} sur {about}, "
            f"le {fr.date_short(row.created_at)} :\n{row.text}"
        )

    def action_comment(self) -> None:
        open_comment_form(self, "", self._published)

    def _published(self, subject: str | None) -> None:
        if subject:
            self.notify("commentaire publié", title="Commentaires")
        self.action_reload(newest=bool(subject))
