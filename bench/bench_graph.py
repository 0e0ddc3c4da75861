"""Benchmark: the roadmap graph at Métropole scale (~20,000 nodes, ~60,000 edges).

Run by hand: ``.venv/bin/python bench/bench_graph.py [--keep FILE]``. It creates a temp
SQLite file through the project's migrations, fills it with raw SQL in one transaction,
then times the graph build from the database and each analysis. Targets on the 2-core
machine: build + critical path + marges < 1 s; everything < 3 s. Figures only, no assert.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROADMAPS = 40
ACTIONS = 350  # per roadmap
JALONS = 60
DOSSIERS = 50
AXES = 8
SERVICES = 120
PEOPLE = 1500
STAMP = datetime(2026, 1, 1, tzinfo=UTC).isoformat(" ")
VERSIONED = {"version": 1, "updated_at": STAMP, "updated_by": "bench"}


def insert(db: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
    db.executemany(sql, [tuple(r[c] for c in columns) for r in rows])


def fill(path: Path, seed: int = 20) -> dict[str, int]:
    """Bulk insert a Métropole-scale base; returns the row counts."""
    rnd = random.Random(seed)
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys=OFF")  # ids are consistent by construction; speed
    kinds = ["politique_de_la_ville"] * 10 + ["droit_commun"] * 60 + ["etat"] * 25
    kinds += ["partenaire"] * (SERVICES - len(kinds))
    with db:
        insert(
            db,
            "service",
            [
                {
                    **VERSIONED,
                    "id": i,
                    "code": f"s{i}",
                    "name": f"Service {i}",
                    "kind": kinds[i - 1],
                    "archived": 0,
                    "parent_id": None,
                }
                for i in range(1, SERVICES + 1)
            ],
        )
        insert(
            db,
            "person",
            [
                {
                    **VERSIONED,
                    "id": i,
                    "login": f"p{i}",
                    "name": f"Personne {i}",
                    "email": "",
                    "active": 1,
                    "service_id": rnd.randint(1, SERVICES),
                }
                for i in range(1, PEOPLE + 1)
            ],
        )
        insert(
            db,
            "campagne",
            [
                {
                    **VERSIONED,
                    "id": 1,
                    "year": 2026,
                    "title": "AAP 2026",
                    "opens_on": "2026-01-05",
                    "closes_on": "2026-03-31",
                }
            ],
        )
        rows: dict[str, list[dict[str, Any]]] = {
            k: []
            for k in (
                "roadmap",
                "membership",
                "axe",
                "action",
                "action_contributor",
                "jalon",
                "jalon_invite",
                "dependency",
                "dossier",
                "dossier_instructor",
                "financement_line",
            )
        }
        action_id = jalon_id = axe_id = dossier_id = 0
        start = date(2025, 9, 1)
        for r in range(1, ROADMAPS + 1):
            pv, dc = rnd.randint(1, 10), rnd.randint(11, 70)
            rows["roadmap"].append(
                {
                    **VERSIONED,
                    "id": r,
                    "slug": f"fdr-{r}",
                    "title": f"Feuille de route {r}",
                    "destination": "Destination",
                    "horizon": "2029-12-31",
                    "status": "active",
                    "created_at": STAMP,
                    "pv_service_id": pv,
                    "dc_service_id": dc,
                }
            )
            for person in rnd.sample(range(1, PEOPLE + 1), 10):
                rows["membership"].append(
                    {
                        **VERSIONED,
                        "roadmap_id": r,
                        "person_id": person,
                        "role": rnd.choice(["trinome", "cercle_elargi", "direction", "lecteur"]),
                        "side": "autre",
                    }
                )
            axes = []
            for x in range(1, AXES + 1):
                axe_id += 1
                axes.append(axe_id)
                rows["axe"].append(
                    {
                        **VERSIONED,
                        "id": axe_id,
                        "roadmap_id": r,
                        "ref": f"AX{x}",
                        "title": f"Axe {x}",
                        "description": "",
                        "position": x,
                    }
                )
            first_action = action_id + 1
            for a in range(1, ACTIONS + 1):
                action_id += 1
                begin = start + timedelta(days=rnd.randint(0, 1200))
                rows["action"].append(
                    {
                        **VERSIONED,
                        "id": action_id,
                        "roadmap_id": r,
                        "ref": f"A{a}",
                        "axe_id": rnd.choice(axes),
                        "title": f"Action {a}",
                        "description": "",
                        "pilot_service_id": rnd.randint(1, SERVICES),
                        "owner_id": rnd.randint(1, PEOPLE),
                        "status": rnd.choice(
                            [
                                "idee",
                                "a_lancer",
                                "en_cours",
                                "en_cours",
                                "bloquee",
                                "terminee",
                                "abandonnee",
                            ]
                        ),
                        "start_date": begin.isoformat(),
                        "end_date": (begin + timedelta(days=rnd.randint(20, 240))).isoformat(),
                        "pillar": None,
                    }
                )
                for service in rnd.sample(range(1, SERVICES + 1), rnd.choice([0, 0, 1])):
                    rows["action_contributor"].append(
                        {"action_id": action_id, "service_id": service}
                    )
                if a > 1:  # only on earlier actions: acyclic by construction
                    for on in rnd.sample(
                        range(first_action, action_id), min(a - 1, rnd.choice([0, 1, 1, 1, 2]))
                    ):
                        rows["dependency"].append(
                            {
                                "roadmap_id": r,
                                "action_id": action_id,
                                "jalon_id": None,
                                "on_action_id": on,
                                "on_jalon_id": None,
                            }
                        )
            for k in range(1, JALONS + 1):
                jalon_id += 1
                day = (start + timedelta(days=rnd.randint(0, 1500))).isoformat()
                rows["jalon"].append(
                    {
                        **VERSIONED,
                        "id": jalon_id,
                        "roadmap_id": r,
                        "ref": f"J{k}",
                        "title": f"Jalon {k}",
                        "kind": rnd.choice(["copil", "cotech", "atelier"]),
                        "planned_date": day,
                        "current_date": day,
                        "status": "prevu",
                        "description": "",
                    }
                )
                for _ in range(2):
                    rows["jalon_invite"].append(
                        {
                            "jalon_id": jalon_id,
                            "service_id": rnd.randint(1, SERVICES),
                            "person_id": None,
                        }
                        if rnd.random() < 0.5
                        else {
                            "jalon_id": jalon_id,
                            "service_id": None,
                            "person_id": rnd.randint(1, PEOPLE),
                        }
                    )
                if rnd.random() < 0.5:
                    rows["dependency"].append(
                        {
                            "roadmap_id": r,
                            "action_id": None,
                            "jalon_id": jalon_id,
                            "on_action_id": rnd.randint(first_action, action_id),
                            "on_jalon_id": None,
                        }
                    )
            for _ in range(DOSSIERS):
                dossier_id += 1
                rows["dossier"].append(
                    {
                        **VERSIONED,
                        "id": dossier_id,
                        "campagne_id": 1,
                        "ref": f"D{dossier_id}",
                        "porteur": "Association",
                        "title": "Projet",
                        "summary": "",
                        "roadmap_id": r,
                        "action_id": rnd.randint(first_action, action_id),
                        "axe_id": None,
                        "pillar": None,
                        "total_budget": "0",
                        "amount_asked": "1000.00",
                        "state": rnd.choice(["depose", "en_instruction", "decide"]),
                        "avis_deadline": "2026-04-30",
                        "state_reason": "",
                    }
                )
                for service in rnd.sample(range(1, SERVICES + 1), rnd.choice([1, 2])):
                    rows["dossier_instructor"].append(
                        {"dossier_id": dossier_id, "service_id": service}
                    )
                rows["financement_line"].append(
                    {
                        **VERSIONED,
                        "dossier_id": dossier_id,
                        "financeur_id": rnd.randint(1, SERVICES),
                        "asked": "500.00",
                        "granted": None,
                    }
                )
        for table, values in rows.items():
            insert(db, table, values)
    db.close()
    return {table: len(values) for table, values in rows.items()}


def timed(
    label: str, results: dict[str, float], cpu: dict[str, float]
) -> Callable[[Callable[[], Any]], Any]:
    def run(fn: Callable[[], Any]) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        value = fn()
        results[label] = time.perf_counter() - t0
        cpu[label] = time.process_time() - c0
        return value

    return run


async def measure(path: Path) -> None:
    from roadmap.graph.analyses import (
        alliance,
        bottlenecks,
        compute_load,
        consistency,
        cooperation_graph,
    )
    from roadmap.graph.build import build_graph
    from roadmap.graph.schedule import compute_schedule, simulate_slip
    from roadmap.storage.database import close_database, open_database
    from roadmap.storage.location import parse_location

    t0 = time.perf_counter()
    import networkx  # noqa: F401  (its import cost is not the build's)

    print(f"import networkx                 {time.perf_counter() - t0:7.3f} s")
    await open_database(parse_location(str(path)))
    try:
        results: dict[str, float] = {}
        cpu: dict[str, float] = {}
        t0, c0 = time.perf_counter(), time.process_time()
        g = await build_graph()
        results["build (all roadmaps, from DB)"] = time.perf_counter() - t0
        cpu["build (all roadmaps, from DB)"] = time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        one = await build_graph("fdr-1")
        results["build (one roadmap, from DB)"] = time.perf_counter() - t0
        cpu["build (one roadmap, from DB)"] = time.process_time() - c0
        from roadmap.graph.build import build_dependency_graph

        t0, c0 = time.perf_counter(), time.process_time()
        deps = await build_dependency_graph("fdr-1")
        results["dependencies only (re-routing write)"] = time.perf_counter() - t0
        cpu["dependencies only (re-routing write)"] = time.process_time() - c0
    finally:
        await close_database()
    today = date(2026, 3, 1)
    schedule = timed("critical path + marges", results, cpu)(lambda: compute_schedule(g, today))
    root = schedule.order[0]
    timed("impact of a slip (+30 d)", results, cpu)(lambda: simulate_slip(schedule, root, 30))
    from roadmap.graph.schedule import plan_move
    from roadmap.usecases.risks import risks_of

    small = compute_schedule(deps, today)
    first = small.order[0]
    timed("re-route one roadmap (plan_move)", results, cpu)(
        lambda: plan_move(small, first, None, small.items[first].end + timedelta(days=30))
    )
    timed("dashboard risks (one roadmap)", results, cpu)(lambda: risks_of(one, "fdr-1", today))
    timed("load", results, cpu)(lambda: compute_load(g, today))
    coop = timed("cooperation projection", results, cpu)(lambda: cooperation_graph(g))
    timed("bottlenecks (art. points + betweenness)", results, cpu)(lambda: bottlenecks(coop))
    timed("alliance", results, cpu)(lambda: alliance(g))
    timed("consistency", results, cpu)(lambda: consistency(g, schedule))

    print(
        f"graph: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges "
        f"(one roadmap: {one.number_of_nodes()} nodes); projection: "
        f"{coop.number_of_nodes()} actors, {coop.number_of_edges()} links"
    )
    # CPU time beside wall time: on a shared machine the wall time also counts the others.
    print(f"{'':<40} {'wall':>9} {'cpu':>9}")
    for label, seconds in results.items():
        print(f"{label:<40} {seconds:7.3f} s {cpu[label]:7.3f} s")
    keys = ("build (all roadmaps, from DB)", "critical path + marges")
    every = [
        k for k in results if k in keys or not k.startswith(("build (one", "dep", "re-", "dash"))
    ]
    print(
        f"{'build + critical path + marges':<40} {sum(results[k] for k in keys):7.3f} s "
        f"{sum(cpu[k] for k in keys):7.3f} s  (cible < 1 s)"
    )
    print(
        f"{'all (build + every analysis)':<40} {sum(results[k] for k in every):7.3f} s "
        f"{sum(cpu[k] for k in every):7.3f} s  (cible < 3 s)"
    )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average: {load} on {os.cpu_count()} CPUs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--keep", type=Path, help="garder la base ici au lieu d'un dossier temporaire"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "bench.db"
        if path.exists():
            print(f"{path} existe déjà", file=sys.stderr)
            return 2

        async def schema() -> None:
            from roadmap.storage.database import close_database, open_database
            from roadmap.storage.location import parse_location

            await open_database(parse_location(str(path)))
            await close_database()

        asyncio.run(schema())
        t0 = time.perf_counter()
        counts = fill(path)
        print(f"fill (raw SQL, one transaction)  {time.perf_counter() - t0:7.3f} s  {counts}")
        asyncio.run(measure(path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
