"""An incremental export reads only the rows of the files it rebuilds (issue 15).

After a complete export, the journal rows since its position name what changed (plan.py).
Reading the whole base again to rebuild a handful of files cost most of an incremental
export; here, in the export's one transaction:

1. the roadmaps the changes name are read in full, with the dossiers named by ref, and
   ``plan.targets`` says which roadmap and service files may hold the changes (from these
   rows, and from the previous files' bytes);
2. the rows those files hold are read: every row of the target roadmaps, and for each
   target service the actions, jalons and dossiers that concern it (ServiceIndex) with
   their child rows, plus the rows whose refs they name. Small reference tables (services,
   people, QPV, territories, campaigns, roadmaps, relevé, propositions) are read whole.

The documents are built from these rows by the same functions as a full export: same
bytes (tests/exchange/test_scoped_export.py compares both). A case this reading cannot
vouch for (a file that should exist but is not in the previous set) returns None, and
the export reads everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from roadmap.exchange import plan
from roadmap.exchange.service_doc import ServiceIndex
from roadmap.exchange.snapshot import TABLES, JournalChange, Row, Snapshot, as_rows

# The tables read_scope filters; every other one is read whole (small, looked up by id from
# everywhere: services, people, QPV, territories, roadmaps, campaigns, relevé, propositions;
# and any table added to TABLES later, until it is scoped here).
SCOPED = frozenset(
    {
        "dossier", "dossier_qpv", "financement_line", "dossier_instructor", "avis", "decision",
        "adjustment", "comment", "dependency", "membership", "indicator", "qualitative_record",
        "campagne_roadmap", "indicator_value", "action", "jalon", "action_contributor",
        "action_qpv", "engagement", "jalon_invite", "axe", "baseline",
    }
)  # fmt: skip
WHOLE = tuple(t for t in TABLES if t not in SCOPED)


class Reader:
    """Filtered SELECTs in the export's transaction (``conn``: a Tortoise connection)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        # SQLite: "+column" keeps the planner off the index, so rows come in the same
        # order as the full read's table scan (a few builders keep table order on ties).
        self.plus = "+" if conn.capabilities.dialect == "sqlite" else ""
        self.strings: dict[str, str] = {}

    async def rows(self, table: str, where: str = "") -> list[Row]:
        columns = TABLES[table]
        sql = 'SELECT {} FROM "{}"'.format(", ".join(f'"{c}"' for c in columns), table)
        if where:
            sql += f" WHERE {where}"
        _, found = await self.conn.execute_query(sql)
        return as_rows(columns, found, self.strings)

    async def ids(self, sql: str) -> set[int]:
        _, found = await self.conn.execute_query(sql)
        return {int(r[0]) for r in found if r[0] is not None}

    async def by_id(self, table: str, ids: Iterable[int]) -> list[Row]:
        """The rows of ``table`` with these ids. On SQLite, looked up by rowid in id order
        (the order of the full read's table scan): a scan per table cost most of the
        scoped read (no index on the foreign keys the other queries filter on)."""
        if not self.plus:
            return await self.rows(table, self.among("id", ids))
        listed = ", ".join(str(int(v)) for v in sorted(set(ids)))
        return await self.rows(table, f'"id" IN ({listed}) ORDER BY "id"' if listed else "1 = 0")

    def among(self, column: str, values: Iterable[int]) -> str:
        """``column IN (...)`` over ints (inlined: they come from the base, never typed)."""
        listed = ", ".join(str(int(v)) for v in sorted(set(values)))
        return f'{self.plus}"{column}" IN ({listed})' if listed else "1 = 0"

    async def by_refs(self, refs: set[str]) -> set[int]:
        if not refs:
            return set()
        sqlite = self.conn.capabilities.dialect == "sqlite"
        marks = ", ".join("?" if sqlite else f"${i}" for i in range(1, len(refs) + 1))
        _, found = await self.conn.execute_query(
            f'SELECT "id" FROM "dossier" WHERE "ref" IN ({marks})', sorted(refs)
        )
        return {int(r[0]) for r in found}


