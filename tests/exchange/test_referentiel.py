"""An export of one roadmap knows the services its référentiel lists before building it.

``roadmap export --roadmap`` writes the files of the services the roadmap's
``[[referentiel.services]]`` lists; referentiel_services derives them from the rows so the
helper process can start on them at once (issue 15). It must list exactly the services the
built document lists: checked on the demo and on random snapshots where every reference
(pilots, contributors, engagements, invitations, dossiers' funders, instructors and avis,
campaigns' instructors, people's home services, parents, archived services) may point
anywhere or nowhere.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from roadmap.exchange.export import export
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.roadmap_doc import build_roadmap_document, referentiel_services
from roadmap.exchange.snapshot import TABLES, Snapshot, read_snapshot
from roadmap.storage.location import DatabaseLocation
from tests.exchange.test_demo_example import DEMO_TODAY
from tests.roles import make_admin

# Which table each reference column points to.
_TARGET = {
    "roadmap_id": "roadmap", "action_id": "action", "on_action_id": "action",
    "jalon_id": "jalon", "on_jalon_id": "jalon", "axe_id": "axe", "campagne_id": "campagne",
    "dossier_id": "dossier", "indicator_id": "indicator", "decision_id": "releve_decision",
    "qpv_id": "qpv", "territoire_id": "territoire", "person_id": "person",
    "owner_id": "person", "carrier_id": "person", "service_id": "service",
    "pilot_service_id": "service", "pv_service_id": "service", "dc_service_id": "service",
    "financeur_id": "service", "parent_id": "service",
}  # fmt: skip
_NEVER_NONE = {"roadmap_id", "campagne_id", "qpv_id", "dossier_id", "indicator_id", "financeur_id"}
_SIZES = {"service": 14, "person": 10, "roadmap": 3, "campagne": 3, "action": 12, "jalon": 6}


def _value(rnd: random.Random, column: str, ids: dict[str, list[int]]) -> Any:
    if column in _TARGET:
        choices = ids[_TARGET[column]]
        if column not in _NEVER_NONE and rnd.random() < 0.3:
            return None
        return rnd.choice(choices)
    if column.endswith(("_at",)):
        return f"2026-0{rnd.randrange(1, 10)}-0{rnd.randrange(1, 10)} 10:00:00"
    if column.endswith(("date", "_on", "horizon", "period_start", "period_end", "deadline")):
        return f"2026-0{rnd.randrange(1, 10)}-1{rnd.randrange(0, 10)}"
    if column in ("amount", "asked", "granted", "total_budget", "amount_asked", "value"):
        return str(rnd.randrange(0, 10_000))
    if column in ("archived", "active", "current"):
        return rnd.randrange(2)
    if column in ("year", "position"):
        return 2024 + rnd.randrange(3)
    return rnd.choice(["a", "b", "c"])


def _random_snapshot(seed: int) -> Snapshot:
    rnd = random.Random(seed)
    ids = {t: list(range(1, _SIZES.get(t, 4) + 1)) for t in TABLES}
    tables: dict[str, list[dict[str, Any]]] = {}
    for table, columns in TABLES.items():
        count = len(ids[table]) if columns[0] == "id" else rnd.randrange(0, 12)
        rows = []
        for n in range(count):
            row = {c: _value(rnd, c, ids) for c in columns}
            if columns[0] == "id":
                row["id"] = ids[table][n]
            for unique in ("code", "slug", "login", "ref"):
                if unique in row:
                    row[unique] = f"{table}-{n}"
            rows.append(row)
        tables[table] = rows
    for c in tables["campagne"]:
        c["year"] = 2020 + c["id"]
    return Snapshot(tables)


def _listed(snap: Snapshot, roadmap: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(codes the built document lists, codes referentiel_services derives)."""
    document = build_roadmap_document(snap, roadmap, ExportOptions())
    built = {s["code"] for s in document["referentiel"].get("services", [])}
    codes = snap.column("service", "code")
    return built, {codes[i] for i in referentiel_services(snap, roadmap)}


@pytest.mark.parametrize("seed", range(60))
def test_derived_services_are_the_documents(seed: int) -> None:
    snap = _random_snapshot(seed)
    for roadmap in snap.rows("roadmap"):
        built, derived = _listed(snap, roadmap)
        assert derived == built


def test_random_snapshots_reach_every_kind_of_mention() -> None:
    """The random snapshots above do list services, and not all of them."""
    sizes = []
    for seed in range(60):
        snap = _random_snapshot(seed)
        sizes += [len(_listed(snap, r)[0]) for r in snap.rows("roadmap")]
    assert min(sizes) < _SIZES["service"] and max(sizes) > 3


def test_a_person_or_a_parent_alone_brings_a_service() -> None:
    """Services mentioned only as someone's home service, or as a listed service's parent
    (two levels up, an archived one among them), are listed and derived alike."""
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    tables["service"] = [
        {"id": i, "code": f"s{i}", "name": "S", "kind": "etat", "parent_id": parent,
         "archived": int(i == 2)}
        for i, parent in ((1, None), (2, 1), (3, 2), (4, None), (5, None), (6, None))
    ]  # fmt: skip
    tables["person"] = [
        {"id": 1, "login": "p1", "name": "P", "email": "", "service_id": 4, "active": 0},
        {"id": 2, "login": "p2", "name": "Q", "email": "", "service_id": 6, "active": 1},
    ]
    tables["roadmap"] = [
        {"id": 1, "slug": "fdr", "title": "F", "destination": "", "horizon": None,
         "status": "active", "pv_service_id": 3, "dc_service_id": None, "territoire_id": None},
    ]  # fmt: skip
    tables["releve_decision"] = [
        {"id": 1, "roadmap_id": 1, "jalon_id": None, "ref": "D1", "text": "t", "carrier_id": 1,
         "due_date": None, "status": "a_faire", "created_at": None, "created_by": "x",
         "done_at": None, "done_by": None},
    ]  # fmt: skip
    snap = Snapshot(tables)
    built, derived = _listed(snap, tables["roadmap"][0])
    assert built == derived == {"s1", "s2", "s3", "s4"}


async def test_demo_roadmaps_and_their_service_files(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    from roadmap.usecases.demo import build_demo

    await build_demo(await make_admin("cmartin"), today=DEMO_TODAY)
    snap = await read_snapshot()
    for roadmap in snap.rows("roadmap"):
        built, derived = _listed(snap, roadmap)
        assert built and derived == built
        result = await export(tmp_path / roadmap["slug"], roadmap=roadmap["slug"])
        files = {p.stem for p in result.files if p.parent.name == "services"}
        assert files == built
