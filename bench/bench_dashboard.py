"""The dashboard of a large roadmap: from Entrée on the home screen until its reads are shown.

Without a terminal (``run_test``), one fresh process per run, on a copy of the base: CPU of
the process (its threads included) and the longest stall of the event loop meanwhile (a
task waking every 2 ms; a key pressed then waits that long). ``--against SRC`` interleaves
runs of another source tree (say main's ``src/``, from ``git archive``) under the same load.

    .venv/bin/python bench/bench_dashboard.py BASE.db [--login banc] [--runs 3] [--against SRC]

``BASE.db``: the 10,000-action base that ``bench_taskwarrior.py --keep DOSSIER`` leaves in
DOSSIER/banc.db (login ``banc``, the roadmap is the login's only one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


async def _measure(db: Path) -> dict[str, float]:
    from roadmap.config import Settings
    from roadmap.storage.database import close_database, open_database
    from roadmap.storage.location import parse_location
    from roadmap.tui.app import RoadmapApp
    from roadmap.usecases.identity import current_actor

    folder = Path(tempfile.mkdtemp(prefix="roadmap-bench-dash-"))
    try:
        copy = folder / "base.db"
        shutil.copyfile(db, copy)
        await open_database(parse_location(str(copy)))
        settings = Settings(config_dir=folder / "config", first_steps=False, refresh_seconds=0)
        app = RoadmapApp(settings, await current_actor())
        async with app.run_test(size=(120, 36)) as pilot:

            async def quiet() -> None:
                for _ in range(5):
                    await app.workers.wait_for_complete()
                    await app.wait_for_database_work()
                    await pilot.pause()

            await quiet()  # the home screen and its read
            stalls: list[float] = []
            done = asyncio.Event()

            async def watch() -> None:
                last = time.perf_counter()
                while not done.is_set():
                    await asyncio.sleep(0.002)
                    now = time.perf_counter()
                    stalls.append(now - last)
                    last = now

            watcher = asyncio.create_task(watch())
            cpu, wall = time.process_time(), time.perf_counter()
            await pilot.press("enter")
            await quiet()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            done.set()
            await watcher
            screen = type(app.screen).__name__
        await close_database()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"wall": wall, "cpu": cpu, "stall": max(stalls), "screen": screen}  # type: ignore[dict-item]


def _run(db: Path, login: str, src: str | None) -> dict[str, float]:
    env = dict(os.environ, ROADMAP_USER=login)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have .pyc files
    if src:
        env["PYTHONPATH"] = src
    out = subprocess.run(
        [sys.executable, __file__, str(db), "--one"], env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--login", default="banc")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", help="another source tree's src/, runs interleaved")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(_measure(args.db))))
        return
    trees = {"ce code": None} | ({"--against": args.against} if args.against else {})
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(args.runs):
        for name, src in trees.items():
            results[name].append(_run(args.db, args.login, src))
    for name, runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "stall")}
        print(
            f"{name:>10}: Entrée -> tableau de bord lu ({runs[0]['screen']}) "
            f"{med['wall']:.3f} s, CPU {med['cpu']:.3f} s, "
            f"plus longue attente de la boucle {med['stall'] * 1000:.0f} ms (médianes)"
        )


if __name__ == "__main__":
    main()
