"""Issue 11: the dashboard's risk lines, one per kind, on a roadmap crafted by hand."""

from __future__ import annotations

from datetime import date

from roadmap.graph import model as m
from roadmap.usecases.risks import risks_of

from .helpers import SLUG, Sketch

TODAY = date(2026, 3, 1)


def crafted() -> Sketch:
    s = Sketch(horizon="2026-06-30")
    s.service("pv", m.PV)
    s.person("lea", "pv")
    s.person("tom", "pv")
    s.action("A1", "2026-01-01", "2026-02-10", pilot="pv", owner="lea")  # late: due 10/02
    s.action("A2", "2026-02-11", "2026-05-31", pilot="pv", owner="lea", after=("A1",))
    s.action("A3", "2026-01-01", "2026-01-31", pilot="pv", owner="lea", status="abandonnee")
    s.action("A4", "2026-04-01", "2026-06-30", pilot="pv", owner="lea", after=("A3",))
    s.action("A5", "2026-05-01", "2026-06-29", pilot="pv", after=("A2",))  # nobody: no owner
    for n in range(6, 12):  # lea: 9 open actions, above the 5 of the thresholds
        s.action(f"A{n}", "2026-04-01", "2026-04-30", pilot="pv", owner="lea")
    s.jalon("J1", "2026-02-15")  # past, never held
    s.jalon("J2", "2026-02-20", status="tenu")  # past and held: fine
    s.jalon("J3", "2026-06-30", after=("A5",))
    return s


def test_each_risk_has_its_line_leading_to_its_item() -> None:
    risks = risks_of(crafted().g, SLUG, TODAY)
    lines = [(r.kind, r.target) for r in risks]
    assert lines[0] == ("destination", "revue")  # where the plan lands, first
    assert "en retard de" in risks[0].message and risks[0].severity == "erreur"
    assert ("bloquee", "action:A2") in lines  # waits for A1, late
    assert ("bloquee", "action:A4") in lines  # waits for A3, abandoned
    assert ("jalon_en_retard", "jalon:J1") in lines
    assert ("jalon_en_retard", "jalon:J2") not in lines
    assert ("sans_responsable", "action:A5") in lines
    assert ("surcharge", "person:lea") in lines and ("surcharge", "person:tom") not in lines
    text = {r.target: r.message for r in risks}
    assert text["action:A2"].startswith("A2 bloquée : attend A1 en retard de 19 j")
    assert "A3 abandonnée" in text["action:A4"]
    assert text["jalon:J1"].startswith("J1 en retard de 14 j, ni tenu ni reporté")
    assert "marge" not in text["jalon:J1"]
    assert "9 actions ouvertes (seuil 5)" in text["person:lea"]


def test_a_plan_that_holds_says_so() -> None:
    s = Sketch(horizon="2026-12-31")
    s.action("A1", "2026-04-01", "2026-05-31", owner=None)
    [first, *_] = risks_of(s.g, SLUG, TODAY)
    assert first.severity == "information" and "tient (214 j de marge)" in first.message


def test_reroutings_since_the_last_copil_lead_to_their_items() -> None:
    from roadmap.graph.report import Rerouting
    from roadmap.usecases.risks import last_copil_of, reroute_risks

    s = crafted()
    s.jalon("J4", "2026-01-20", kind="copil", status="tenu")
    s.jalon("J5", "2026-02-25", kind="copil", status="tenu")
    s.jalon("J6", "2026-05-20", kind="copil")  # to come: not the last one
    assert last_copil_of(s.g, SLUG, TODAY) == ("J5", date(2026, 2, 25))

    def reroute(item: str, field: str, old: str, new: str, reason: str, day: int) -> Rerouting:
        return Rerouting(day=date(2026, 2, day), item=item, field=field, old=old, new=new,
                         kind="contrainte", reason=reason, author="lea")  # fmt: skip

    moved = [
        reroute("A2", "fin", "2026-05-31", "2026-06-15", "foncier", 26),
        reroute("J3", "date", "2026-06-30", "2026-07-10", "salle", 27),
    ]
    risks = reroute_risks(moved, "J5", date(2026, 2, 25))
    assert [(r.kind, r.target) for r in risks] == [
        ("reajustement", "jalon:J3"),
        ("reajustement", "action:A2"),
    ]
    assert risks[1].message.startswith(
        "A2 réajusté depuis le J5 du 25/02/2026 : fin 31/05/2026 → 15/06/2026 (contrainte)"
    )
    assert "foncier" in risks[1].message
