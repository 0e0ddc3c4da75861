"""A reader that goes away (``roadmap check | head -1``) ends the command quietly (RISKS 28).

The pipe's read end is closed before the command starts, so its very first write fails:
deterministic, no timing. Exit 141 (128 + SIGPIPE, as ``yes | head -1``), nothing on stderr.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .conftest import DATA, ROADMAP, cli_env, roadmap

PRINTING = [
    ("check",),
    ("whoami",),
    ("dossiers",),
    ("dossiers", "--format", "csv"),
    ("dossier", "show", "AAP2026-001"),
    ("db", "upgrade"),
    ("baseline", "list"),
    ("baseline", "verify"),
    ("decision", "liste"),
    ("export", "--out", "{tmp}/exports"),
    ("graph", "--out", "{tmp}/g.dot"),
    ("report", "--out", "{tmp}/r.md", "--sans-image"),
    ("db", "backup", "{tmp}/copie.db"),
    ("dossier", "import", "{data}/excel-cp1252-pointvirgule.csv", "--campagne", "2031"),
    ("--help",),
    ("dossiers", "--help"),
    # the doors added since (issue 14 re-check): each prints, each ends quietly
    ("admin", "liste"),
    ("admin", "territoires"),
    ("baseline", "compare"),
    ("propositions", "liste"),
    ("db", "verify"),
    ("action", "dates", "A5", "--fin", "01/02/2028", "--motif", "Retard",
     "--nature", "contrainte", "--dry-run"),
    ("import", "--dry-run", "{tmp}/ex/pat-salon-martigues.toml"),
    ("acces", "invitation", "jrey"),
    ("baseline", "create", "--nom", "COPIL tube"),
    ("decision", "ajouter", "--jalon", "J1", "--texte", "Relancer la CAF"),
]  # fmt: skip


def _closed_pipe_run(
    tmp: Path, db: Path, argv: tuple[str, ...], unbuffered: bool
) -> subprocess.CompletedProcess[str]:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    env = cli_env(tmp, **({"PYTHONUNBUFFERED": "1"} if unbuffered else {}))
    try:
        return roadmap(tmp, "--db", str(db), *argv, env=env, stdout=write_end)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("argv", PRINTING, ids=lambda a: " ".join(a))
@pytest.mark.parametrize("unbuffered", [False, True], ids=["tampon", "direct"])
def test_every_printing_command_ends_quietly_on_a_closed_pipe(
    demo_db: Path, tmp_path: Path, argv: tuple[str, ...], unbuffered: bool
) -> None:
    argv = tuple(a.format(tmp=tmp_path, data=DATA) for a in argv)
    if "import" in argv and "--dry-run" in argv:  # the demo's own file, exported first
        exported = roadmap(tmp_path, "--db", str(demo_db), "export", "--out", str(tmp_path / "ex"))
        assert exported.returncode == 0, exported.stderr
    done = _closed_pipe_run(tmp_path, demo_db, argv, unbuffered)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert "BrokenPipe" not in done.stderr and "Error" not in done.stderr, done.stderr
    if "import" not in argv:
        assert done.stderr == ""  # only the import has its own refused lines to report
    # 141 as `yes | head -1`; 0 for --help (argparse exits first; Python's final flush of a
    # closed stdout is silent); 1 when the import's refused lines reach stderr first
    assert done.returncode in (0, 1, 141)


def test_the_same_commands_print_normally(demo_db: Path, tmp_path: Path) -> None:
    done = roadmap(tmp_path, "--db", str(demo_db), "dossiers", "--format", "csv")
    assert done.returncode == 0 and done.stdout.lstrip("\ufeff").startswith("ref;campagne")


def test_export_ends_at_once_with_everything_said(demo_db: Path, tmp_path: Path) -> None:
    """``roadmap export`` leaves its process without the interpreter's teardown (issue 15):
    its lines, buffered in a file, and its error on stderr still all get out."""
    out, log = tmp_path / "exports", tmp_path / "sortie.txt"
    with log.open("w") as handle:
        done = roadmap(tmp_path, "--db", str(demo_db), "export", "--out", str(out), stdout=handle)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    lines = log.read_text().splitlines()
    written = sorted(p for p in out.rglob("*.toml") if p.name != "manifeste.toml")
    assert [line.split()[-1] for line in lines[:-1]] == [str(p) for p in written]
    assert lines[-1] == f"{len(written)} fichiers écrits, 0 inchangé dans {out}"
    (tmp_path / "fichier").write_text("x")
    refused = roadmap(tmp_path, "--db", str(demo_db), "export", "--out", str(tmp_path / "fichier"))
    assert refused.returncode == 4 and refused.stderr.startswith("roadmap : "), refused.stderr


def test_check_ends_at_once_with_every_alert_said(demo_db: Path, tmp_path: Path) -> None:
    """``roadmap check`` also leaves without the teardown (issue 15): its alerts, buffered
    in a file or written at once, all get out, with the exit code of their levels."""
    outputs = []
    for unbuffered in (False, True):
        log = tmp_path / f"alertes-{unbuffered}.txt"
        env = cli_env(tmp_path, **({"PYTHONUNBUFFERED": "1"} if unbuffered else {}))
        with log.open("w") as handle:
            done = roadmap(tmp_path, "--db", str(demo_db), "check", env=env, stdout=handle)
        assert done.stderr == "", done.stderr
        outputs.append((done.returncode, log.read_text()))
    assert outputs[0] == outputs[1]
    code, text = outputs[0]
    *alerts, blank, summary = text.splitlines()
    errors = sum(line.startswith("ERREUR") for line in alerts)
    assert blank == "" and summary.startswith(f"{len(alerts)} alerte")
    assert code == (1 if errors else 0) and len(alerts) > 1


def _many_alerts(db: Path, count: int) -> None:
    """``count`` more open actions without an owner: one alert line each."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        kept = [
            f'"{row[1]}"'
            for row in conn.execute('PRAGMA table_info("action")')
            if row[1] not in ("id", "ref", "owner_id", "status")
        ]
        listed = ", ".join(kept)
        conn.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "
            f'INSERT INTO "action" ("ref", "owner_id", "status", {listed}) '
            f"SELECT 'A' || (9000 + i), NULL, 'en_cours', {listed} FROM n, "
            '(SELECT * FROM "action" ORDER BY "id" LIMIT 1)'
        )
        conn.commit()


def test_a_reader_leaving_midway_ends_check_quietly_with_141(demo_db: Path, tmp_path: Path) -> None:
    """The reader takes the first bytes and leaves while ``check`` still writes (its
    alerts fill the pipe several times over): 141 and nothing on stderr, as when the reader
    is gone from the start. One write of the whole text would end short with no error."""
    _many_alerts(demo_db, 400)
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)  # the alerts are about 30 kB
    try:
        running = subprocess.Popen(
            [*ROADMAP, "--db", str(demo_db), "check"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(tmp_path),
        )
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "rb", buffering=0) as reader:
        assert reader.read(100)  # then leaves, the pipe full behind
    _, stderr = running.communicate(timeout=120)
    assert running.returncode == 141 and stderr == "", stderr
