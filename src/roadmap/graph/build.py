"""Build the typed roadmap graph from the database, with plain SQL.

Bulk reads go through the Tortoise connection with plain SQL: the ORM is 8-19x slower
on this path (RISKS 19). The SQL is portable to SQLite and PostgreSQL; only the
placeholder differs (``?`` for sqlite, ``$1`` for asyncpg).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from roadmap.domain.errors import NotFound
from roadmap.graph import model as m

if TYPE_CHECKING:
    import networkx as nx


class _Sql:
    """Run portable SQL on the default connection, scoped to one roadmap or all active."""

    def __init__(self, roadmap_id: int | None) -> None:
        from tortoise import connections

        self.conn = connections.get("default")
        self.postgres = self.conn.capabilities.dialect == "postgres"
        self.roadmap_id = roadmap_id

    def scope(self, column: str) -> tuple[str, list[Any]]:
        """SQL condition restricting ``column`` (a roadmap id) to the scope."""
        if self.roadmap_id is None:
            return f"{column} IN (SELECT id FROM roadmap WHERE status = 'active')", []
        return f"{column} = {'$1' if self.postgres else '?'}", [self.roadmap_id]

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        _, rows = await self.conn.execute_query(sql, list(params) or None)
        return list(rows)


def _day(value: Any) -> str:
    """SQLite gives dates as text, asyncpg as ``date``: both become ISO text or ""."""
    return "" if value is None else str(value)[:10]


def _money(value: Any) -> str:
    if value is None:
        return ""
    return format(Decimal(str(value)).quantize(Decimal("0.01")), "f")


async def build_graph(slug: str | None = None) -> nx.MultiDiGraph:
    """The graph of one roadmap (``slug``) or of every active roadmap (``None``).

    Nodes (ids in ``roadmap.graph.model``): the destination of each roadmap, its actions,
    jalons and dossiers, the people involved, and every non-archived service (so that a
    service taking no part still shows in the alliance analysis). Edges are keyed by kind.
    """
    roadmap_id: int | None = None
    sql = _Sql(None)
    if slug is not None:
        found = await sql.rows(
            f"SELECT id FROM roadmap WHERE slug = {'$1' if sql.postgres else '?'}", [slug]
        )
        if not found:
            raise NotFound(f"feuille de route « {slug} » introuvable", field="--roadmap")
        roadmap_id = int(found[0][0])
    rows = await _read(_Sql(roadmap_id))
    # CPU work in a thread: the Actions screen asks for marges while the user types.
    return await asyncio.to_thread(_assemble_without_gc, slug, rows)


def _assemble_without_gc(slug: str | None, rows: dict[str, list[Sequence[Any]]]) -> nx.MultiDiGraph:
    with m.gc_paused():
        return _assemble(slug, rows)


async def _read(sql: _Sql) -> dict[str, list[Sequence[Any]]]:
    """Every row the graph needs, one query per table, scoped to the roadmap(s)."""
    where, params = sql.scope("roadmap_id")
    # A dossier belongs to a roadmap directly, or through its action or its axe.
    owner_of_dossier = "COALESCE(d.roadmap_id, a.roadmap_id, x.roadmap_id)"
    queries: dict[str, tuple[str, list[Any]]] = {
        "services": ("SELECT id, code, name, kind, archived FROM service", []),
        "people": ("SELECT id, login, name, service_id FROM person", []),
        "roadmaps": (
            "SELECT r.id, r.slug, r.title, r.destination, r.horizon, r.status, "
            "r.pv_service_id, r.dc_service_id FROM roadmap r WHERE " + sql.scope("r.id")[0],
            params,
        ),
        "members": (
            "SELECT roadmap_id, person_id, role, side FROM membership WHERE " + where,
            params,
        ),
        "axes": (
            "SELECT id, ref, title, position FROM axe WHERE " + where + " ORDER BY position, id",
            params,
        ),
        "actions": (
            "SELECT id, roadmap_id, ref, axe_id, title, pilot_service_id, owner_id, status, "
            "start_date, end_date, pillar FROM action WHERE " + where + " ORDER BY id",
            params,
        ),
        "contributors": (
            "SELECT c.action_id, c.service_id FROM action_contributor c "
            "JOIN action a ON a.id = c.action_id WHERE " + sql.scope("a.roadmap_id")[0],
            params,
        ),
        "jalons": (
            'SELECT id, roadmap_id, ref, title, kind, planned_date, "current_date", status '
            "FROM jalon WHERE " + where + " ORDER BY id",
            params,
        ),
        "invites": (
            "SELECT i.jalon_id, i.service_id, i.person_id FROM jalon_invite i "
            "JOIN jalon j ON j.id = i.jalon_id WHERE " + sql.scope("j.roadmap_id")[0],
            params,
        ),
        "dependencies": (
            "SELECT action_id, jalon_id, on_action_id, on_jalon_id FROM dependency WHERE " + where,
            params,
        ),
        "dossiers": (
            "SELECT d.id, d.ref, d.title, d.porteur, d.state, d.amount_asked, d.avis_deadline, "
            f"{owner_of_dossier}, d.action_id FROM dossier d "
            "LEFT JOIN action a ON a.id = d.action_id LEFT JOIN axe x ON x.id = d.axe_id "
            "WHERE " + sql.scope(owner_of_dossier)[0] + " ORDER BY d.ref",
            params,
        ),
        "instructors": ("SELECT dossier_id, service_id FROM dossier_instructor", []),
        "financements": (
            "SELECT dossier_id, financeur_id, asked, granted FROM financement_line",
            [],
        ),
    }
    return {name: await sql.rows(query, values) for name, (query, values) in queries.items()}


def _assemble(slug: str | None, rows: dict[str, list[Sequence[Any]]]) -> nx.MultiDiGraph:
    import networkx as nx

    g: nx.MultiDiGraph = nx.MultiDiGraph(name=slug or "toutes les feuilles de route")
    services: dict[int, tuple[str, str, str, bool]] = {
        int(r[0]): (str(r[1]), str(r[2]), str(r[3]), bool(r[4])) for r in rows["services"]
    }
    people: dict[int, tuple[str, str, int | None]] = {
        int(r[0]): (str(r[1]), str(r[2]), r[3]) for r in rows["people"]
    }
    service_nodes: dict[int, str] = {}
    person_nodes: dict[int, str] = {}

    def service_node(sid: int) -> str:
        node = service_nodes.get(sid)
        if node is None:
            code, name, kind, _ = services[sid]
            node = service_nodes[sid] = m.service_id(code)
            g.add_node(node, kind=m.SERVICE, label=name, code=code, side=kind)
        return node

    def person_node(pid: int) -> str:
        node = person_nodes.get(pid)
        if node is None:
            login, name, home = people[pid]
            node = person_nodes[pid] = m.person_id(login)
            side = services[home][2] if home in services else m.AUTRE
            home_code = services[home][0] if home in services else ""
            g.add_node(node, kind=m.PERSON, label=name, login=login, service=home_code, side=side)
            if home in services:
                g.add_edge(
                    node, service_node(home), key=m.MEMBER_OF, kind=m.MEMBER_OF, role="service"
                )
        return node

    for sid, (_, _, _, archived) in services.items():
        if not archived:
            service_node(sid)

    slugs: dict[int, str] = {}
    for rid, rslug, title, destination, horizon, status, pv, dc in rows["roadmaps"]:
        slugs[int(rid)] = str(rslug)
        g.add_node(
            m.destination_id(str(rslug)),
            kind=m.DESTINATION,
            label=str(destination),
            title=str(title),
            roadmap=str(rslug),
            date=_day(horizon),
            status=str(status),
            side="",
            pv_service=services[int(pv)][0],
            dc_service=services[int(dc)][0],
        )

    for rid, pid, role, side in rows["members"]:
        g.add_edge(
            person_node(int(pid)),
            m.destination_id(slugs[int(rid)]),
            key=m.MEMBER_OF,
            kind=m.MEMBER_OF,
            role=str(role),
            member_side=str(side),
        )

    axes: dict[int, tuple[str, str]] = {int(r[0]): (str(r[1]), str(r[2])) for r in rows["axes"]}

    actions: dict[int, str] = {}
    for aid, rid, ref, axe, title, pilot, owner, status, start, end, pillar in rows["actions"]:
        rslug = slugs[int(rid)]
        node = m.action_id(rslug, str(ref))
        actions[int(aid)] = node
        axe_ref, axe_title = axes.get(int(axe), ("", "")) if axe is not None else ("", "")
        pilot_code, _, pilot_kind, _ = services[int(pilot)]
        owner_login = people[int(owner)][0] if owner is not None else ""
        g.add_node(
            node,
            kind=m.ACTION,
            label=str(title),
            roadmap=rslug,
            ref=str(ref),
            axe=axe_ref,
            axe_title=axe_title,
            status=str(status),
            start=_day(start),
            end=_day(end),
            pilot=pilot_code,
            owner=owner_login,
            side=pilot_kind,
            pillar=str(pillar or ""),
        )
        g.add_edge(service_node(int(pilot)), node, key=m.PILOTS, kind=m.PILOTS)
        if owner is not None:
            g.add_edge(person_node(int(owner)), node, key=m.OWNS, kind=m.OWNS)

    for aid, sid in rows["contributors"]:
        g.add_edge(service_node(int(sid)), actions[int(aid)], key=m.CONTRIBUTES, kind=m.CONTRIBUTES)

    jalons: dict[int, str] = {}
    for jid, rid, ref, title, kind, planned, current, status in rows["jalons"]:
        rslug = slugs[int(rid)]
        node = m.jalon_id(rslug, str(ref))
        jalons[int(jid)] = node
        g.add_node(
            node,
            kind=m.JALON,
            label=str(title),
            roadmap=rslug,
            ref=str(ref),
            jalon_kind=str(kind),
            planned=_day(planned),
            date=_day(current),
            start=_day(current),
            end=_day(current),
            status=str(status),
            side="",
        )

    for jid, sid, pid in rows["invites"]:
        target = jalons[int(jid)]
        if sid is not None:
            g.add_edge(service_node(int(sid)), target, key=m.INVITED_TO, kind=m.INVITED_TO)
        if pid is not None:
            g.add_edge(person_node(int(pid)), target, key=m.INVITED_TO, kind=m.INVITED_TO)

    for aid, jid, on_aid, on_jid in rows["dependencies"]:
        source = actions.get(int(aid)) if aid is not None else jalons.get(int(jid))
        target = actions.get(int(on_aid)) if on_aid is not None else jalons.get(int(on_jid))
        if source and target:
            g.add_edge(source, target, key=m.DEPENDS_ON, kind=m.DEPENDS_ON)

    dossiers: dict[int, str] = {}
    for did, ref, title, porteur, state, asked, deadline, rid, aid in rows["dossiers"]:
        node = m.dossier_id(str(ref))
        dossiers[int(did)] = node
        g.add_node(
            node,
            kind=m.DOSSIER,
            label=str(title),
            roadmap=slugs[int(rid)],
            ref=str(ref),
            porteur=str(porteur),
            state=str(state),
            amount_asked=_money(asked),
            deadline=_day(deadline),
            side="",
        )
        if aid is not None and int(aid) in actions:
            g.add_edge(node, actions[int(aid)], key=m.CONCERNS, kind=m.CONCERNS)

    if dossiers:
        for did, sid in rows["instructors"]:
            if int(did) in dossiers:
                g.add_edge(
                    service_node(int(sid)), dossiers[int(did)], key=m.INSTRUCTS, kind=m.INSTRUCTS
                )
        for did, sid, asked, granted in rows["financements"]:
            if int(did) in dossiers:
                g.add_edge(
                    service_node(int(sid)),
                    dossiers[int(did)],
                    key=m.FINANCES,
                    kind=m.FINANCES,
                    asked=_money(asked),
                    granted=_money(granted),
                )
    return g


async def build_dependency_graph(slug: str) -> nx.MultiDiGraph:
    """Only what the schedule needs (destination, actions, jalons, dependencies) of one
    roadmap: four queries, for the re-routing use cases that run inside a write."""
    sql = _Sql(None)
    mark = "$1" if sql.postgres else "?"
    found = await sql.rows(
        f"SELECT id, slug, title, horizon FROM roadmap WHERE slug = {mark}", [slug]
    )
    if not found:
        raise NotFound(f"feuille de route « {slug} » introuvable", field="--roadmap")
    rid, _, title, horizon = found[0]
    actions = await sql.rows(
        "SELECT id, ref, title, status, start_date, end_date FROM action "
        f"WHERE roadmap_id = {mark}",
        [rid],
    )
    jalons = await sql.rows(
        f'SELECT id, ref, title, status, "current_date" FROM jalon WHERE roadmap_id = {mark}',
        [rid],
    )
    dependencies = await sql.rows(
        "SELECT action_id, jalon_id, on_action_id, on_jalon_id FROM dependency "
        f"WHERE roadmap_id = {mark}",
        [rid],
    )
    return _assemble_dependencies(slug, str(title), _day(horizon), actions, jalons, dependencies)


def _assemble_dependencies(
    slug: str,
    title: str,
    horizon: str,
    actions: list[Sequence[Any]],
    jalons: list[Sequence[Any]],
    dependencies: list[Sequence[Any]],
) -> nx.MultiDiGraph:
    import networkx as nx

    g: nx.MultiDiGraph = nx.MultiDiGraph(name=slug)
    g.add_node(m.destination_id(slug), kind=m.DESTINATION, label=title, roadmap=slug, date=horizon)
    nodes: dict[tuple[str, int], str] = {}
    for aid, ref, label, status, start, end in actions:
        node = nodes[("a", int(aid))] = m.action_id(slug, str(ref))
        g.add_node(node, kind=m.ACTION, ref=str(ref), label=str(label), roadmap=slug,
                   status=str(status), start=_day(start), end=_day(end))  # fmt: skip
    for jid, ref, label, status, day in jalons:
        node = nodes[("j", int(jid))] = m.jalon_id(slug, str(ref))
        g.add_node(node, kind=m.JALON, ref=str(ref), label=str(label), roadmap=slug,
                   status=str(status), date=_day(day), start=_day(day), end=_day(day))  # fmt: skip
    for aid, jid, on_aid, on_jid in dependencies:
        source = nodes.get(("a", int(aid))) if aid is not None else nodes.get(("j", int(jid)))
        target = (
            nodes.get(("a", int(on_aid))) if on_aid is not None else nodes.get(("j", int(on_jid)))
        )
        if source and target:
            g.add_edge(source, target, key=m.DEPENDS_ON, kind=m.DEPENDS_ON)
    return g
