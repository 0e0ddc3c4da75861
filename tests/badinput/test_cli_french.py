"""Every human message of the command line is French: no « (s) » plurals and no ISO dates.

The walk runs the commands a team uses on the demo and reads what they print (and the
COPIL report, written for people). Machine outputs are left out on purpose: the TOML,
CSV and ICS exports and ``dossiers --format csv`` keep their ISO dates (a contract).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from roadmap.cli import main

from .conftest import DATA

NOT_FRENCH = re.compile(r"\w\((?:s|e|es|x)\)|\b\d{4}-\d{2}-\d{2}\b")
DOSSIERS = [f"AAP2026-{n:03d}" for n in range(1, 13)]

WALK: list[list[str]] = [
    ["whoami"],
    ["check"],
    ["admin liste"],
    ["admin territoires"],
    ["dossiers"],
    *[["dossier show", ref] for ref in DOSSIERS],
    ["dossier etat", "AAP2026-001", "recevable"],
    ["dossier avis", "AAP2026-005", "--valeur", "favorable", "--commentaire", "Bien"],
    ["baseline list"],
    ["baseline verify"],
    ["baseline compare"],
    ["decision liste"],
    ["propositions liste"],
    ["db verify"],
    ["db backup", "{tmp}/copie.db"],
    ["export", "--out", "{tmp}/exports"],
    ["export", "--out", "{tmp}/exports"],
    ["import", "--dry-run", "{tmp}/exports/pat-salon-martigues.toml"],
    ["report", "--out", "{tmp}/rapport.md", "--sans-image"],
    ["graph", "--out", "{tmp}/graphe.dot"],
    ["action dates", "A5", "--fin", "01/02/2030", "--dry-run"],
    ["dossier import", "{data}/excel-cp1252-pointvirgule.csv", "--campagne", "2031"],
    ["demo", "--supprimer", "--force"],
]


def test_cli_messages_are_french(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ROADMAP_USER", "testeur")  # the demo's builder: administrator
    found: list[str] = []
    for words, *extra in WALK:
        argv = [a.format(tmp=tmp_path, data=DATA) for a in extra]
        try:
            main(["--db", str(demo_db), *words.split(), *argv])
        except SystemExit:
            pass
        captured = capsys.readouterr()
        for line in (captured.out + captured.err).splitlines():
            if NOT_FRENCH.search(line):
                found.append(f"roadmap {words}: {line.strip()}")
    report = (tmp_path / "rapport.md").read_text(encoding="utf-8")
    found += [f"rapport: {line}" for line in report.splitlines() if NOT_FRENCH.search(line)]
    assert not found, "\n".join(found)
