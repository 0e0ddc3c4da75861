"""Private annotations: for the instructing services only, never in an export or a report."""

from __future__ import annotations

import asyncio
import contextlib
import io
from pathlib import Path

import pytest

from roadmap.cli import main
from roadmap.domain.errors import PermissionDenied
from roadmap.exchange.export import export
from roadmap.exchange.metadata import ExportOptions
from roadmap.models import JournalEntry
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.usecases import instruction as ins
from roadmap.usecases.demo import build_demo
from roadmap.usecases.identity import actor_for
from tests.roles import make_admin

from .conftest import new_dossier

SECRET = "SECRET-7f3a: le trésorier a changé deux fois"


def _files_containing(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


async def test_annotations_read_only_by_instructors(world) -> None:
    ref = await new_dossier(world)
    with pytest.raises(PermissionDenied, match="réservées aux services instructeurs"):
        await ins.add_annotation(world.caf, ref, SECRET)
    await ins.add_annotation(world.ddets, ref, SECRET)
    notes = await ins.private_annotations(world.pat, ref)
    assert [(n.author, n.service, n.text) for n in notes] == [("sophie", "ddets", SECRET)]
    with pytest.raises(PermissionDenied):
        await ins.private_annotations(world.caf, ref)
    entry = await JournalEntry.get(entity="note privée", entity_ref=ref)
    assert SECRET not in (entry.old_value + entry.new_value + entry.reason)


async def test_annotations_absent_from_queries_journal_and_exports(world, tmp_path: Path) -> None:
    ref = await new_dossier(world)
    await ins.add_annotation(world.pilote, ref, SECRET)
    assert SECRET not in repr(await ins.dossier_detail(ref))
    assert SECRET not in repr(await ins.list_dossiers())
    assert SECRET not in repr(await ins.instruction_alerts(None))
    texts = await JournalEntry.all().values_list("old_value", "new_value", "reason")
    assert not [t for t in texts if any(SECRET in x for x in t)]
    out = tmp_path / "exports"
    await export(out, options=ExportOptions(with_contacts=True))
    files = list(out.rglob("*.toml"))
    assert files and any(b"AAP2026-001" in f.read_bytes() for f in files)  # dossiers exported
    assert _files_containing(out, SECRET.encode()) == []
    assert _files_containing(out, "trésorier".encode()) == []


def _run(db: str, *argv: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        code = main(["--db", db, *argv])
    return code, buffer.getvalue()


def test_demo_exports_and_reports_never_carry_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every command that writes or prints something, scanned for the note's bytes."""
    db = str(tmp_path / "demo.db")

    async def seed() -> str:
        await open_database(parse_location(db))
        try:
            await build_demo(await make_admin("cmartin"))
            ref = (await ins.list_dossiers())[1].ref
            await ins.add_annotation(await actor_for("jrey"), ref, SECRET)
            return ref
        finally:
            await close_database()

    ref = asyncio.run(seed())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROADMAP_USER", "sgarcia")  # CAF: not an instructing service
    out = tmp_path / "out"
    out.mkdir()
    printed = []
    commands = [
        ["export", "--out", str(out / "exports"), "--ics", "--with-contacts", "--marges"],
        ["report", "--out", str(out / "rapport.md")],
        ["check"],
        ["dossiers"],
        ["dossiers", "--format", "csv"],
        ["dossier", "show", ref],
    ]
    for fmt in ("graphml", "gexf", "dot", "mermaid", "svg"):
        commands.append(["graph", "--format", fmt, "--out", str(out / f"graphe.{fmt}")])
    for argv in commands:
        code, text = _run(db, *argv)
        assert code in (0, 1), (argv, text)
        printed.append(text)
    assert any(ref in text for text in printed)
    everything = "\n".join(printed)
    assert SECRET not in everything and "trésorier" not in everything
    assert _files_containing(out, SECRET.encode()) == []
    assert _files_containing(out, "trésorier".encode()) == []
    assert _files_containing(out, "trésorier".encode("cp1252")) == []
    # the instructors themselves see it in `dossier show`
    monkeypatch.setenv("ROADMAP_USER", "cmartin")
    code, text = _run(db, "dossier", "show", ref)
    assert code == 0 and SECRET in text
