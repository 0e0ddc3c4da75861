"""Load, bottlenecks and alliance on small graphs built by hand."""

from __future__ import annotations

from datetime import date

import networkx as nx

from roadmap.graph import model as m
from roadmap.graph.analyses import (
    LoadThresholds,
    alliance,
    bottlenecks,
    compute_load,
    cooperation_graph,
)
from roadmap.graph.review import analyse

from .helpers import Sketch, example

S = m.service_id
P = m.person_id


def cooperation_sketch() -> Sketch:
    """pv+lea and pat+marc work together; caf joins only through pat, ddets only via caf."""
    s = Sketch()
    s.service("pv", m.PV)
    s.service("pat", m.DC)
    s.service("ddets", m.ETAT)
    s.service("caf", m.PARTENAIRE)
    s.service("sante", m.DC)  # takes part in nothing
    s.person("lea", "pv")
    s.person("marc", "pat")
    s.action("A1", "2026-01-05", "2026-02-01", pilot="pv", owner="lea", contributors=("pat",))
    s.action("A2", "2026-02-01", "2026-03-01", pilot="pat", owner="marc")
    s.action("A3", "2026-02-01", "2026-03-01", pilot="caf", contributors=("ddets",))
    s.action("A4", "2026-01-01", "2026-01-20", pilot="pat", owner="marc", status="terminee")
    s.dossier("D1", instructors=("caf", "pat"))
    s.dossier("D2", instructors=("pat",), state="decide")
    s.jalon("J1", "2026-01-20", invited=(S("pv"), P("lea"), S("pat")))
    s.jalon("J2", "2026-06-20", invited=(S("pv"),))  # beyond the 60-day window
    return s


def test_projection_links_actors_sharing_live_items() -> None:
    coop = cooperation_graph(cooperation_sketch().g)
    assert set(coop.nodes) == {S("pv"), S("pat"), S("caf"), S("ddets"), P("lea"), P("marc")}
    assert coop[S("pv")][S("pat")]["weight"] == 2  # A1 and J1
    assert coop.has_edge(P("marc"), S("pat"))
    assert not coop.has_edge(S("pv"), S("caf"))


def test_articulation_points_on_a_known_graph() -> None:
    coop = cooperation_graph(cooperation_sketch().g)
    found = {f.node: f for f in bottlenecks(coop) if f.articulation}
    assert set(found) == set(nx.articulation_points(coop)) == {S("pat"), S("caf")}
    # Without pat: {pv, lea}, {caf, ddets}, {marc} → 3 actors cut from one group of 2.
    assert found[S("pat")].cut_off == 3
    assert found[S("caf")].cut_off == 1
    assert bottlenecks(coop)[0].node == S("pat")


def test_betweenness_is_sampled_on_large_projections() -> None:
    big = nx.barabasi_albert_graph(400, 2, seed=1)
    coop = nx.relabel_nodes(big, {i: P(f"p{i}") for i in big})
    for node in coop:
        coop.nodes[node].update(kind=m.PERSON, label=node, side=m.PV)
    result = bottlenecks(coop, sample_above=300, budget=20_000)
    assert result and all(0 <= f.betweenness <= 1 for f in result)


def test_load_counts_open_work_and_flags_overload() -> None:
    limits = LoadThresholds(person_actions=1, service_actions=2, dossiers=1, jalons=0)
    loads = {x.node: x for x in compute_load(cooperation_sketch().g, date(2026, 1, 1), limits)}
    marc, pat, pv = loads[P("marc")], loads[S("pat")], loads[S("pv")]
    assert marc.actions == 1  # A4 is finished
    assert not marc.overloaded
    assert (pat.actions, pat.piloted, pat.contributed, pat.dossiers, pat.jalons) == (2, 1, 1, 1, 1)
    assert pat.reasons == ["1 jalons dans les 60 jours (seuil 0)"]
    assert pv.jalons == 1  # J2 is beyond the window
    assert loads[S("caf")].dossiers == 1
    assert S("sante") not in loads
    busy = compute_load(cooperation_sketch().g, date(2026, 1, 1), LoadThresholds(dossiers=0))
    assert {x.node for x in busy if x.overloaded} == {S("caf"), S("pat")}


def test_alliance_participants_absents_isolated_and_share() -> None:
    al = alliance(cooperation_sketch().g)
    by_node = {p.node: p for p in al.participating}
    assert set(by_node) == {S("pv"), S("pat"), S("caf"), S("ddets")}
    assert (by_node[S("pat")].actions, by_node[S("pat")].dossiers) == (3, 2)
    assert al.absent == [S("sante")]
    assert al.isolated == [S("caf"), S("ddets")]  # never alongside politique de la ville
    # A1 (pv + pat) among A1..A4; A4 finished still counts, none abandoned.
    assert (al.actions_both, al.actions) == (1, 4)
    assert al.share_both == 0.25


def test_full_review_on_the_example() -> None:
    review = analyse(example().g, today=date(2026, 1, 1))
    assert review.schedule.critical_path[-1] == m.destination_id("essai")
    assert review.alliance.actions == 4
    assert review.issues == []
    assert review.label(m.action_id("essai", "A1")) == "A1 Action A1"
