"""A roadmap of 10,000 actions against Taskwarrior with 10,000 tasks, in the same run.

    .venv/bin/python bench/bench_taskwarrior.py [--actions 10000] [--runs 3]
        [--only export|check|ecran] [--keep DOSSIER]

Issue 15, target: every roadmap command at least 3× faster than its Taskwarrior
counterpart (medians, wall time, each command as a user types it):
- ``roadmap export --roadmap banc`` (into an empty folder, then again with nothing
  changed) vs ``task export``;
- ``roadmap check --roadmap banc`` vs ``task count``;
- cold start of ``roadmap`` in a pseudo-terminal until the Actions screen shows its rows
  (Entrée, then « a ») vs ``task next``.
Both get the same data: actions/tasks with a title, a project (axe), a status, dates and
one dependency on an earlier item for most of them. Needs ``task`` (apt-get install
taskwarrior). Everything lives in a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import bench_tui
from bench_startup import in_pty  # same folder: run as a script
from bench_tui import TODAY, build_roadmap

from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.usecases.demo import build_demo
from roadmap.usecases.identity import Actor

ROADMAP = Path(sys.executable).parent / "roadmap"
SLUG = "banc"
LOGIN = "banc"


async def build(db: Path, count: int) -> None:
    os.environ["ROADMAP_USER"] = LOGIN  # the base's creator: its administrator (demo)
    await open_database(parse_location(str(db)))
    try:
        setup = getattr(bench_tui, "reference_data", None)
        if setup is not None:  # the bench's own services and people (a real roadmap
            await setup(LOGIN)  # refuses the demo's invented ones)
        else:
            await build_demo(Actor(login=LOGIN), TODAY)
        await build_roadmap(SLUG, count, LOGIN)
    finally:
        await close_database()
    # One dependency on an earlier action for most of them, as the Taskwarrior tasks get.
    rnd = random.Random(count)
    con = sqlite3.connect(db)
    rid, first = con.execute(
        "SELECT r.id, MIN(a.id) FROM roadmap r JOIN action a ON a.roadmap_id = r.id "
        "WHERE r.slug = ? GROUP BY r.id",
        (SLUG,),
    ).fetchone()
    with con:
        con.executemany(
            "INSERT INTO dependency (roadmap_id, action_id, on_action_id) VALUES (?, ?, ?)",
            [(rid, first + i, first + rnd.randrange(i)) for i in range(1, count) if i % 5],
        )
    con.close()


def taskwarrior_data(folder: Path, count: int) -> dict[str, str]:
    """A Taskwarrior data folder with ``count`` tasks (imported from JSON)."""
    rnd = random.Random(count)
    data = folder / "task"
    data.mkdir()
    rc = folder / "taskrc"
    rc.write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\nnews.version=2.6.0\n")
    env = {**os.environ, "TASKRC": str(rc), "TASKDATA": str(data)}
    uuids = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(1, count + 1)]
    tasks = []
    for i, uuid in enumerate(uuids):
        start = TODAY + timedelta(days=rnd.randint(-200, 600))
        task = {
            "uuid": uuid,
            "description": f"Action {i + 1} de la feuille de route",
            "project": f"axe{rnd.randrange(5) + 1}",
            "status": "pending",
            "entry": "20260101T090000Z",
            "scheduled": start.strftime("%Y%m%dT000000Z"),
            "due": (start + timedelta(days=rnd.randint(10, 300))).strftime("%Y%m%dT000000Z"),
        }
        if i and i % 5:
            task["depends"] = uuids[rnd.randrange(i)]
        tasks.append(task)
    source = folder / "tasks.json"
    source.write_text("\n".join(json.dumps(t) for t in tasks))
    subprocess.run(["task", "import", str(source)], env=env, check=True, capture_output=True)
    return env


CPU: list[float] = []  # CPU seconds of each command timed (its processes), for median()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], before: Callable[[], None] | None = None) -> float:
    if before is not None:
        before()
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(argv, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    CPU.append(_children_cpu() - cpu)
    return time.perf_counter() - start


def median(runs: int, measure: Callable[[], float]) -> tuple[float, float | None]:
    """(wall, CPU) medians: on a loaded machine the CPU ratio stays comparable."""
    CPU.clear()
    wall = statistics.median(measure() for _ in range(runs))
    return wall, statistics.median(CPU) if CPU else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-screen", action="store_true", help="sans l'écran Actions")
    parser.add_argument(
        "--only", choices=("export", "check", "ecran"), help="une seule des trois mesures"
    )
    parser.add_argument(
        "--keep", type=Path, help="garder la base banc.db et les données Taskwarrior ici"
    )
    args = parser.parse_args()
    wanted = {args.only} if args.only else {"export", "check", "ecran"}
    if args.no_screen:
        wanted.discard("ecran")
    if shutil.which("task") is None:
        print("task introuvable : apt-get install taskwarrior", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-task-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "banc.db"
        if not db.exists():  # kept from an earlier run with --keep: same data
            asyncio.run(build(db, args.actions))
        if (folder / "task").exists():
            rc = folder / "taskrc"
            task_env = {**os.environ, "TASKRC": str(rc), "TASKDATA": str(folder / "task")}
        else:
            task_env = taskwarrior_data(folder, args.actions)
        env = {
            **os.environ,
            "ROADMAP_DB": str(db),
            "ROADMAP_USER": LOGIN,
            "TERM": "xterm-256color",
            "XDG_CONFIG_HOME": str(folder / "config"),
        }
        out = folder / "exports"
        roadmap = str(ROADMAP)
        export = [roadmap, "export", "--roadmap", SLUG, "--out", str(out)]
        Measure = tuple[float, float | None]
        rows: list[tuple[str, Measure, str, Measure]] = []
        if "export" in wanted:
            emptied = median(
                args.runs, lambda: timed(export, env, lambda: shutil.rmtree(out, True))
            )
            task_export = median(args.runs, lambda: timed(["task", "export"], task_env))
            rows.append(("export, dossier vide", emptied, "task export", task_export))
            again = median(args.runs, lambda: timed(export, env))
            rows.append(("export, rien de changé", again, "task export", task_export))
        if "check" in wanted:
            rows.append((
                "check",
                median(args.runs, lambda: timed([roadmap, "check", "--roadmap", SLUG], env)),
                "task count",
                median(args.runs, lambda: timed(["task", "count"], task_env)),
            ))  # fmt: skip
        first_title = (
            sqlite3.connect(db)
            .execute(
                "SELECT a.title FROM action a JOIN roadmap r ON r.id = a.roadmap_id "
                "WHERE r.slug = ? ORDER BY a.id LIMIT 1",
                (SLUG,),
            )
            .fetchone()[0]
        )

        marker = f"A1 {first_title[:12]}".encode()  # the detail line under the table

        # A returning user: the « Premiers pas » box was seen (it would take the Entrée).
        seen = folder / "config" / "roadmap" / f"premiers-pas-vus.{LOGIN}"
        seen.parent.mkdir(parents=True, exist_ok=True)
        seen.touch()

        def actions_screen() -> float:
            keys = [(b"Banc d", b"\r"), (b"Tableau de bord", b"a")]
            return in_pty([roadmap], marker, env, keys=keys)

        if "ecran" in wanted:
            try:
                rows.append((
                    "démarrage → écran Actions",
                    median(args.runs, actions_screen),
                    "task next",
                    median(args.runs, lambda: timed(["task", "next"], task_env)),
                ))  # fmt: skip
            except TimeoutError as exc:
                print(f"écran Actions non mesuré : {exc}")
    print(f"\n{args.actions} actions / tâches (médianes de {args.runs}, temps écoulé ; CPU) :")
    for label, (ours, our_cpu), peer, (theirs, their_cpu) in rows:
        ratio = theirs / ours
        verdict = "OK" if ratio >= 3 else "EN DEÇÀ de 3×"
        cpu = (
            f"   CPU {our_cpu:.2f} s / {their_cpu:.2f} s : {their_cpu / our_cpu:4.1f}×"
            if our_cpu and their_cpu
            else ""
        )
        print(f"  roadmap {label:<28} {ours:6.2f} s   {peer:<12} {theirs:6.2f} s   "
              f"{ratio:4.1f}× plus rapide {verdict}{cpu}")  # fmt: skip
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"  charge moyenne : {load} sur {os.cpu_count()} cœurs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
