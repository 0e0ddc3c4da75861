"""Propositions screen (issue 17): the trinôme accepts one proposal and refuses another."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
import tomli_w
from textual.widgets import TextArea

from roadmap import models as m
from roadmap.exchange.export import export
from roadmap.exchange.receive import receive_file
from roadmap.tui.screens.declared_form import FormModal
from roadmap.tui.screens.propositions import PropositionsScreen
from roadmap.usecases.demo import DEMO_SLUG
from roadmap.usecases.identity import current_actor

from .helpers import demo_app, open_screen, settle, type_text


async def _two_proposals(tmp_path: Path) -> None:
    await export(tmp_path / "ex")
    source = tmp_path / "ex" / "services" / "ars.toml"
    doc = tomllib.loads(source.read_text(encoding="utf-8"))
    action = next(a for a in doc["service"]["actions"] if "contributeur" in a["roles"])
    action["statut"] = "bloquee" if action["statut"] != "bloquee" else "en_cours"
    doc["service"]["jalons"][0]["commentaire"] = "Deux personnes de l'ARS viendront."
    doc["reponse"] = {"auteur": "Julie Durand"}
    returned = tmp_path / "retour.toml"
    returned.write_text(tomli_w.dumps(doc), encoding="utf-8")
    result = await receive_file(await current_actor(), returned)
    assert len(result.recorded) == 2


async def test_accept_one_and_refuse_one(tmp_path: Path) -> None:
    async with demo_app(tmp_path) as (app, pilot):
        await _two_proposals(tmp_path)
        await open_screen(app, pilot, DEMO_SLUG, "propositions")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PropositionsScreen)
        rows = screen.table.view_rows()
        assert [r.service for r in rows] == ["ars", "ars"]
        detail = str(screen.query_one("#proposition-detail").render())
        assert "Julie Durand" in detail and "→" in detail
        first, second = rows
        # v: accept the first (confirm in the form)
        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, FormModal)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        # n: refuse the second with a motive
        assert app.screen is screen
        await pilot.press("down")
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.query_one("#field-motif", TextArea).focus()
        await type_text(pilot, "pas pour ce COPIL")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
        stored = {p.id: p for p in await m.Proposition.all()}
        assert stored[first.id].status == "acceptee"
        assert stored[second.id].status == "refusee"
        assert stored[second.id].motive == "pas pour ce COPIL"
        journal = await m.JournalEntry.filter(operation="proposition acceptée").first()
        assert journal is not None and "accepté par" in journal.reason
        assert {r.status for r in screen.table.view_rows()} == {"acceptee", "refusee"}


async def test_a_proposition_decided_meanwhile_keeps_the_motive_and_says_so(
    tmp_path: Path,
) -> None:
    from roadmap.usecases.identity import actor_for
    from roadmap.usecases.propositions import accept_proposition

    async with demo_app(tmp_path) as (app, pilot):
        await _two_proposals(tmp_path)
        await open_screen(app, pilot, DEMO_SLUG, "propositions")
        screen = app.screen
        assert isinstance(screen, PropositionsScreen)
        first = screen.table.view_rows()[0]
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal) and not form.read_only
        await accept_proposition(await actor_for("cmartin"), first.id)  # meanwhile
        form.set_value("motif", "Pas avant le COPIL")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # the motive stays; the refusal names who decided
        assert form.query_one("#field-motif", TextArea).text == "Pas avant le COPIL"
        assert "déjà acceptée par cmartin" in str(form.query_one("#error-form").render())
        assert not form.query(".their-version")


def _move_a13(doc: dict) -> None:  # type: ignore[type-arg]
    a13 = next(a for a in doc["service"]["actions"] if a["ref"] == "A13")
    a13["fin"] = date(2027, 4, 30)  # A14, which depends on A13, starts 2027-04-08
    a13["motif"] = "recrutement retardé"


def _returned_file(tmp_path: Path) -> Path:
    source = tmp_path / "ex" / "services" / "ars.toml"
    doc = tomllib.loads(source.read_text(encoding="utf-8"))
    _move_a13(doc)
    doc["reponse"] = {"auteur": "Julie Durand"}
    returned = tmp_path / "retour-ars.toml"
    returned.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return returned


@pytest.mark.parametrize("choice", ["decaler", "garder"])
async def test_receive_from_the_screen_then_accept_a_date_with_the_forms_choice(
    tmp_path: Path, choice: str
) -> None:
    async with demo_app(tmp_path) as (app, pilot):
        await export(tmp_path / "ex")
        returned = _returned_file(tmp_path)
        await open_screen(app, pilot, DEMO_SLUG, "propositions")
        screen = app.screen
        assert isinstance(screen, PropositionsScreen)
        assert screen.table.view_rows() == []
        # f: receive the file sent back, path typed in the form, read in a worker
        await pilot.press("f")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.set_value("path", str(returned))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        (row,) = screen.table.view_rows()
        assert (row.ref, row.field, row.author) == ("A13", "fin", "Julie Durand")
        assert any("1 proposition de ars" in text for _, text in app.notifications)  # type: ignore[attr-defined]
        a14 = await m.Action.get(roadmap__slug=DEMO_SLUG, ref="A14")
        # v: the same choice and preview as the re-routing form
        await pilot.press("v")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        assert "A14" in str(form.query_one("#form-preview").render())
        form.set_value("dependents", choice)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        assert (await m.Proposition.get(id=row.id)).status == "acceptee"
        after = await m.Action.get(id=a14.id)
        if choice == "decaler":
            assert after.start_date is not None and after.start_date > a14.start_date
            adj = await m.Adjustment.filter(action_id=a14.id).first()
            assert adj is not None and adj.cause == "A13"  # in its column (issue 11)
        else:
            assert after.start_date == a14.start_date
            assert any("A14" in t for _, t in app.notifications)  # type: ignore[attr-defined]


async def test_receiving_a_refused_file_keeps_the_form_open(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="propositions") as (app, pilot):
        broken = tmp_path / "casse.toml"
        broken.write_text("[generation]\ntype = 'service'\n", encoding="utf-8")
        await pilot.press("f")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormModal)
        form.set_value("path", str(broken))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form  # refused: said in the form, nothing recorded
        assert "empreinte" in str(form.query_one("#error-form").render())
        assert await m.Proposition.all().count() == 0
