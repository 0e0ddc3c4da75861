"""Commentaires: the cercle élargi comments through the TUI; a lecteur reads only."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select, TextArea

from roadmap.models import Comment, JournalEntry
from roadmap.tui.screens.actions import ActionsScreen
from roadmap.tui.screens.comments import CommentsScreen
from roadmap.tui.screens.declared_form import FormModal
from tests.tui.helpers import demo_app, settle


async def test_cercle_elargi_comments_the_roadmap(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="sgarcia", screen="commentaires") as (app, pilot):
        assert isinstance(app.screen, CommentsScreen)
        before = await Comment.all().count()
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-kind", Select).value = "proposition"
        form.query_one("#field-text", TextArea).text = "Associer la CAF au COPIL de juin."
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CommentsScreen)
        comment = await Comment.all().order_by("-id").first()
        assert await Comment.all().count() == before + 1
        assert comment is not None and comment.author == "sgarcia"
        assert comment.kind == "proposition" and comment.action_id is None
        row = await JournalEntry.all().order_by("-id").first()
        assert row is not None and (row.actor, row.entity) == ("sgarcia", "proposition")
        assert "Associer la CAF" in str(app.screen.query_one("#comment-detail").render())


async def test_comment_on_the_selected_action(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="sgarcia", screen="actions") as (app, pilot):
        assert isinstance(app.screen, ActionsScreen)
        await pilot.press("c")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        assert form.query_one("#field-about", Select).value == "A1"
        form.query_one("#field-text", TextArea).text = "Le diagnostic oublie les marchés."
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        comment = await Comment.all().order_by("-id").first().prefetch_related("action")
        assert comment is not None and comment.action.ref == "A1"


async def test_lecteur_gets_a_read_only_comment_form(tmp_path: Path) -> None:
    async with demo_app(tmp_path, login="pdurand", screen="commentaires") as (app, pilot):
        before = await Comment.all().count()
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        banner = str(form.query_one("#form-readonly").render())
        assert "Lecture seule" in banner and "lecteur" in banner
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert await Comment.all().count() == before