async def read_scope(
    reader: Reader,
    whole: dict[str, list[Row]],
    roadmaps: set[int],
    services: set[int],
    dossier_refs: set[str],
) -> dict[str, list[Row]]:
    """Every row the files of ``roadmaps`` and ``services`` (ids) are built from."""
    r, among = reader, reader.among
    tables: dict[str, list[Row]] = dict(whole)
    in_roadmaps = among("roadmap_id", roadmaps)
    actions_r = await r.ids(f'SELECT "id" FROM "action" WHERE {in_roadmaps}')
    jalons_r = await r.ids(f'SELECT "id" FROM "jalon" WHERE {in_roadmaps}')
    axes_r = await r.ids(f'SELECT "id" FROM "axe" WHERE {in_roadmaps}')
    people_s = {p["id"] for p in whole["person"] if p["service_id"] in services}
    in_services = among("service_id", services)
    actions_s = await r.ids(
        f'SELECT "id" FROM "action" WHERE {among("pilot_service_id", services)}'
    )
    actions_s |= await r.ids(f'SELECT "action_id" FROM "action_contributor" WHERE {in_services}')
    actions_s |= await r.ids(f'SELECT "action_id" FROM "engagement" WHERE {in_services}')
    jalons_s = await r.ids(
        f'SELECT "jalon_id" FROM "jalon_invite" WHERE {in_services} '
        f"OR {among('person_id', people_s)}"
    )
    dossiers = await r.ids(
        f'SELECT "id" FROM "dossier" WHERE {in_roadmaps} OR {among("action_id", actions_r)} '
        f"OR {among('axe_id', axes_r)}"
    )
    dossiers |= await r.by_refs(dossier_refs)
    dossiers |= await r.ids(f'SELECT "dossier_id" FROM "dossier_instructor" WHERE {in_services}')
    dossiers |= await r.ids(f'SELECT "dossier_id" FROM "avis" WHERE {in_services}')
    dossiers |= await r.ids(
        f'SELECT "dossier_id" FROM "financement_line" WHERE {among("financeur_id", services)}'
    )
    of_dossiers = among("dossier_id", dossiers)
    tables["dossier"] = await r.by_id("dossier", dossiers)
    for table in ("dossier_qpv", "financement_line", "dossier_instructor", "avis", "decision"):
        tables[table] = await r.rows(table, of_dossiers)
    own_items = f"{in_roadmaps} OR {among('action_id', actions_r)} OR {among('jalon_id', jalons_r)}"
    for table in ("adjustment", "comment"):
        tables[table] = await r.rows(table, own_items)
    tables["dependency"] = await r.rows(
        "dependency", f"{among('action_id', actions_r)} OR {among('jalon_id', jalons_r)}"
    )
    for table in ("membership", "indicator", "qualitative_record", "campagne_roadmap"):
        tables[table] = await r.rows(table, in_roadmaps)
    tables["indicator_value"] = await r.rows(
        "indicator_value", among("indicator_id", (i["id"] for i in tables["indicator"]))
    )
    # Rows named by ref only (a dossier's action, a dependency, a decision's links).
    named_actions = {d["action_id"] for d in tables["dossier"]}
    named_actions |= {d["on_action_id"] for d in tables["dependency"]}
    named_actions |= {x["action_id"] for x in whole["releve_link"]}
    named_jalons = {d["on_jalon_id"] for d in tables["dependency"]}
    named_jalons |= {x["jalon_id"] for x in whole["releve_link"]}
    named_jalons |= {d["jalon_id"] for d in whole["releve_decision"]}
    held_actions = actions_r | actions_s
    tables["action"] = await r.by_id(
        "action", held_actions | {a for a in named_actions if a is not None}
    )
    tables["jalon"] = await r.by_id(
        "jalon", jalons_r | jalons_s | {j for j in named_jalons if j is not None}
    )
    of_actions = among("action_id", held_actions)
    for table in ("action_contributor", "action_qpv", "engagement"):
        tables[table] = await r.rows(table, of_actions)
    tables["jalon_invite"] = await r.rows("jalon_invite", among("jalon_id", jalons_r | jalons_s))
    named_axes = {a["axe_id"] for a in tables["action"]} | {d["axe_id"] for d in tables["dossier"]}
    for table in ("indicator", "qualitative_record", "campagne_roadmap"):
        named_axes |= {row["axe_id"] for row in tables[table]}
    tables["axe"] = await r.rows(
        "axe", f"{in_roadmaps} OR {among('id', (a for a in named_axes if a is not None))}"
    )
    with_baselines = roadmaps | {a["roadmap_id"] for a in tables["action"] if a["id"] in actions_s}
    tables["baseline"] = await r.rows("baseline", among("roadmap_id", with_baselines))
    return tables


