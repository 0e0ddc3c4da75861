"""Quick start (issue 15): the home screen paints from a plain read, the ORM loads after.

Run in a subprocess, as a user starts it: the real launcher on an existing SQLite base.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROADMAP = Path(sys.executable).with_name("roadmap")

SCRIPT = textwrap.dedent(
    """
    import argparse, asyncio, sys, threading
    from roadmap.cli.launch import run_tui
    from roadmap.tui.screens.accueil import AccueilScreen

    seen = {}
    mount = AccueilScreen.on_mount

    def on_mount(self):
        mount(self)
        table = self.query_one("#accueil-table")
        seen["first"] = (
            table.row_count,
            str(table.get_row_at(0)[-1]) if table.row_count else None,
            "tortoise" in sys.modules,
        )

    AccueilScreen.on_mount = on_mount

    async def pilot(p):
        for _ in range(300):  # until the ORM's read has replaced the quick one
            await p.app.wait_for_database_work()
            await p.app.workers.wait_for_complete()
            await p.pause(0.1)
            screen = p.app.screen
            if screen.summaries and screen.summaries[0].alert_count is not None:
                break
        screen = p.app.screen
        if isinstance(screen, AccueilScreen):
            table = screen.query_one("#accueil-table")
            seen["after"] = ([s.slug for s in screen.summaries], str(table.get_row_at(0)[-1]))
        await p.press("enter")          # the roadmap opens: the ORM answers
        await p.app.workers.wait_for_complete()
        await p.pause()
        seen["opened"] = type(p.app.screen).__name__
        await p.press("q")

    args = argparse.Namespace(db=sys.argv[1], theme=None)
    code = asyncio.run(run_tui(args, headless=True, auto_pilot=pilot, size=(100, 30)))
    print("CODE", code)
    print("SEEN", seen)
    print("THREADS", sorted(t.name for t in threading.enumerate()))
    """
)


def _env(tmp_path: Path, user: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "ROADMAP_USER": user,
    }


def _demo_base(tmp_path: Path) -> Path:
    db = tmp_path / "base.db"
    env = _env(tmp_path, "cmartin")  # the creator administers it; a member of the demo
    subprocess.run(
        [str(ROADMAP), "--db", str(db), "demo", "--force"],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    config = tmp_path / "config" / "roadmap"
    config.mkdir(parents=True, exist_ok=True)
    (config / "premiers-pas-vus.cmartin").touch()  # the « Premiers pas » box was seen
    return db


def _run(tmp_path: Path, db: Path, user: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(db)],
        capture_output=True, text=True, timeout=120, env=_env(tmp_path, user), cwd=ROOT,
    )  # fmt: skip


def test_home_paints_before_the_orm_then_the_full_read_replaces_it(tmp_path: Path) -> None:
    db = _demo_base(tmp_path)
    result = _run(tmp_path, db, "cmartin")
    out = result.stdout + result.stderr[-2000:]
    assert "CODE 0" in result.stdout, out
    # First frame: the roadmap's row, the alerts not counted yet, and no Tortoise loaded.
    assert "'first': (1, '…', False)" in result.stdout, out
    # Then the ORM's read: the same roadmap, its alerts counted; opening it works.
    assert "'after': (['pat-salon-martigues'], " in result.stdout, out
    assert "'after': (['pat-salon-martigues'], '…')" not in result.stdout, out
    assert "'opened': 'DashboardScreen'" in result.stdout, out
    assert "THREADS ['MainThread']" in result.stdout, out  # RISKS 9: nothing left behind


def test_a_refused_roadmap_user_still_gets_the_refusal(tmp_path: Path) -> None:
    db = _demo_base(tmp_path)
    os.chmod(db, 0o660)  # writable by the group: ROADMAP_USER would borrow rights
    result = _run(tmp_path, db, "cmartin")
    assert "CODE 3" in result.stdout, result.stdout + result.stderr[-2000:]
    assert "ROADMAP_USER=cmartin refusé" in result.stderr
