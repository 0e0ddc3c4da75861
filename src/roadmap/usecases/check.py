"""Health alerts of a roadmap: what `roadmap check` prints and the dashboard shows."""

from __future__ import annotations

from datetime import date

from roadmap.domain.enums import ActionStatus, JalonStatus, RoadmapStatus, Role, Side
from roadmap.formatting import date_short, plural
from roadmap.models import Action, Dependency, Jalon, Membership, Roadmap
from roadmap.usecases.alert import Alert, Level
from roadmap.usecases.base import get_roadmap
from roadmap.usecases.instruction_alerts import instruction_alerts
from roadmap.usecases.roadmaps import MAX_TRINOME


async def check_roadmap(slug: str, *, today: date | None = None) -> list[Alert]:
    roadmap = await get_roadmap(slug)
    today = today or date.today()
    alerts: list[Alert] = []

    def add(level: Level, code: str, message: str, ref: str = "") -> None:
        alerts.append(Alert(level, code, message, slug, ref))

    team = await Membership.filter(roadmap_id=roadmap.id).values_list("role", "side")
    trinome_sides = [side for role, side in team if role == Role.TRINOME]
    if len(trinome_sides) < MAX_TRINOME:
        add(
            Level.AVERTISSEMENT,
            "trinome-incomplet",
            f"trinôme incomplet : {plural(len(trinome_sides), 'membre')} sur {MAX_TRINOME}",
        )
    for side in (Side.POLITIQUE_DE_LA_VILLE, Side.DROIT_COMMUN):
        if side not in trinome_sides:
            add(
                Level.ERREUR,
                "trinome-cote-absent",
                f"aucun membre du trinôme côté {side.label.lower()}",
            )
        if not any(role == Role.DIRECTION and s == side for role, s in team):
            add(
                Level.AVERTISSEMENT,
                "portage-absent",
                f"pas de portage : aucun membre de la direction côté {side.label.lower()}",
            )

    actions = (
        await Action.filter(roadmap_id=roadmap.id)
        .order_by("id")
        .values("id", "ref", "title", "status", "owner_id", "end_date")
    )
    status_of = {a["id"]: ActionStatus(a["status"]) for a in actions}
    for a in actions:
        status = status_of[a["id"]]
        if not status.is_open:
            continue
        if a["owner_id"] is None:
            add(
                Level.AVERTISSEMENT,
                "action-sans-responsable",
                f"action sans responsable : {a['title']}",
                a["ref"],
            )
        if a["end_date"] and a["end_date"] < today:
            add(
                Level.AVERTISSEMENT,
                "action-en-retard",
                f"échéance dépassée le {date_short(a['end_date'])} : {a['title']}",
                a["ref"],
            )
    for action_ref, on_ref, on_status in await Dependency.filter(
        roadmap_id=roadmap.id, action_id__not_isnull=True, on_action_id__not_isnull=True
    ).values_list("action__ref", "on_action__ref", "on_action__status"):
        if on_status == ActionStatus.ABANDONNEE:
            add(
                Level.AVERTISSEMENT,
                "depend-d-une-action-abandonnee",
                f"{action_ref} dépend de {on_ref}, abandonnée",
                action_ref,
            )

    for code, message, ref in await _contradicted(roadmap.id):
        add(Level.AVERTISSEMENT, code, message, ref)
    for j in await Jalon.filter(roadmap_id=roadmap.id).order_by("current_date", "id"):
        if j.status == JalonStatus.PREVU and j.current_date < today:
            add(
                Level.ERREUR,
                "jalon-depasse",
                "jalon dépassé sans être tenu ni reporté : "
                f"{j.title} ({date_short(j.current_date)})",
                j.ref,
            )
        if j.current_date > roadmap.horizon:
            add(
                Level.ERREUR,
                "jalon-apres-horizon",
                f"jalon après l'horizon ({date_short(roadmap.horizon)}) : {j.title}",
                j.ref,
            )
    alerts.extend(await instruction_alerts(slug, today=today))
    return alerts


async def contradicted_dependencies(slug: str) -> list[str]:
    """« A6 commence le …, avant la fin de A5 … » for every contradicted dependency."""
    roadmap = await get_roadmap(slug)
    return [message for _code, message, _ref in await _contradicted(roadmap.id)]


async def _contradicted(roadmap_id: int) -> list[tuple[str, str, str]]:
    """Dependencies whose stored dates contradict them (a re-routing that kept the
    dependents' dates, an import, an edit): (code, message, ref of the dependent)."""
    rows = await Dependency.filter(roadmap_id=roadmap_id).values_list(
        "action__ref", "action__start_date", "action__end_date", "action__status",
        "jalon__ref", "jalon__current_date", "jalon__status",
        "on_action__ref", "on_action__start_date", "on_action__end_date", "on_action__status",
        "on_jalon__ref", "on_jalon__current_date", "on_jalon__status",
    )  # fmt: skip
    finished = {
        ActionStatus.TERMINEE,
        ActionStatus.ABANDONNEE,
        JalonStatus.TENU,
        JalonStatus.ANNULE,
    }
    found = []
    for a_ref, a_start, a_end, a_st, j_ref, j_day, j_st, *prerequisite in rows:
        on_a, on_a_start, on_a_end, on_a_st, on_j, on_j_day, on_j_st = prerequisite
        ref, start, status = (a_ref, a_start or a_end, a_st) if a_ref else (j_ref, j_day, j_st)
        on, end, on_status = (
            (on_a, on_a_end or on_a_start, on_a_st) if on_a else (on_j, on_j_day, on_j_st)
        )
        if status in finished or on_status in (ActionStatus.ABANDONNEE, JalonStatus.ANNULE):
            continue
        if start and end and _day(start) < _day(end):
            found.append((
                "dependance-contredite",
                f"{ref} commence le {date_short(_day(start))}, avant la fin de {on} "
                f"dont {'elle' if a_ref else 'il'} dépend ({date_short(_day(end))})",
                str(ref),
            ))  # fmt: skip
    return sorted(found, key=lambda x: x[2])


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def check_all(*, today: date | None = None) -> list[Alert]:
    slugs = (
        await Roadmap.filter(status=RoadmapStatus.ACTIVE)
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    alerts: list[Alert] = []
    for slug in slugs:
        alerts.extend(await check_roadmap(str(slug), today=today))
    return alerts
