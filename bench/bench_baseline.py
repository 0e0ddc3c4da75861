"""Benchmark: taking a baseline of a 2,000-action roadmap, and comparing it with the plan.

Run by hand: ``.venv/bin/python bench/bench_baseline.py [--actions 2000] [--runs 5]``.
It creates a temp SQLite file through the project's migrations, fills one roadmap with raw
SQL, takes a baseline through the use case, changes a few hundred items (moves with an
adjustment, additions, abandons, engagements), then times the comparison. Targets on the
2-core machine: comparison < 0.2 s, taking < 0.5 s. Printed beside a floor: reading the
same rows with sqlite3 and ``json.dumps``. Figures only, no assert.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_graph import STAMP, VERSIONED, insert

SERVICES, PEOPLE, AXES, JALONS = 30, 60, 8, 80


def fill(path: Path, actions: int, seed: int = 12) -> None:
    rnd = random.Random(seed)
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys=OFF")
    with db:
        insert(db, "service", [
            {**VERSIONED, "id": i, "code": f"s{i}", "name": f"Service {i}", "archived": 0,
             "kind": "politique_de_la_ville" if i == 1 else "droit_commun", "parent_id": None}
            for i in range(1, SERVICES + 1)
        ])  # fmt: skip
        insert(db, "person", [
            {**VERSIONED, "id": i, "login": "bench" if i == 1 else f"p{i}", "name": f"P {i}",
             "email": "", "active": 1, "service_id": rnd.randint(1, SERVICES)}
            for i in range(1, PEOPLE + 1)
        ])  # fmt: skip
        insert(db, "roadmap", [
            {**VERSIONED, "id": 1, "slug": "bench", "title": "Bench", "destination": "D",
             "horizon": "2031-12-31", "status": "active", "created_at": STAMP,
             "pv_service_id": 1, "dc_service_id": 2}
        ])  # fmt: skip
        insert(db, "membership", [
            {**VERSIONED, "roadmap_id": 1, "person_id": 1, "role": "trinome", "side": "autre"}
        ])  # fmt: skip
        insert(db, "axe", [
            {**VERSIONED, "id": x, "roadmap_id": 1, "ref": f"AX{x}", "title": f"Axe {x}",
             "description": "", "position": x}
            for x in range(1, AXES + 1)
        ])  # fmt: skip
        rows, deps, engagements = [], [], []
        for a in range(1, actions + 1):
            begin = date(2026, 1, 1) + timedelta(days=rnd.randint(0, 1500))
            rows.append({
                **VERSIONED, "id": a, "roadmap_id": 1, "ref": f"A{a}",
                "axe_id": rnd.randint(1, AXES), "title": f"Action {a}", "description": "",
                "pilot_service_id": rnd.randint(1, SERVICES), "owner_id": rnd.randint(1, PEOPLE),
                "status": rnd.choice(["idee", "a_lancer", "en_cours", "en_cours", "terminee"]),
                "start_date": begin.isoformat(),
                "end_date": (begin + timedelta(days=rnd.randint(20, 200))).isoformat(),
                "pillar": None,
            })  # fmt: skip
            if a > 1 and rnd.random() < 0.6:
                deps.append({"roadmap_id": 1, "action_id": a, "jalon_id": None,
                             "on_action_id": rnd.randint(max(1, a - 50), a - 1),
                             "on_jalon_id": None})  # fmt: skip
            engagements.append({
                **VERSIONED, "action_id": a, "service_id": rnd.randint(1, SERVICES),
                "kind": "budget", "amount": str(rnd.randint(1, 90) * 1000), "period_start": None,
                "period_end": None, "description": "",
            })  # fmt: skip
        insert(db, "action", rows)
        insert(db, "dependency", deps)
        insert(db, "engagement", engagements)
        insert(db, "jalon", [
            {**VERSIONED, "id": j, "roadmap_id": 1, "ref": f"J{j}", "title": f"Jalon {j}",
             "kind": "copil" if j % 10 == 0 else "atelier",
             "planned_date": (date(2026, 1, 1) + timedelta(days=20 * j)).isoformat(),
             "current_date": (date(2026, 1, 1) + timedelta(days=20 * j)).isoformat(),
             "status": "prevu", "description": ""}
            for j in range(1, JALONS + 1)
        ])  # fmt: skip


def change(path: Path, actions: int, seed: int = 13) -> int:
    """Move, add, abandon and re-fund a few hundred items; returns how many moved."""
    rnd = random.Random(seed)
    db = sqlite3.connect(path)
    moved = rnd.sample(range(1, actions + 1), actions // 7)
    with db:
        for a in moved:
            db.execute(
                "UPDATE action SET end_date = date(end_date, ?) WHERE id = ?",
                (f"+{rnd.randint(5, 90)} days", a),
            )
            db.execute(
                "INSERT INTO adjustment (roadmap_id, action_id, field, old_value, new_value, "
                "reason, kind, author, created_at) VALUES (1, ?, 'fin', '', '', "
                "'Retard du prestataire', 'contrainte', 'bench', '2099-01-01 00:00:00+00:00')",
                (a,),
            )
        for a in rnd.sample(range(1, actions + 1), actions // 50):
            db.execute("UPDATE action SET status = 'abandonnee' WHERE id = ?", (a,))
        for a in rnd.sample(range(1, actions + 1), actions // 20):
            db.execute("UPDATE engagement SET amount = amount + 5000 WHERE action_id = ?", (a,))
        for a in range(actions + 1, actions + actions // 40 + 1):
            db.execute(
                "INSERT INTO action (version, updated_at, updated_by, roadmap_id, ref, title, "
                "description, pilot_service_id, status) VALUES (1, ?, 'b', 1, ?, 'Nouvelle', "
                "'', 1, 'idee')",
                (STAMP, f"A{a}"),
            )
    return len(moved)


def floor(path: Path) -> float:
    """A plain read of the same rows and ``json.dumps``: the least a snapshot can cost."""
    db = sqlite3.connect(path)
    start = time.perf_counter()
    tables = {}
    for table in ("action", "jalon", "dependency", "engagement", "dossier", "indicator_value"):
        cursor = db.execute(f'SELECT * FROM "{table}"')
        names = [c[0] for c in cursor.description]
        tables[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    json.dumps(tables, sort_keys=True, default=str)
    return time.perf_counter() - start


def show(label: str, seconds: list[float], target: float | None = None) -> None:
    best, median = min(seconds), statistics.median(seconds)
    goal = f" (cible < {target:.2f} s)" if target else ""
    print(f"{label:<52} min {best:7.3f} s · médiane {median:7.3f} s{goal}")


async def measure(path: Path, actions: int, runs: int) -> None:
    from roadmap.domain.comparison import compare
    from roadmap.storage.database import close_database, open_database
    from roadmap.storage.location import parse_location
    from roadmap.usecases import baselines as bl
    from roadmap.usecases.identity import actor_for
    from roadmap.usecases.plan import read_plan

    location = parse_location(str(path))
    await open_database(location)
    try:
        me = await actor_for("bench")
        taking = []
        for run in range(runs):
            start = time.perf_counter()
            await bl.create_baseline(me, "bench", f"COPIL {run}", today=date(2026, 1, 1))
            taking.append(time.perf_counter() - start)
    finally:
        await close_database()
    moved = change(path, actions)
    await open_database(location)
    try:
        me = await actor_for("bench")
        comparing, pure, reading = [], [], []
        result: Any = None
        for _ in range(runs):
            start = time.perf_counter()
            result = await bl.compare_with(me, "bench", today=date(2026, 1, 1))
            comparing.append(time.perf_counter() - start)
        loaded = await bl.load_baseline("bench")
        assert loaded is not None
        info, before = loaded
        for _ in range(runs):
            start = time.perf_counter()
            after = await read_plan(1, today=date(2026, 1, 1))
            reading.append(time.perf_counter() - start)
            start = time.perf_counter()
            compare(before, after, [], name=info.name, taken_at=info.taken_at)
            pure.append(time.perf_counter() - start)
    finally:
        await close_database()
    floors = [floor(path) for _ in range(runs)]
    size = len(json.dumps(before))
    print(f"Feuille de route de {actions} actions, {JALONS} jalons ; référence de {size} octets")
    print(f"Changements : {moved} décalées (avec motif), {actions // 50} abandonnées, "
          f"{actions // 40} ajoutées, {actions // 20} engagements en hausse")  # fmt: skip
    assert result is not None
    print(f"Comparaison : {len(result.moved)} décalages, {len(result.added)} ajouts")
    show("prendre une référence (create_baseline)", taking, 0.5)
    show("comparer (compare_with : lecture + comparaison)", comparing, 0.2)
    show("  dont lecture du plan actuel (read_plan)", reading)
    show("  dont comparaison pure (compare)", pure)
    show("plancher : sqlite3 + json.dumps des mêmes lignes", floors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--actions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-") as folder:
        path = Path(folder) / "bench.db"

        async def schema() -> None:
            from roadmap.storage.database import close_database, open_database
            from roadmap.storage.location import parse_location

            await open_database(parse_location(str(path)))
            await close_database()

        asyncio.run(schema())
        fill(path, args.actions)
        asyncio.run(measure(path, args.actions, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
