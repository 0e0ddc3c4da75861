"""CPU of each phase of building the Métropole export's documents, one fresh process each.

Phases, in one process (no helper): read the snapshot, build the roadmap documents, the
service index, the service documents, then render them all (TOML, and the fingerprint:
the SHA-256 of the body's bytes). Then, in another fresh process, ``export()`` as the CLI
runs it (helper process included) into an empty folder, on a copy of the base. Each run is a
new Python process (the writer's string caches and ``natural_key``'s cache start empty, as
in an export); ``--against SRC`` interleaves runs of another source tree (say main's
``src/``, from ``git archive``) so both see the same load, and prints the ratios.

    .venv/bin/python bench/bench_build.py BASE.db [--runs 3] [--against /tmp/main/src]

``BASE.db``: the Métropole base ``bench_export.py --keep DIR`` leaves in DIR/metropole.db.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHASES = ("lecture", "feuilles", "index", "services", "rendu")


async def _measure(db: Path) -> dict[str, float]:
    from roadmap.exchange.metadata import ExportOptions
    from roadmap.exchange.render import render, render_body
    from roadmap.exchange.roadmap_doc import build_roadmap_document, dossier_roadmap_id
    from roadmap.exchange.service_doc import ServiceIndex, build_service_document
    from roadmap.exchange.snapshot import read_snapshot
    from roadmap.storage.database import close_database, open_database
    from roadmap.storage.location import parse_location

    await open_database(parse_location(str(db)))
    try:
        clock = time.process_time
        spent: dict[str, float] = {}
        start = clock()
        snap = await read_snapshot()
        spent["lecture"] = clock() - start
    finally:
        await close_database()
    options = ExportOptions()
    start = clock()
    by_roadmap: dict[int | None, list[dict[str, object]]] = {}
    for d in snap.rows("dossier"):  # as export._Job does
        by_roadmap.setdefault(dossier_roadmap_id(snap, d), []).append(d)
    roadmaps = sorted(snap.rows("roadmap"), key=lambda r: r["slug"])
    documents = [
        build_roadmap_document(snap, r, options, by_roadmap.get(r["id"], [])) for r in roadmaps
    ]
    spent["feuilles"] = clock() - start
    start = clock()
    index = ServiceIndex(snap)
    spent["index"] = clock() - start
    start = clock()
    concerned = index.concerned()
    services = sorted(
        (s for s in snap.rows("service") if not s["archived"] or s["id"] in concerned),
        key=lambda s: s["code"],
    )
    documents += [build_service_document(snap, index, s, options) for s in services]
    spent["services"] = clock() - start
    start = clock()
    size = sum(len(render(doc, body=render_body(doc))) for doc in documents)
    spent["rendu"] = clock() - start
    spent["octets"] = size
    return spent


async def _whole(db: Path) -> dict[str, float]:
    """``export()`` as the CLI runs it, into an empty folder, on a copy of the base (the
    export records what it wrote): CPU of this process and of its helper."""
    from roadmap.exchange.export import export
    from roadmap.storage.database import close_database, open_database
    from roadmap.storage.location import parse_location

    with tempfile.TemporaryDirectory(prefix="roadmap-bench-build-") as tmp:
        copy = Path(tmp) / "base.db"
        shutil.copyfile(db, copy)
        await open_database(parse_location(str(copy)))
        try:
            start = _cpu()
            await export(Path(tmp) / "out")
            return {"export": _cpu() - start}
        finally:
            await close_database()


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _child(db: Path, whole: bool) -> None:
    print(json.dumps(asyncio.run(_whole(db) if whole else _measure(db))))


def _run(db: Path, src: str | None, whole: bool = False) -> dict[str, float]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    out = subprocess.run(
        [sys.executable, __file__, str(db), "--child-export" if whole else "--child"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", help="another src/ folder, measured in turn")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-export", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child or args.child_export:
        _child(args.db, args.child_export)
        return 0
    trees = {"ici": None} if not args.against else {"autre": args.against, "ici": None}
    found: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(max(1, args.runs)):
        for name, src in trees.items():  # interleaved: both see the same load
            found[name].append(_run(args.db, src) | _run(args.db, src, whole=True))
    print(f"CPU (time.process_time) par phase, médianes de {args.runs} processus neufs :")
    print(
        "  phase      "
        + "".join(f"{name:>10}" for name in trees)
        + ("   ici/autre" * bool(args.against))
    )
    for phase in (*PHASES, "total"):
        medians = {}
        for name in trees:
            values = [
                sum(r[p] for p in PHASES) if phase == "total" else r[phase] for r in found[name]
            ]
            medians[name] = statistics.median(values)
        line = f"  {phase:<10} " + "".join(f"{medians[n]:9.3f}s" for n in trees)
        if args.against:
            line += f"   {medians['ici'] / medians['autre']:8.2f}×"
        print(line)
    line = "  export() tous processus, dossier vide :"
    medians = {n: statistics.median(r["export"] for r in found[n]) for n in trees}
    line += "".join(f" {n} {medians[n]:.3f}s" for n in trees)
    if args.against:
        line += f"   ici/autre {medians['ici'] / medians['autre']:.2f}×"
    print(line)
    sizes = {name: found[name][0]["octets"] for name in trees}
    print(f"  octets rendus : {sizes}")
    print(f"  charge moyenne : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
