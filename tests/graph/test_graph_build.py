"""The builder against a real database (SQLite and PostgreSQL), data made by the use cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from roadmap.domain.errors import NotFound
from roadmap.graph import margins_for_roadmap
from roadmap.graph import model as m
from roadmap.graph.build import build_graph
from roadmap.graph.report import write_report
from roadmap.graph.review import read_graph, review_roadmap
from roadmap.models import (
    Campagne,
    Dossier,
    DossierInstructor,
    FinancementLine,
    Territoire,
)
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import actions as act
from roadmap.usecases import jalons as jal
from roadmap.usecases import reference as ref
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.identity import Actor, actor_for
from tests.roles import make_admin

SLUG = "essai"


async def seed() -> Actor:
    boot = await make_admin("alice")  # reference data, and she creates the roadmap
    for code, name, kind in [
        ("pv", "Politique de la ville", "politique_de_la_ville"),
        ("pat", "PAT", "droit_commun"),
        ("ddets", "DDETS", "etat"),
        ("sante", "Santé", "droit_commun"),
    ]:
        await ref.create_service(boot, ref.ServiceInput(code, name, kind))
    for login, name, service in [("alice", "Alice", "pv"), ("bruno", "Bruno", "pat")]:
        await ref.create_person(boot, ref.PersonInput(login, name, "", service))
    alice = await actor_for("alice")
    await rm.create_roadmap(
        alice, rm.RoadmapInput(SLUG, "Essai", "Une destination", "2026-12-31", "pv", "pat")
    )
    await rm.add_member(alice, SLUG, "bruno", "trinome")
    axe = await rm.create_axe(alice, SLUG, "Premier axe")
    await act.create_action(
        alice,
        SLUG,
        act.ActionInput(
            title="Diagnostic",
            pilot_service="pv",
            axe_ref=axe.ref,
            owner_login="alice",
            status="en_cours",
            start_date="2026-01-05",
            end_date="2026-03-31",
            contributors=["pat"],
        ),
    )
    await act.create_action(
        alice,
        SLUG,
        act.ActionInput(
            title="Jardins",
            pilot_service="pat",
            owner_login="bruno",
            status="a_lancer",
            start_date="2026-04-01",
            end_date="2026-10-31",
            depends_on=["A1"],
        ),
    )
    await jal.create_jalon(
        alice,
        SLUG,
        jal.JalonInput(
            title="COPIL de fin",
            date="2026-11-30",
            kind="copil",
            invited_services=["ddets"],
            invited_people=["bruno"],
            depends_on=["A2"],
        ),
    )
    # A second roadmap: out of the first one's graph, in the graph of all.
    await rm.create_roadmap(
        alice, rm.RoadmapInput("autre", "Autre", "Ailleurs", "2027-06-30", "pv", "sante")
    )
    await act.create_action(alice, "autre", act.ActionInput(title="Seule", pilot_service="sante"))
    # The instruction workflow is its own issue: its rows are made through the models here.
    territoire = await Territoire.create(code="t", name="Territoire")
    campagne = await Campagne.create(
        territoire=territoire,
        year=2026,
        title="AAP 2026",
        opens_on=date(2026, 1, 1),
        closes_on=date(2026, 2, 28),
    )
    a2 = await act.action_by_ref(await rm.Roadmap.get(slug=SLUG), "A2")
    dossier = await Dossier.create(
        campagne=campagne,
        ref="D-2026-001",
        porteur="Les Jardins du Canourgues",
        title="Jardin partagé",
        action=a2,  # no roadmap: found through its action
        amount_asked="12500.50",
        state="en_instruction",
        avis_deadline=date(2026, 3, 15),
    )
    services = {s: await ref.service_by_code(s) for s in ("pv", "pat", "ddets")}
    await DossierInstructor.create(dossier=dossier, service=services["pv"])
    await DossierInstructor.create(dossier=dossier, service=services["ddets"])
    await FinancementLine.create(dossier=dossier, financeur=services["pat"], asked="5000")
    return alice


async def test_builder_reads_every_node_and_edge(db: DatabaseLocation) -> None:
    await seed()
    g = await build_graph(SLUG)
    A1, A2, J1 = m.action_id(SLUG, "A1"), m.action_id(SLUG, "A2"), m.jalon_id(SLUG, "J1")
    D1, S, P = m.dossier_id("D-2026-001"), m.service_id, m.person_id
    assert set(g.nodes) == {
        m.destination_id(SLUG), A1, A2, J1, D1,
        S("pv"), S("pat"), S("ddets"), S("sante"), P("alice"), P("bruno"),
    }  # fmt: skip
    assert set(g.edges(keys=True)) == {
        (A2, A1, m.DEPENDS_ON),
        (J1, A2, m.DEPENDS_ON),
        (S("pv"), A1, m.PILOTS),
        (S("pat"), A1, m.CONTRIBUTES),
        (P("alice"), A1, m.OWNS),
        (S("pat"), A2, m.PILOTS),
        (P("bruno"), A2, m.OWNS),
        (S("ddets"), J1, m.INVITED_TO),
        (P("bruno"), J1, m.INVITED_TO),
        (S("pv"), D1, m.INSTRUCTS),
        (S("ddets"), D1, m.INSTRUCTS),
        (S("pat"), D1, m.FINANCES),
        (D1, A2, m.CONCERNS),
        (P("alice"), m.destination_id(SLUG), m.MEMBER_OF),
        (P("bruno"), m.destination_id(SLUG), m.MEMBER_OF),
        (P("alice"), S("pv"), m.MEMBER_OF),
        (P("bruno"), S("pat"), m.MEMBER_OF),
    }
    a1 = g.nodes[A1]
    assert (a1["start"], a1["end"], a1["status"], a1["pilot"], a1["owner"], a1["axe"]) == (
        "2026-01-05", "2026-03-31", "en_cours", "pv", "alice", "AX1",
    )  # fmt: skip
    assert g.nodes[J1]["date"] == "2026-11-30" and g.nodes[J1]["jalon_kind"] == "copil"
    assert g.nodes[D1]["amount_asked"] == "12500.50" and g.nodes[D1]["roadmap"] == SLUG
    assert g.nodes[m.destination_id(SLUG)]["date"] == "2026-12-31"
    assert g.nodes[S("ddets")]["side"] == "etat"
    assert g.edges[S("pat"), D1, m.FINANCES]["asked"] == "5000.00"
    roles = {u: d["role"] for u, v, d in g.in_edges(m.destination_id(SLUG), data=True)}
    assert roles == {P("alice"): "trinome", P("bruno"): "trinome"}
    for _, attrs in g.nodes(data=True):  # GraphML-ready: no None anywhere
        assert None not in attrs.values()


async def test_graph_of_all_roadmaps_and_unknown_slug(db: DatabaseLocation) -> None:
    await seed()
    everything = await build_graph()
    assert m.action_id("autre", "A1") in everything
    assert m.action_id(SLUG, "A1") in everything
    with pytest.raises(NotFound, match="introuvable"):
        await build_graph("absente")


async def test_margins_and_review_from_the_database(db: DatabaseLocation) -> None:
    alice = await seed()
    margins = await margins_for_roadmap(SLUG, today=date(2026, 1, 1))
    # J1 (30/11) may reach the horizon (31/12): 31. A2 (01/04→31/10, 213 days) may end
    # 31/12: 61, so start 01/06 at the latest; A1 ends 31/03: 62.
    assert margins == {"A1": 62, "A2": 61, "J1": 31}
    review = await review_roadmap(alice, SLUG, today=date(2026, 1, 1))
    assert [m.short_ref(n) for n in review.schedule.critical_path] == ["A1", "A2", "J1", SLUG]
    assert review.alliance.absent == [m.service_id("sante")]
    assert review.alliance.actions_both == 1


async def test_unknown_login_reads_the_graph(db: DatabaseLocation) -> None:
    """Issue 2: lecteurs and unknown users read only (reading the graph is reading)."""
    await seed()
    graph = await read_graph(Actor(login="visiteur"), SLUG)
    assert graph.number_of_nodes() > 5


async def test_report_on_both_backends(db: DatabaseLocation, tmp_path: Path) -> None:
    alice = await seed()
    jalon = await jal.jalon_by_ref(await rm.Roadmap.get(slug=SLUG), "J1")
    await jal.reroute_jalon(
        alice, SLUG, "J1", jalon.version, "2026-12-15", "Salle indisponible", "contrainte"
    )
    path, picture = await write_report(alice, SLUG, tmp_path / "copil.md", today=date(2026, 1, 2))
    text = path.read_text(encoding="utf-8")
    assert "| J1 | date | 30/11/2026 → 15/12/2026 | Contrainte | Salle indisponible |" in text
    assert "D-2026-001" in text and "Les Jardins du Canourgues" in text
    assert "**A1 → A2 → J1 → point d'arrivée**" in text
    assert picture is not None and picture.exists()
