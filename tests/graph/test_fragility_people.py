"""Issue 11: a partner service held to the roadmap by one person only (hand-built graphs)."""

from __future__ import annotations

from datetime import date

import networkx as nx

from roadmap.graph import model as m
from roadmap.graph.analyses import bottlenecks, cooperation_graph, single_links
from roadmap.graph.report import _section_fragility
from roadmap.graph.review import analyse

from .helpers import Sketch

S = m.service_id
P = m.person_id


def ars_through_one_person() -> Sketch:
    """The ARS takes part only through L. Vasseur, invited to two jalons with pv and pat."""
    s = Sketch()
    s.service("pv", m.PV)
    s.service("pat", m.DC)
    s.g.add_node(S("ars"), kind=m.SERVICE, label="l'ARS", code="ars", side=m.PARTENAIRE)
    s.person("lea", "pv")
    s.person("lvasseur", "ars")
    s.g.nodes[P("lvasseur")]["label"] = "L. Vasseur"
    s.action("A1", "2026-01-05", "2026-02-01", pilot="pv", owner="lea", contributors=("pat",))
    s.jalon("J1", "2026-03-01", invited=(S("pv"), S("pat"), P("lvasseur")))
    s.jalon("J2", "2026-04-01", invited=(S("pv"), P("lvasseur")))
    return s


def test_the_service_stays_in_the_projection_through_its_person() -> None:
    coop = cooperation_graph(ars_through_one_person().g)
    assert S("ars") in coop and coop.has_edge(P("lvasseur"), S("ars"))
    assert P("lvasseur") in set(nx.articulation_points(coop))
    found = {f.node: f for f in bottlenecks(coop) if f.articulation}
    assert found[P("lvasseur")].cut_off == 1  # the ARS would be cut off
    [link] = single_links(coop)
    assert (link.service, link.person) == (S("ars"), P("lvasseur"))
    assert link.message == "l'ARS ne tient à la feuille de route que par L. Vasseur"


def test_the_report_names_the_single_link() -> None:
    review = analyse(ars_through_one_person().g, today=date(2026, 1, 1))
    lines = "\n".join(_section_fragility(review))
    assert "**l'ARS** ne tient à la feuille de route que par **L. Vasseur**" in lines
    assert "Aucun point de passage obligé" not in lines
    assert "**L. Vasseur** : son départ isolerait 1" in lines


def test_a_service_taking_part_itself_is_not_a_single_link() -> None:
    s = ars_through_one_person()
    s.g.add_edge(S("ars"), m.jalon_id(s.slug, "J2"), key=m.INVITED_TO, kind=m.INVITED_TO)
    coop = cooperation_graph(s.g)
    assert single_links(coop) == []
    assert P("lvasseur") not in set(nx.articulation_points(coop))
