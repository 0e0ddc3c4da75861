"""Hand-made roadmap graphs for the pure analyses (no database)."""

from __future__ import annotations

import networkx as nx

from roadmap.graph import model as m

SLUG = "essai"


class Sketch:
    """Build a small graph with the same node ids and attributes as ``build_graph``."""

    def __init__(self, horizon: str = "2026-06-30", slug: str = SLUG) -> None:
        self.slug = slug
        self.g = nx.MultiDiGraph(name=slug)
        self.g.add_node(
            m.destination_id(slug),
            kind=m.DESTINATION,
            label="Point d'arrivée d'essai",
            title="Essai",
            roadmap=slug,
            date=horizon,
            status="active",
            side="",
            pv_service="pv",
            dc_service="pat",
        )

    def service(self, code: str, side: str) -> str:
        node = m.service_id(code)
        self.g.add_node(node, kind=m.SERVICE, label=code.upper(), code=code, side=side)
        return node

    def person(self, login: str, service: str | None = None, side: str = m.AUTRE) -> str:
        node = m.person_id(login)
        home_side = self.g.nodes[m.service_id(service)]["side"] if service else side
        self.g.add_node(
            node,
            kind=m.PERSON,
            label=login.title(),
            login=login,
            service=service or "",
            side=home_side,
        )
        if service:
            self.g.add_edge(node, m.service_id(service), key=m.MEMBER_OF, kind=m.MEMBER_OF)
        return node

    def action(
        self,
        ref: str,
        start: str = "",
        end: str = "",
        *,
        status: str = "en_cours",
        after: tuple[str, ...] = (),
        pilot: str | None = None,
        owner: str | None = None,
        contributors: tuple[str, ...] = (),
        axe: str = "AX1",
    ) -> str:
        node = m.action_id(self.slug, ref)
        side = self.g.nodes[m.service_id(pilot)]["side"] if pilot else m.AUTRE
        self.g.add_node(
            node,
            kind=m.ACTION,
            label=f"Action {ref}",
            roadmap=self.slug,
            ref=ref,
            axe=axe,
            axe_title="Axe",
            status=status,
            start=start,
            end=end,
            pilot=pilot or "",
            owner=owner or "",
            side=side,
            pillar="",
        )
        if pilot:
            self.g.add_edge(m.service_id(pilot), node, key=m.PILOTS, kind=m.PILOTS)
        if owner:
            self.g.add_edge(m.person_id(owner), node, key=m.OWNS, kind=m.OWNS)
        for code in contributors:
            self.g.add_edge(m.service_id(code), node, key=m.CONTRIBUTES, kind=m.CONTRIBUTES)
        self._after(node, after)
        return node

    def jalon(
        self,
        ref: str,
        day: str,
        *,
        status: str = "prevu",
        after: tuple[str, ...] = (),
        invited: tuple[str, ...] = (),
        kind: str = "copil",
    ) -> str:
        node = m.jalon_id(self.slug, ref)
        self.g.add_node(
            node,
            kind=m.JALON,
            label=f"Jalon {ref}",
            roadmap=self.slug,
            ref=ref,
            jalon_kind=kind,
            planned=day,
            date=day,
            start=day,
            end=day,
            status=status,
            side="",
        )
        for actor in invited:
            self.g.add_edge(actor, node, key=m.INVITED_TO, kind=m.INVITED_TO)
        self._after(node, after)
        return node

    def dossier(
        self, ref: str, *, state: str = "en_instruction", instructors: tuple[str, ...] = ()
    ) -> str:
        node = m.dossier_id(ref)
        self.g.add_node(
            node,
            kind=m.DOSSIER,
            label=f"Dossier {ref}",
            roadmap=self.slug,
            ref=ref,
            porteur="Association",
            state=state,
            amount_asked="1000.00",
            deadline="",
            side="",
        )
        for code in instructors:
            self.g.add_edge(m.service_id(code), node, key=m.INSTRUCTS, kind=m.INSTRUCTS)
        return node

    def _after(self, node: str, refs: tuple[str, ...]) -> None:
        for ref in refs:
            target = (
                m.action_id(self.slug, ref) if ref.startswith("A") else m.jalon_id(self.slug, ref)
            )
            self.g.add_edge(node, target, key=m.DEPENDS_ON, kind=m.DEPENDS_ON)


def a(ref: str) -> str:
    return m.action_id(SLUG, ref)


def j(ref: str) -> str:
    return m.jalon_id(SLUG, ref)


def example() -> Sketch:
    """The hand-computed plan of test_schedule (horizon 30/06/2026)."""
    s = Sketch()
    s.service("pv", m.PV)
    s.service("pat", m.DC)
    s.service("ddets", m.ETAT)
    s.service("caf", m.PARTENAIRE)
    s.person("lea", "pv")
    s.person("marc", "pat")
    s.action("A1", "2026-01-10", "2026-01-31", pilot="pv", owner="lea", contributors=("pat",))
    s.action("A2", "2026-02-01", "2026-03-31", after=("A1",), pilot="pat", owner="marc")
    s.action("A3", "2026-02-01", "2026-02-28", after=("A1",), pilot="pv", owner="lea")
    s.jalon("J1", "2026-04-15", after=("A2", "A3"), invited=(m.service_id("pv"),))
    s.action(
        "A4",
        "2026-05-01",
        "2026-06-15",
        after=("J1",),
        pilot="pat",
        owner="marc",
        contributors=("ddets",),
    )
    return s
