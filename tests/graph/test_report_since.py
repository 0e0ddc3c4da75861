"""The report opens with what changed since the COPIL, then its relevé (issue 12)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from roadmap.cli import main
from roadmap.domain.errors import NotFound
from roadmap.graph.report import write_report
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.demo import DEMO_SLUG, build_demo
from roadmap.usecases.identity import current_actor

TODAY = date(2026, 3, 2)


async def test_report_first_section_on_the_demo(db: DatabaseLocation, tmp_path: Path) -> None:
    await build_demo(await current_actor(), today=TODAY)
    path, _ = await write_report(
        await current_actor(), DEMO_SLUG, tmp_path / "r.md", picture=False, today=TODAY
    )
    text = path.read_text(encoding="utf-8")
    first = text.index("## ")
    assert text[first:].startswith(
        "## Ce qui a changé depuis le COPIL du 02/11/2025 (« COPIL de lancement »)"
    )
    # The jalons moved since, each with the reason recorded when it moved.
    assert "COTECH de mi-parcours : date 25/02/2026 → 11/02/2026 (-14 j) — opportunité" in text
    assert "(+21 j) — contrainte : Le prestataire de restauration" in text
    assert "A2 caf (Budget) : 25\u202f000\u202f€ → 30\u202f000\u202f€ (hausse)" in text
    relevé = text.index("## Relevé de décisions du COPIL du 02/11/2025 (J1)")
    assert first < relevé < text.index("## Point d'arrivée")
    assert "1 faite sur 3." in text and "| D2 | Associer la CAF" in text
    with pytest.raises(NotFound, match="COPIL de lancement"):
        await write_report(
            await current_actor(), DEMO_SLUG, tmp_path / "x.md", picture=False, since="inconnue"
        )


def test_cli_baseline_and_decision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ["--db", str(tmp_path / "r.db")]
    monkeypatch.setenv("ROADMAP_USER", "cmartin")
    assert main([*db, "demo"]) == 0
    assert main([*db, "baseline", "create", "--nom", "COPIL juin 2026"]) == 0
    assert main([*db, "baseline", "list"]) == 0
    out = capsys.readouterr().out
    assert "COPIL de lancement (J1)" in out and "COPIL juin 2026" in out and "intacte" in out
    assert main([*db, "baseline", "compare", "--depuis", "COPIL de lancement"]) == 0
    assert "Dates décalées, et pourquoi" in capsys.readouterr().out
    assert main([*db, "baseline", "compare"]) == 0
    assert "rien n’a bougé" in capsys.readouterr().out
    assert main([*db, "baseline", "verify"]) == 0
    args = ["decision", "ajouter", "--jalon", "J1", "--texte", "Relancer l'ARS", "--lien", "A1"]
    assert main([*db, *args, "--porteur", "jrey", "--echeance", "31/12/2026"]) == 0
    assert main([*db, "decision", "fait", "D4"]) == 0
    assert main([*db, "decision", "liste", "--ouvertes"]) == 0
    out = capsys.readouterr().out
    assert "D4" not in out.split("faite")[-1] and "D2" in out
    # Taking a baseline is the trinôme's or the direction's; deleting is an administrator's.
    monkeypatch.setenv("ROADMAP_USER", "jrey")  # trinôme, not administrator
    assert main([*db, "baseline", "delete", "--nom", "COPIL juin 2026"]) == 3
    assert "administrateurs" in capsys.readouterr().err
    monkeypatch.setenv("ROADMAP_USER", "pdurand")  # lecteur
    assert main([*db, "baseline", "create", "--nom", "Autre"]) == 3
    assert "refusé" in capsys.readouterr().err
