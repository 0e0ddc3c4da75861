"""Baselines: immutable, tamper-evident, and compared item by item (issue 12)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from tortoise import connections

from roadmap.domain.errors import NotFound, PermissionDenied, ValidationError
from roadmap.models import Baseline, JournalEntry
from roadmap.usecases import actions as act
from roadmap.usecases import baselines as bl
from roadmap.usecases import jalons as jal
from roadmap.usecases import releve as rel
from roadmap.usecases.base import clock_at
from roadmap.usecases.queries import action_detail
from tests.roles import make_admin

from .conftest import Team

T0 = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


async def _version(slug: str, ref: str) -> int:
    return (await action_detail(slug, ref)).row.version


async def _hand_built(team: Team) -> None:
    """A1 → A2 chain, A3 alone, one COPIL held; then a baseline, then the changes."""
    me, slug = team.trinome, team.slug
    with clock_at(T0):
        a1 = await act.create_action(
            me, slug, act.ActionInput("Diagnostic", "pv", None, "alice", "en_cours",
                                      "2026-05-01", "2026-10-31"),
        )  # fmt: skip
        await act.create_action(
            me, slug, act.ActionInput("Marchés", "pat", None, "bruno", "a_lancer",
                                      "2026-11-01", "2027-03-31", depends_on=[a1]),
        )  # fmt: skip
        await act.create_action(
            me, slug, act.ActionInput("Épicerie", "pat", None, "bruno", "idee",
                                      "2027-01-01", "2027-06-30"),
        )  # fmt: skip
        await act.add_engagement(me, slug, "A1", act.EngagementInput("caf", "budget", "10000"))
        j1 = await jal.create_jalon(me, slug, jal.JalonInput("COPIL 1", "2026-06-15", "copil"))
        await jal.set_jalon_status(me, slug, j1, 1, "tenu")
        await bl.create_baseline(me, slug, "COPIL juin 2026", jalon_ref=j1)
    with clock_at(T1):
        data = act.ActionInput("Diagnostic", "pv", None, "alice", "en_cours",
                               "2026-05-01", "2026-12-15")  # fmt: skip
        await act.update_action(
            me, slug, "A1", await _version(slug, "A1"), data,
            reason="Le prestataire a pris du retard", kind="contrainte",
        )  # fmt: skip
        await act.set_action_status(me, slug, "A3", await _version(slug, "A3"), "abandonnee")
        await act.set_action_status(me, slug, "A2", await _version(slug, "A2"), "en_cours")
        await act.create_action(me, slug, act.ActionInput("Cantines", "pv", None, "dora"))
        await act.add_engagement(me, slug, "A1", act.EngagementInput("caf", "budget", "2500"))


async def test_comparison_figures(team: Team) -> None:
    await _hand_built(team)
    result = await bl.compare_with(team.lecteur, team.slug, today=T1.date())
    assert result is not None and result.name == "COPIL juin 2026" and result.intact
    moved = {(m.ref, m.what): m for m in result.moved}
    a1 = moved[("A1", "fin")]
    assert (a1.before, a1.after, a1.days) == (date(2026, 10, 31), date(2026, 12, 15), 45)
    assert [r.reason for r in a1.reasons] == ["Le prestataire a pris du retard"]
    assert [r.kind for r in a1.reasons] == ["contrainte"]
    assert [i.ref for i in result.added] == ["A4"]
    assert [i.ref for i in result.abandoned] == ["A3"]
    assert [(c.ref, c.before, c.after, c.note) for c in result.statuses] == [
        ("A2", "a_lancer", "en_cours", "progresse")
    ]
    assert [(c.ref, c.before, c.after, c.note) for c in result.engagements] == [
        ("A1", "10000.00", "12500.00", "hausse")
    ]
    assert result.variance("A1", date(2026, 12, 15)) == 45
    assert result.variance("A4", None) is None
    # A1 slips 45 days, A2 waits for it: the projected finish moved, the horizon did not.
    assert result.horizon_then == result.horizon_now == date(2030, 12, 31)
    assert result.margin_then is not None and result.margin_now is not None
    labels = dict(result.counts())
    assert labels.get("décalé", 0) + labels.get("décalés", 0) >= 1 and labels["ajouté"] == 1


async def test_no_update_path_and_direct_edit_detected(team: Team, backend: str) -> None:
    await _hand_built(team)
    # No use case updates a baseline: the module offers create, list, compare, delete only.
    assert not [n for n in dir(bl) if n.startswith(("update", "edit", "set_"))]
    conn = connections.get("default")
    # The database itself refuses an UPDATE.
    with pytest.raises(Exception, match="ne se modifie pas"):
        await conn.execute_query("UPDATE baseline SET content = '{}'")
    # Someone with the file bypasses the trigger: the journal's digest tells.
    if backend == "sqlite":
        await conn.execute_script("DROP TRIGGER baseline_no_update")
    else:
        await conn.execute_script("ALTER TABLE baseline DISABLE TRIGGER baseline_no_update")
    await conn.execute_query(
        "UPDATE baseline SET content = REPLACE(content, '2026-10-31', '2026-12-15')"
    )
    (info,) = await bl.list_baselines(team.slug)
    assert not info.intact and info.state == "modifiée hors application"
    result = await bl.compare_with(team.trinome, team.slug)
    assert result is not None and not result.intact


async def test_roles_names_and_delete(team: Team) -> None:
    slug = team.slug
    with pytest.raises(PermissionDenied):
        await bl.create_baseline(team.cercle, slug, "COPIL")
    await bl.create_baseline(team.direction, slug, "COPIL")
    with pytest.raises(ValidationError, match="existe déjà"):
        await bl.create_baseline(team.trinome, slug, "COPIL")
    for not_admin in (team.trinome2, team.direction):  # deleting is an administrator's act
        with pytest.raises(PermissionDenied, match="administrateurs"):
            await bl.delete_baseline(not_admin, slug, "COPIL")
    admin = await make_admin("alice")
    with pytest.raises(NotFound, match="COPIL"):
        await bl.delete_baseline(admin, slug, "inconnue")
    await bl.delete_baseline(admin, slug, "COPIL")
    assert await Baseline.all().count() == 0
    ops = await JournalEntry.filter(entity=bl.ENTITY).values_list(
        "operation", "new_value", "old_value"
    )
    assert [o[0] for o in ops] == ["création", "suppression"]
    assert ops[0][1].startswith("sha256:") and ops[0][1] == ops[1][2]
    assert await bl.compare_with(team.trinome, slug) is None


async def test_releve_followed_up(team: Team) -> None:
    me, slug = team.trinome, team.slug
    await act.create_action(me, slug, act.ActionInput("Diagnostic", "pv"))
    j1 = await jal.create_jalon(me, slug, jal.JalonInput("COPIL 1", "2026-06-15", "copil"))
    j2 = await jal.create_jalon(me, slug, jal.JalonInput("Atelier", "2026-06-20", "atelier"))
    data = rel.ReleveInput("Lancer le diagnostic", "bruno", "2026-09-30", ("A1", j2))
    with pytest.raises(ValidationError, match="pas encore tenu"):
        await rel.add_decision(me, slug, j1, data)
    await jal.set_jalon_status(me, slug, j1, 1, "tenu")
    await jal.set_jalon_status(me, slug, j2, 1, "tenu")
    with pytest.raises(ValidationError, match="COPIL ou un COTECH"):
        await rel.add_decision(me, slug, j2, data)
    with pytest.raises(PermissionDenied):
        await rel.add_decision(team.cercle, slug, j1, data)
    ref = await rel.add_decision(me, slug, j1, data)
    (row,) = await rel.list_decisions(slug, open_only=True)
    assert (row.ref, row.carrier_login, row.links, row.done) == (ref, "bruno", ("A1", j2), False)
    assert row.late(date(2026, 10, 1)) and "en retard" in row.standing(date(2026, 10, 1))
    await rel.set_decision_status(me, slug, ref, row.version)
    assert await rel.list_decisions(slug, open_only=True) == []
    (done,) = await rel.list_decisions(slug)
    assert done.done and done.standing(date(2026, 10, 1)).startswith("faite le")
    last = await rel.last_steering_with_decisions(slug)
    assert last is not None and last[0] == j1
    assert dataclasses.replace(done, version=0).ref == ref
