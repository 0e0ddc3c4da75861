"""Control characters are refused at every door, with the field named (forms, CLI, imports).

A NUL in a title used to reach the .ics, the report and the GraphML (invalid XML).
Tab and newline stay welcome in paragraphs (descriptions, comments, motivations).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from xml.etree import ElementTree

import pytest

from roadmap.cli import main
from roadmap.domain import validation as v
from roadmap.domain.errors import RoadmapError, ValidationError
from roadmap.models import Action, Dossier, JournalEntry
from roadmap.usecases import instruction as ins
from roadmap.usecases.actions import ActionInput, create_action
from tests.instruction.conftest import SLUG, YEAR, World, new_dossier

CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")  # CR: the CSV's line ends
BAD = ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\ud800"]


@pytest.mark.parametrize("char", BAD, ids=lambda c: f"U+{ord(c[0]):04X}")
def test_one_line_fields_refuse_control_characters(char: str) -> None:
    with pytest.raises(ValidationError) as refused:
        v.text(f"Jardin{char}partagé", "titre")
    assert refused.value.field == "titre" and "refusé" in refused.value.message
    assert f"U+{ord(char[0]):04X}" in refused.value.message


def test_tab_and_newline_only_where_a_text_allows_them() -> None:
    with pytest.raises(ValidationError, match=r"tabulation U\+0009 refusé.*une ligne"):
        v.text("Jardin\tpartagé", "titre")
    with pytest.raises(ValidationError, match="retour à la ligne"):
        v.text("Jardin\npartagé", "porteur")
    assert v.text("Ligne 1\r\n\tLigne 2", "description", max_length=8000) == "Ligne 1\n\tLigne 2"
    with pytest.raises(ValidationError, match=r"U\+0000"):
        v.text("Ligne 1\n\x00", "description", max_length=8000)
    with pytest.raises(ValidationError, match="motif"):
        v.reason("report\x00 du jalon")


async def test_use_cases_refuse_and_write_nothing(world: World) -> None:
    actions = await Action.all().count()
    with pytest.raises(ValidationError) as refused:
        await create_action(
            world.pilote, SLUG, ActionInput(title="Ateliers\x00cuisine", pilot_service="dcs")
        )
    assert refused.value.field == "titre"
    with pytest.raises(ValidationError) as refused:
        await ins.create_dossier(
            world.pilote,
            YEAR,
            ins.DossierInput(porteur="=Asso\x07", title="Projet", total_budget="10"),
            [ins.FinancementInput("dcs", "10")],
        )
    assert refused.value.field == "porteur"
    ref = await new_dossier(world)
    await ins.declare_recevable(world.pilote, ref, (await ins.dossier_by_ref(ref)).version)
    await ins.start_instruction(world.pilote, ref, (await ins.dossier_by_ref(ref)).version)
    with pytest.raises(ValidationError) as refused:
        await ins.give_avis(world.ddets, ref, "reserve", "Budget\x1b[2J élevé")
    assert refused.value.field == "commentaire"
    # a multi-line comment with a tab is a paragraph: welcome
    await ins.give_avis(world.ddets, ref, "reserve", "Budget élevé :\n\t- fonctionnement")
    assert await Action.all().count() == actions
    assert await Dossier.all().count() == 1  # only the good one
    assert not await JournalEntry.filter(new_value__contains="Budget\x1b").exists()


async def test_the_model_guard_catches_a_door_that_forgot(world: World) -> None:
    """A write that skips the use cases still cannot store a control character."""
    action = await Action.filter(ref=world.action).first()
    assert action is not None
    with pytest.raises(RoadmapError, match=r"titre.*U\+0000"):
        await Action.filter(id=action.id).update(title="Bad\x00")
    with pytest.raises(RoadmapError, match=r"U\+0007"):
        action.description = "paragraphe\x07"
        await action.save()
    action.description = "paragraphe\n\tcorrect"
    await action.save()


def test_control_characters_already_stored_never_reach_a_file(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A base written before the doors refused them (or by direct SQL) may hold control
    characters: every file written shows them as U+FFFD, and GraphML/GEXF stay valid XML."""
    with sqlite3.connect(demo_db) as conn:
        conn.execute("UPDATE action SET title = 'Jardin' || char(0) || char(11) || 'x'")
        conn.execute("UPDATE jalon SET title = 'COPIL' || char(1) || 'y'")
        conn.execute("UPDATE dossier SET porteur = 'Asso' || char(27) || '[31m'")
    db = ["--db", str(demo_db)]
    written = []
    for fmt in ("graphml", "gexf", "dot", "mermaid", "svg"):
        assert main([*db, "graph", "--format", fmt, "--out", str(tmp_path / f"g.{fmt}")]) == 0
        written.append(tmp_path / f"g.{fmt}")
    for fmt in ("graphml", "gexf", "svg"):
        ElementTree.parse(tmp_path / f"g.{fmt}")  # valid XML
    assert main([*db, "report", "--out", str(tmp_path / "r.md"), "--sans-image"]) == 0
    assert main([*db, "export", "--ics", "--out", str(tmp_path / "ex")]) == 0
    written += [tmp_path / "r.md", *(tmp_path / "ex").rglob("*.ics")]
    capsys.readouterr()
    assert main([*db, "dossiers", "--format", "csv"]) == 0
    (tmp_path / "d.csv").write_text(capsys.readouterr().out)
    written.append(tmp_path / "d.csv")
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not CONTROL.search(text), path.name
    assert "Jardin\ufffd\ufffdx" in (tmp_path / "g.graphml").read_text(encoding="utf-8")
    assert any("COPIL\ufffdy" in p.read_text() for p in (tmp_path / "ex").glob("*.ics"))
    assert "Asso\ufffd[31m" in (tmp_path / "d.csv").read_text()


async def test_the_guard_skips_only_the_verbatim_copy_of_an_exported_file(
    sqlite_db: object,
) -> None:
    """ServiceExport.content is the text the export wrote (bases.py), 24 MB per complete
    export at Métropole scale: not scanned again; every other text column still is."""
    from roadmap.models import ServiceExport

    def guarded(model: type, name: str) -> bool:
        field = model._meta.fields_map[name]  # type: ignore[attr-defined]
        return any(getattr(v, "__name__", "") == "no_control_characters" for v in field.validators)

    assert not guarded(ServiceExport, "content")
    assert guarded(ServiceExport, "service_code")
    assert guarded(Action, "description")
