"""The demo's COPIL de lancement: its baseline and its relevé de décisions.

Taken as of the COPIL's date, so the dashboard and the report of the demo open with what
moved since then (the re-routings made afterwards, with their reasons) and where each
decision stands.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from roadmap.usecases import actions as act
from roadmap.usecases import baselines as bl
from roadmap.usecases import releve as rel
from roadmap.usecases.base import clock_at
from roadmap.usecases.identity import Actor
from roadmap.usecases.queries import list_actions, list_jalons

BASELINE_NAME = "COPIL de lancement"


async def copil_baseline_and_releve(me: Actor, slug: str, today: date) -> None:
    jalons = {j.title: j for j in await list_jalons(slug)}
    actions = {a.title: a.ref for a in await list_actions(slug)}
    copil = jalons["COPIL de lancement"]
    held = datetime.combine(copil.current_date, time(17, 0), tzinfo=UTC)
    decisions = [
        (
            "Lancer l'étude d'opportunité de l'épicerie solidaire de Martigues",
            "cmartin",
            copil.current_date + timedelta(days=60),
            [actions["Étude d'opportunité d'une épicerie solidaire à Martigues"]],
        ),
        (
            "Associer la CAF au financement des chèques fruits et légumes",
            "cmartin",
            today + timedelta(days=30),
            [actions["Chèques « fruits et légumes » avec les centres sociaux"]],
        ),
        (
            "Présenter le diagnostic des cantines au COPIL annuel",
            "jrey",
            jalons["COPIL annuel"].current_date,
            [actions["Diagnostic des cantines des écoles en QPV"], jalons["COPIL annuel"].ref],
        ),
    ]
    with clock_at(held):
        await bl.create_baseline(me, slug, BASELINE_NAME, jalon_ref=copil.ref)
        refs = [
            await rel.add_decision(
                me, slug, copil.ref, rel.ReleveInput(text, who, due, tuple(links))
            )
            for text, who, due, links in decisions
        ]
    with clock_at(held + timedelta(days=55)):
        await rel.set_decision_status(me, slug, refs[0], 1)


async def after_copil(me: Actor, slug: str) -> None:
    """A change of means after the COPIL: the CAF tops up the chèques."""
    actions = {a.title: a.ref for a in await list_actions(slug)}
    await act.add_engagement(
        me,
        slug,
        actions["Chèques « fruits et légumes » avec les centres sociaux"],
        act.EngagementInput("caf", "budget", "5000", description="Complément décidé au COPIL"),
    )