async def read_items(
    reader: Reader, whole: dict[str, list[Row]], roadmap_id: dict[str, int], dirty: plan.Dirty
) -> dict[str, list[Row]]:
    """What ``plan.targets`` looks at when the changes name single items (no roadmap-wide
    change): those actions, jalons and dossiers, their links to services, and the action or
    axe a dossier's roadmap is read from. Reading the whole roadmaps named instead cost a
    quarter of a small export (tests/exchange/test_scoped_export.py compares the targets)."""
    r = reader
    tables: dict[str, list[Row]] = {t: [] for t in SCOPED} | dict(whole)
    named = {roadmap_id[slug] for slug in dirty.roadmaps if slug in roadmap_id}
    wanted_actions = {(roadmap_id.get(slug), ref) for slug, ref in dirty.actions}
    wanted_jalons = {(roadmap_id.get(slug), ref) for slug, ref in dirty.jalons}
    in_roadmaps = r.among("roadmap_id", named)
    _, found = await r.conn.execute_query(
        f'SELECT "id", "roadmap_id", "ref" FROM "action" WHERE {in_roadmaps}'
    )
    actions = {int(a[0]) for a in found if (a[1], a[2]) in wanted_actions}
    _, found = await r.conn.execute_query(
        f'SELECT "id", "roadmap_id", "ref" FROM "jalon" WHERE {in_roadmaps}'
    )
    jalons = {int(j[0]) for j in found if (j[1], j[2]) in wanted_jalons}
    dossiers = await r.by_refs(dirty.dossiers)
    if dossiers:
        tables["dossier"] = await r.by_id("dossier", dossiers)
        of_dossiers = r.among("dossier_id", dossiers)
        for table in ("dossier_instructor", "financement_line", "avis"):
            tables[table] = await r.rows(table, of_dossiers)
        actions |= {d["action_id"] for d in tables["dossier"] if d["action_id"] is not None}
        axes = {d["axe_id"] for d in tables["dossier"] if d["axe_id"] is not None}
        tables["axe"] = await r.by_id("axe", axes)
    tables["action"] = await r.by_id("action", actions)
    tables["jalon"] = await r.by_id("jalon", jalons)
    for table in ("action_contributor", "engagement"):
        tables[table] = await r.rows(table, r.among("action_id", actions))
    tables["jalon_invite"] = await r.rows("jalon_invite", r.among("jalon_id", jalons))
    return tables


async def read_changed(
    conn: Any,
    changes: list[JournalChange],
    out_dir: Path,
    previous_files: list[str],
) -> tuple[dict[str, list[Row]], plan.Targets] | None:
    """The rows of the files the journal ``changes`` may touch, and those files (or None:
    read everything)."""
    dirty = plan.dirty_from(changes)
    if dirty is None:
        return None
    reader = Reader(conn)
    whole = {t: await reader.rows(t) for t in WHOLE}
    roadmap_id = {r["slug"]: r["id"] for r in whole["roadmap"]}
    service_id = {s["code"]: s["id"] for s in whole["service"]}
    named = {roadmap_id[s] for s in dirty.roadmaps if s in roadmap_id}
    if dirty.whole:
        first = Snapshot(await read_scope(reader, whole, named, set(), dirty.dossiers))
    else:
        first = Snapshot(await read_items(reader, whole, roadmap_id, dirty))
    targets = plan.targets(first, ServiceIndex(first), dirty, out_dir, previous_files)
    known = set(previous_files)
    for slug in roadmap_id:
        if slug not in targets.roadmaps and f"{slug}.toml" not in known:
            return None  # a roadmap file that should be there: rebuild everything
    for s in whole["service"]:
        if s["code"] not in targets.services and not s["archived"]:
            if f"services/{s['code']}.toml" not in known:
                return None
    if not targets.services <= set(service_id):
        return None  # a service file of the previous set whose service is gone
    tables = await read_scope(
        reader,
        whole,
        {roadmap_id[s] for s in targets.roadmaps if s in roadmap_id},
        {service_id[c] for c in targets.services},
        dirty.dossiers,
    )
    return tables, targets
