"""Export a Métropole-scale database and compare with a bare sqlite3 + tomli-w loop.

40 roadmaps, 300 services, 8,000 actions, 3,000 jalons, 20,000 dossiers in a temporary
SQLite file (bulk insert with raw SQL). Prints, beside a bare loop reading the same rows and
dumping them with tomli-w: ``roadmap export`` into an empty folder (target ≤ 2 s and
≤ 250 MiB across its processes, read as PSS: its forked helper shares pages that a sum of
RSS would count twice), again with nothing changed (≤ 0.3 s), and after one action edited
through its use case (≤ 0.5 s, only the files holding it rewritten, same bytes as a full
export). Everything lives in a temporary folder, removed at the end.

    .venv/bin/python bench/bench_export.py [--ics] [--keep DIR] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
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
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import tomli_w

from roadmap.exchange.export import export
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.snapshot import TABLES
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location

ROADMAPS, SERVICES, ACTIONS, JALONS, DOSSIERS = 40, 300, 8_000, 3_000, 20_000
STAMP = "2026-01-02 10:00:00+00:00"
META = (1, STAMP, "bench")  # version, updated_at, updated_by


def populate(path: Path, seed: int = 1) -> dict[str, int]:
    rnd = random.Random(seed)
    db = sqlite3.connect(path)
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    kinds = ["politique_de_la_ville", "droit_commun", "etat", "partenaire"]
    for s in range(1, SERVICES + 1):
        rows["service"].append((s, *META, f"svc-{s:03d}", f"Service {s}", kinds[s % 4], None, 0))
    people = 900
    for p in range(1, people + 1):
        rows["person"].append((p, *META, f"u{p:04d}", f"Personne {p}", f"u{p}@example.org",
                               rnd.randrange(1, SERVICES + 1), 1))  # fmt: skip
    for q in range(1, 61):
        rows["qpv"].append((q, *META, f"QN{q:05d}M", f"Quartier {q}", "Commune"))
    rows["territoire"].append((1, *META, "metropole", "Métropole"))
    for y, year in enumerate((2024, 2025, 2026), start=1):
        rows["campagne"].append(
            (y, *META, year, f"AAP {year}", f"{year}-01-05", f"{year}-03-01", 1)
        )
        rows["campagne_instructor"] += [(y, 1), (y, 2)]
    base = date(2026, 1, 1)
    action_id = jalon_id = dossier_id = axe_id = 0
    for r in range(1, ROADMAPS + 1):
        pv, dc = 4 * rnd.randrange(1, 75), 1 + 4 * rnd.randrange(0, 74)  # kinds by modulo
        rows["roadmap"].append((r, *META, f"feuille-{r:02d}", f"Feuille {r}", "Destination",
                                "2029-12-31", "active", STAMP, dc, pv, 1))  # fmt: skip
        for k, p in enumerate(rnd.sample(range(1, people + 1), 8)):
            role = "trinome" if k < 3 else "cercle_elargi"
            rows["membership"].append((*META, role, "autre", p, r))
        first_axe = axe_id + 1
        for k in range(5):
            axe_id += 1
            rows["axe"].append((axe_id, *META, f"AX{k + 1}", f"Axe {k + 1}", "", k, r))
        rows["campagne_roadmap"].append((None, 3, r))
        first_action = action_id + 1
        for k in range(ACTIONS // ROADMAPS):
            action_id += 1
            start = base + timedelta(days=rnd.randrange(700))
            rows["action"].append((action_id, *META, f"A{k + 1}", f"Action {k + 1} de {r}",
                "Description", "en_cours", start.isoformat(),
                (start + timedelta(days=90)).isoformat(), "cadre_de_vie",
                rnd.randrange(first_axe, axe_id + 1), rnd.randrange(1, people + 1),
                rnd.randrange(1, SERVICES + 1), r))  # fmt: skip
            for svc in {rnd.randrange(1, SERVICES + 1) for _ in range(2)}:
                rows["action_contributor"].append((action_id, svc))
            rows["action_qpv"].append((action_id, rnd.randrange(1, 61)))
            if action_id > first_action:
                rows["dependency"].append(
                    (action_id, None, rnd.randrange(first_action, action_id), None, r)
                )
            if k % 4 == 0:
                rows["engagement"].append((*META, "budget", "15000.00", None, None, "", action_id,
                                           rnd.randrange(1, SERVICES + 1)))  # fmt: skip
            if k % 3 == 0:
                rows["adjustment"].append(("end_date", "2026-05-01", "2026-06-01", "retard",
                                           "contrainte", "u0001", STAMP, action_id, None,
                                           r))  # fmt: skip
        for k in range(JALONS // ROADMAPS):
            jalon_id += 1
            day = (base + timedelta(days=k * 9)).isoformat()
            rows["jalon"].append((jalon_id, *META, f"J{k + 1}", f"COPIL {k + 1}", "copil", day,
                                  day, "prevu", "", r))  # fmt: skip
            rows["jalon_invite"].append((jalon_id, None, rnd.randrange(1, SERVICES + 1)))
            rows["jalon_invite"].append((jalon_id, rnd.randrange(1, people + 1), None))
        for k in range(DOSSIERS // ROADMAPS):
            dossier_id += 1
            rows["dossier"].append((dossier_id, *META, f"D-{dossier_id:05d}", f"Association {k}",
                f"Projet {k}", "", "cohesion_sociale", "40000.00", "12000.00", "en_instruction",
                "2026-04-30", "", rnd.randrange(first_action, action_id + 1), None, 3,
                r))  # fmt: skip
            rows["dossier_instructor"] += [
                (dossier_id, pv),
                (dossier_id, dc),
            ]
            rows["financement_line"].append((*META, "8000.00", None, dossier_id, pv))
            rows["avis"].append(("favorable", "", STAMP, 1, dossier_id, None, pv))
    db.execute("BEGIN")
    for table, values in rows.items():
        marks = ", ".join("?" for _ in COLUMNS[table].split(","))
        db.executemany(f'INSERT INTO "{table}" ({COLUMNS[table]}) VALUES ({marks})', values)
    db.commit()
    db.close()
    return {t: len(v) for t, v in rows.items()}


_M = "version, updated_at, updated_by"
COLUMNS = {
    "service": f"id, {_M}, code, name, kind, parent_id, archived",
    "person": f"id, {_M}, login, name, email, service_id, active",
    "qpv": f"id, {_M}, code, name, commune",
    "territoire": f"id, {_M}, code, name",
    "campagne": f"id, {_M}, year, title, opens_on, closes_on, territoire_id",
    "campagne_instructor": "campagne_id, service_id",
    "roadmap": f"id, {_M}, slug, title, destination, horizon, status, created_at, dc_service_id, "
    "pv_service_id, territoire_id",
    "membership": f"{_M}, role, side, person_id, roadmap_id",
    "axe": f"id, {_M}, ref, title, description, position, roadmap_id",
    "campagne_roadmap": "axe_id, campagne_id, roadmap_id",
    "action": f"id, {_M}, ref, title, description, status, start_date, end_date, pillar, axe_id, "
    "owner_id, pilot_service_id, roadmap_id",
    "action_contributor": "action_id, service_id",
    "action_qpv": "action_id, qpv_id",
    "dependency": "action_id, jalon_id, on_action_id, on_jalon_id, roadmap_id",
    "engagement": f"{_M}, kind, amount, period_start, period_end, description, action_id, "
    "service_id",
    "adjustment": "field, old_value, new_value, reason, kind, author, created_at, action_id, "
    "jalon_id, roadmap_id",
    "jalon": f'id, {_M}, ref, title, kind, planned_date, "current_date", status, description, '
    "roadmap_id",
    "jalon_invite": "jalon_id, person_id, service_id",
    "dossier": f"id, {_M}, ref, porteur, title, summary, pillar, total_budget, amount_asked, "
    "state, avis_deadline, state_reason, action_id, axe_id, campagne_id, roadmap_id",
    "dossier_instructor": "dossier_id, service_id",
    "financement_line": f"{_M}, asked, granted, dossier_id, financeur_id",
    "avis": "value, comment, given_at, current, dossier_id, person_id, service_id",
}


def bare_loop(path: Path, out: Path) -> tuple[float, float]:
    """The floor: read the same rows with sqlite3, dump them per roadmap and per service.

    Each service file holds the raw rows that concern it (actions piloted, contributed or
    committed to, jalons invited to, dossiers instructed or financed), as the export does,
    without the shaping, sorting, fingerprint and fsync. Returns (wall, CPU) seconds.
    """
    start, cpu = time.perf_counter(), time.process_time()
    db = sqlite3.connect(path)
    tables = {
        t: [dict(zip(cols, row, strict=True)) for row in db.execute(
            f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{t}"')]
        for t, cols in TABLES.items()
    }  # fmt: skip
    db.close()

    def clean(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if v is not None}

    by_id = {t: {r["id"]: r for r in tables[t]} for t in ("action", "jalon", "dossier")}
    by_roadmap: dict[Any, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for t in TABLES:
        for row in tables[t]:
            if "roadmap_id" in row:
                by_roadmap[row["roadmap_id"]][t].append(clean(row))
    by_service: dict[Any, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    links = [
        ("action", "pilot_service_id", None),
        ("action_contributor", "service_id", "action_id"),
        ("engagement", "service_id", "action_id"),
        ("jalon_invite", "service_id", "jalon_id"),
        ("dossier_instructor", "service_id", "dossier_id"),
        ("financement_line", "financeur_id", "dossier_id"),
    ]
    for table, column, target in links:
        kind = table if target is None else target.removesuffix("_id")
        for row in tables[table]:
            item = row if target is None else by_id[kind][row[target]]
            by_service[row[column]][kind].append(clean(item))
    out.mkdir(parents=True, exist_ok=True)
    for key, doc in by_roadmap.items():
        (out / f"r{key}.toml").write_bytes(tomli_w.dumps({"schema_version": 1, **doc}).encode())
    for key, doc in by_service.items():
        (out / f"s{key}.toml").write_bytes(tomli_w.dumps({"schema_version": 1, **doc}).encode())
    return time.perf_counter() - start, time.process_time() - cpu


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the export's helper)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (a command and its helper)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def _tree(root: int) -> set[int]:
    """``root`` and all its descendants (from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo += [p for p, parent in parents.items() if parent == pid and p not in tree]
    return tree


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _pss(pid: int) -> int:
    """Proportional set size: each page shared by n processes counts 1/n in each."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cli_export(db: Path, out: Path) -> tuple[float, int, int, str]:
    """``roadmap export`` as a user runs it: (wall seconds, peak RSS and peak PSS of its
    processes, CPU and its summary line). CPU time tells apart a busy machine from slow code.

    The export forks a helper that shares the parent's pages (copy-on-write): the sum of
    the RSS counts every shared page twice, the sum of the PSS once (each process is
    charged its share). PSS is read less often: the kernel walks the page tables for it.
    """
    roadmap = Path(sys.executable).parent / "roadmap"
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.Popen(
        [str(roadmap), "--db", str(db), "export", "--out", str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    peak_rss = peak_pss = 0
    polls = 0
    while proc.poll() is None:
        tree = _tree(proc.pid)
        peak_rss = max(peak_rss, sum(_rss(p) for p in tree))
        if polls % 4 == 0:
            peak_pss = max(peak_pss, sum(_pss(p) for p in tree))
        polls += 1
        time.sleep(0.01)
    wall = time.perf_counter() - start
    output = proc.stdout.read() if proc.stdout else ""
    if proc.returncode:
        raise RuntimeError(f"roadmap export : code {proc.returncode}")
    said = output.strip().splitlines()[-1].split(" dans ")[0]
    return wall, peak_rss, peak_pss, f"CPU {_children_cpu() - cpu:.2f} s ; {said}"


async def timed_export(path: Path, out: Path, ics: bool) -> tuple[float, float, int]:
    await open_database(parse_location(str(path)))
    try:
        start, cpu = time.perf_counter(), _cpu()
        result = await export(out, options=ExportOptions(ics=ics))
        return time.perf_counter() - start, _cpu() - cpu, len(result.files)
    finally:
        await close_database()


async def edit_one_action(path: Path, nth: int = 0) -> str:
    """Change one action's status through its use case (journaled, as a user would);
    ``nth``: a different action for each run."""
    from roadmap.usecases.actions import set_action_status
    from roadmap.usecases.identity import actor_for

    db = sqlite3.connect(path)
    login, slug, ref, version = db.execute(
        "SELECT p.login, r.slug, a.ref, a.version FROM membership m "
        "JOIN person p ON p.id = m.person_id JOIN roadmap r ON r.id = m.roadmap_id "
        "JOIN action a ON a.roadmap_id = r.id WHERE m.role = 'trinome' "
        "ORDER BY r.id, a.id LIMIT 1 OFFSET ?",
        (nth * 37,),
    ).fetchone()
    db.close()
    await open_database(parse_location(str(path)))
    try:
        await set_action_status(await actor_for(login), slug, ref, version, "bloquee")
    finally:
        await close_database()
    return f"{slug}/{ref}"


def same_tree(a: Path, b: Path) -> bool:
    def tree(folder: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(folder)): p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file() and p.name != "manifeste.toml"
        }

    return tree(a) == tree(b)


def _median(values: list[float]) -> float:
    return statistics.median(values)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ics", action="store_true", help="also write the .ics files")
    parser.add_argument("--keep", type=Path, help="write the exports here instead of a temp dir")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure (median)")
    args = parser.parse_args()
    runs = max(1, args.runs)
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-export-") as tmp:
        work = args.keep or Path(tmp)
        db_path = work / "metropole.db"
        db_path.unlink(missing_ok=True)
        await open_database(parse_location(str(db_path)))  # create and migrate the schema
        await close_database()
        started = time.perf_counter()
        counts = populate(db_path)
        sizes = ", ".join(f"{counts[t]} {t}" for t in ("roadmap", "service", "action", "jalon"))
        print(f"base remplie en {time.perf_counter() - started:.1f} s : {sizes}, "
              f"{counts['dossier']} dossier")  # fmt: skip
        floors = []
        fulls: list[tuple[float, int, int, str]] = []
        out = work / "exports"
        for _ in range(runs):  # interleaved, so both see the same load
            shutil.rmtree(work / "bare", ignore_errors=True)
            floors.append(bare_loop(db_path, work / "bare"))
            shutil.rmtree(out, ignore_errors=True)
            fulls.append(cli_export(db_path, out))
        floor = _median([f[0] for f in floors])
        floor_cpu = _median([f[1] for f in floors])
        full = _median([f[0] for f in fulls])
        peak = max(f[1] for f in fulls)
        peak_pss = max(f[2] for f in fulls)
        said = fulls[-1][3]
        seconds, cpu, files = await timed_export(db_path, work / "exports-in-process", args.ics)
        agains = [cli_export(db_path, out) for _ in range(runs)]
        again, again_peak, again_said = (
            _median([a[0] for a in agains]),
            agains[-1][2],
            agains[-1][3],
        )
        in_process_again, _, _ = await timed_export(db_path, out, args.ics)
        ones: list[float] = []
        for k in range(runs):
            shutil.rmtree(work / "full", ignore_errors=True)
            shutil.copytree(out, work / "full")  # the same set, to redo in full after the edit
            edited = await edit_one_action(db_path, k)
            one, _, _, one_said = cli_export(db_path, out)
            ones.append(one)
        await open_database(parse_location(str(db_path)))
        try:
            await export(work / "full", rebuild=True)
        finally:
            await close_database()
        identical = same_tree(out, work / "full")
        one = _median(ones)
        size = sum(f.stat().st_size for f in out.rglob("*.t*")) / 1e6
        mib = 1024 * 1024
        print(f"\nExport Métropole ({files} fichiers, {size:.1f} Mo), médianes de {runs} :")
        print(f"  roadmap export, dossier vide      {full:6.2f} s  mémoire "
              f"{peak_pss / mib:5.0f} Mio PSS ({peak / mib:.0f} Mio en RSS), tous processus, pic   "
              f"cible ≤ 2 s et ≤ 250 Mio (PSS)   [{said}]")  # fmt: skip
        print(f"  boucle nue sqlite3 + tomli-w      {floor:6.2f} s  (CPU {floor_cpu:.2f} s)   "
              f"export / boucle nue : {full / floor:.2f}×")  # fmt: skip
        print(f"  export() dans le processus        {seconds:6.2f} s  (CPU {cpu:.2f} s, "
              f"{cpu / floor_cpu:.2f}× la boucle nue en CPU)")  # fmt: skip
        print(f"  roadmap export, rien de changé    {again:6.2f} s  mémoire "
              f"{again_peak / mib:5.0f} Mio PSS   cible ≤ 0,3 s   [{again_said}]")  # fmt: skip
        print(f"  export(), rien de changé          {in_process_again:6.2f} s  "
              "(sans le démarrage de Python)")  # fmt: skip
        print(f"  roadmap export, 1 action modifiée {one:6.2f} s  ({edited}…)   cible ≤ 0,5 s   "
              f"[{one_said}]")  # fmt: skip
        print(f"  mêmes octets qu'un export complet du même dossier : "
              f"{'oui' if identical else 'NON'}")  # fmt: skip
        print("  mémoire lue en PSS : le processus d'aide, créé par fork, partage les pages du "
              "premier ;\n  la somme des RSS les compterait deux fois, la somme des PSS "
              "compte chaque page une fois.")  # fmt: skip
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"  charge moyenne : {load} sur {os.cpu_count()} cœurs")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
