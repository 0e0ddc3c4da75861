"""Read models for the screens and the CLI: plain dataclasses, no ORM objects leak out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from tortoise import connections

from roadmap.domain.enums import (
    ActionStatus,
    AdjustmentKind,
    JalonKind,
    JalonStatus,
    RoadmapStatus,
    Role,
    Side,
)
from roadmap.domain.errors import NotFound
from roadmap.models import (
    Action,
    ActionQpv,
    Adjustment,
    Axe,
    Comment,
    Engagement,
    Indicator,
    IndicatorValue,
    Jalon,
    JalonInvite,
    JournalEntry,
    Membership,
    Person,
    Qpv,
    QualitativeRecord,
    Roadmap,
    Service,
)
from roadmap.usecases import action_rows
from roadmap.usecases import dependencies as deps
from roadmap.usecases.action_rows import ActionRow
from roadmap.usecases.base import get_roadmap, role_in
from roadmap.usecases.home import RoadmapSummary
from roadmap.usecases.identity import Actor


async def list_my_roadmaps(actor: Actor, *, include_archived: bool = True) -> list[RoadmapSummary]:
    """The roadmaps the actor belongs to (all of them for nobody: an empty list)."""
    from roadmap.usecases.check import check_roadmap

    if actor.person_id is None:
        return []
    roles = dict(
        await Membership.filter(person_id=actor.person_id).values_list("roadmap_id", "role")
    )
    query = Roadmap.filter(id__in=list(roles))
    if not include_archived:
        query = query.filter(status=RoadmapStatus.ACTIVE)
    result = []
    for roadmap in await query.order_by("slug"):
        counts = _all_axes(await status_counts(roadmap.id))
        alerts = await check_roadmap(roadmap.slug)
        result.append(
            RoadmapSummary(
                slug=roadmap.slug,
                title=roadmap.title,
                destination=roadmap.destination,
                horizon=roadmap.horizon,
                status=RoadmapStatus(roadmap.status),
                role=Role(roles[roadmap.id]),
                progress=progress_of_counts(counts),
                action_count=sum(counts.values()),
                alert_count=len(alerts),
                version=roadmap.version,
            )
        )
    return result


@dataclass(frozen=True)
class MemberRow:
    login: str
    name: str
    email: str
    service_code: str
    service_name: str
    role: Role
    side: Side
    version: int


async def members(slug: str) -> list[MemberRow]:
    roadmap = await get_roadmap(slug)
    rows = await Membership.filter(roadmap_id=roadmap.id).values(
        "person__login",
        "person__name",
        "person__email",
        "person__service__code",
        "person__service__name",
        "role",
        "side",
        "version",
    )
    order = {r: i for i, r in enumerate(Role)}
    members_ = [
        MemberRow(
            login=r["person__login"],
            name=r["person__name"],
            email=r["person__email"],
            service_code=r["person__service__code"] or "",
            service_name=r["person__service__name"] or "",
            role=Role(r["role"]),
            side=Side(r["side"]),
            version=r["version"],
        )
        for r in rows
    ]
    return sorted(members_, key=lambda m: (order[m.role], m.name))


@dataclass(frozen=True)
class AxeProgress:
    ref: str
    title: str
    description: str
    position: int
    action_count: int
    done_count: int
    progress: float
    version: int


async def status_counts(roadmap_id: int) -> dict[int | None, dict[str, int]]:
    """How many actions of each status, per axe (None: no axe), statuses in the order of
    their first action. Counted by the database: at 10,000 actions the ORM's rows, each
    status made an enum, cost tens of milliseconds of the event loop (issue 15)."""
    _, rows = await connections.get("default").execute_query(
        "SELECT axe_id, status, COUNT(*) FROM action "
        f"WHERE roadmap_id = {int(roadmap_id)} GROUP BY axe_id, status ORDER BY MIN(id)"
    )
    counts: dict[int | None, dict[str, int]] = {}
    for axe_id, status, count in rows:
        counts.setdefault(axe_id, {})[str(status)] = int(count)
    return counts


def _all_axes(counts: dict[int | None, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for by_status in counts.values():
        for status, count in by_status.items():
            total[status] = total.get(status, 0) + count
    return total


def progress_of_counts(counts: dict[str, int]) -> float:
    """``home.progress_of`` from the counts: done among the non-abandoned (0..1)."""
    counted = sum(counts.values()) - counts.get(ActionStatus.ABANDONNEE, 0)
    return counts.get(ActionStatus.TERMINEE, 0) / counted if counted else 0.0


async def axes(slug: str) -> list[AxeProgress]:
    roadmap = await get_roadmap(slug)
    return await _axes_of(roadmap.id, await status_counts(roadmap.id))


async def _axes_of(roadmap_id: int, counts: dict[int | None, dict[str, int]]) -> list[AxeProgress]:
    return [
        AxeProgress(
            ref=a.ref,
            title=a.title,
            description=a.description,
            position=a.position,
            action_count=sum(counts.get(a.id, {}).values()),
            done_count=counts.get(a.id, {}).get(ActionStatus.TERMINEE, 0),
            progress=progress_of_counts(counts.get(a.id, {})),
            version=a.version,
        )
        for a in await Axe.filter(roadmap_id=roadmap_id).order_by("position", "id")
    ]


async def list_actions(
    slug: str, *, ref: str | None = None, limit: int | None = None
) -> list[ActionRow]:
    """Every action of the roadmap (or the one ``ref``; or the first ``limit``), in order.

    Plain SQL: Tortoise's ``values()`` costs 8-19x raw SQL on large tables (RISKS 19) and
    the Actions screen must show 10,000 actions about as fast as 50: it asks for a
    screenful first (``limit``), then for the rest. The statements are ``action_rows``',
    shared with the quick read made before Tortoise is loaded.
    """
    roadmap = await get_roadmap(slug)
    conn = connections.get("default")
    # Integers from our own row are inlined; the one user value goes through a check.
    where = f"a.roadmap_id = {int(roadmap.id)}"
    if ref is not None:
        clean = ref.strip().upper()
        if not clean.isalnum():
            return []
        where += f" AND a.ref = '{clean}'"
    _, rows = await conn.execute_query(action_rows.rows_sql(where, limit))
    _, contributor_rows = await conn.execute_query(action_rows.contributors_sql(where, rows, limit))
    return action_rows.build_rows(rows, contributor_rows)


@dataclass(frozen=True)
class AdjustmentRow:
    target: str  # A…/J… ref, or the roadmap slug for the horizon
    field: str
    old_value: str
    new_value: str
    reason: str
    kind: AdjustmentKind
    author: str
    created_at: datetime
    cause: str = ""  # ref of the item whose move pushed this one (empty: moved by hand)

    @property
    def why(self) -> str:
        """The reason, with what pushed the item when it was shifted along."""
        return f"entraîné par {self.cause} : {self.reason}" if self.cause else self.reason


async def _adjustments(**filters: object) -> list[AdjustmentRow]:
    rows = (
        await Adjustment.filter(**filters)
        .order_by("created_at", "id")
        .values(
            "action__ref",
            "jalon__ref",
            "roadmap__slug",
            "field",
            "old_value",
            "new_value",
            "reason",
            "kind",
            "author",
            "created_at",
            "cause",
        )
    )
    return [
        AdjustmentRow(
            target=r["action__ref"] or r["jalon__ref"] or r["roadmap__slug"],
            field=r["field"],
            old_value=r["old_value"],
            new_value=r["new_value"],
            reason=r["reason"],
            kind=AdjustmentKind(r["kind"]),
            author=r["author"],
            created_at=r["created_at"],
            cause=r["cause"] or "",
        )
        for r in rows
    ]


async def adjustments(slug: str) -> list[AdjustmentRow]:
    roadmap = await get_roadmap(slug)
    return await _adjustments(roadmap_id=roadmap.id)


@dataclass(frozen=True)
class EngagementRow:
    id: int
    service_code: str
    kind: str
    amount: Decimal
    period_start: date | None
    period_end: date | None
    description: str
    version: int = 0


@dataclass(frozen=True)
class CommentRow:
    kind: str
    text: str
    author: str
    created_at: datetime
    about: str


@dataclass(frozen=True)
class ActionDetail:
    row: ActionRow
    description: str
    pillar: str | None
    qpvs: tuple[str, ...]
    depends_on: tuple[str, ...]
    dependents: tuple[str, ...]
    engagements: tuple[EngagementRow, ...]
    adjustments: tuple[AdjustmentRow, ...]
    comments: tuple[CommentRow, ...]


async def action_detail(slug: str, ref: str) -> ActionDetail:
    roadmap = await get_roadmap(slug)
    action = await Action.get_or_none(roadmap_id=roadmap.id, ref=ref.strip().upper())
    if action is None:
        raise NotFound(f"action « {ref} » introuvable dans {slug}", field="action")
    [row] = await list_actions(slug, ref=action.ref)
    dependents = await _dependents(("action", action.id))
    return ActionDetail(
        row=row,
        description=action.description,
        pillar=action.pillar.value if action.pillar else None,
        qpvs=tuple(
            sorted(await ActionQpv.filter(action_id=action.id).values_list("qpv__code", flat=True))
        ),  # type: ignore[arg-type]
        depends_on=tuple(await deps.prerequisites_of(("action", action.id))),
        dependents=tuple(dependents),
        engagements=tuple(
            EngagementRow(
                id=e["id"],
                service_code=e["service__code"],
                kind=e["kind"],
                amount=e["amount"],
                period_start=e["period_start"],
                period_end=e["period_end"],
                description=e["description"],
                version=e["version"],
            )
            for e in await Engagement.filter(action_id=action.id)
            .order_by("id")
            .values(
                "id",
                "service__code",
                "kind",
                "amount",
                "period_start",
                "period_end",
                "description",
                "version",
            )
        ),
        adjustments=tuple(await _adjustments(action_id=action.id)),
        comments=tuple(await _comments(action_id=action.id)),
    )


async def _dependents(node: deps.Node) -> list[str]:
    from roadmap.models import Dependency

    key = "on_action_id" if node[0] == "action" else "on_jalon_id"
    rows = await Dependency.filter(**{key: node[1]}).values_list("action__ref", "jalon__ref")
    return sorted(str(a or j) for a, j in rows)


async def _comments(**filters: object) -> list[CommentRow]:
    rows = (
        await Comment.filter(**filters)
        .order_by("created_at", "id")
        .values("kind", "text", "author", "created_at", "action__ref", "jalon__ref")
    )
    return [
        CommentRow(
            kind=r["kind"],
            text=r["text"],
            author=r["author"],
            created_at=r["created_at"],
            about=r["action__ref"] or r["jalon__ref"] or "",
        )
        for r in rows
    ]


async def comments(slug: str) -> list[CommentRow]:
    roadmap = await get_roadmap(slug)
    return await _comments(roadmap_id=roadmap.id)


@dataclass(frozen=True)
class JalonRow:
    ref: str
    title: str
    kind: JalonKind
    planned_date: date
    current_date: date
    status: JalonStatus
    description: str
    invited_services: tuple[str, ...]
    invited_people: tuple[str, ...]
    depends_on: tuple[str, ...]
    reroute_count: int
    version: int

    @property
    def slip_days(self) -> int:
        return (self.current_date - self.planned_date).days


async def list_jalons(slug: str) -> list[JalonRow]:
    """Jalons in chronological order of their current date."""
    roadmap = await get_roadmap(slug)
    invites: dict[int, tuple[list[str], list[str]]] = {}
    for jalon_id, code, login in await JalonInvite.filter(jalon__roadmap_id=roadmap.id).values_list(
        "jalon_id", "service__code", "person__login"
    ):
        services, people = invites.setdefault(jalon_id, ([], []))
        if code:
            services.append(code)
        if login:
            people.append(login)
    reroutes = Counter(
        await Adjustment.filter(roadmap_id=roadmap.id, jalon_id__not_isnull=True).values_list(
            "jalon_id", flat=True
        )
    )
    prerequisites: dict[int, list[str]] = {}
    from roadmap.models import Dependency

    for jalon_id, on_action, on_jalon in await Dependency.filter(
        roadmap_id=roadmap.id, jalon_id__not_isnull=True
    ).values_list("jalon_id", "on_action__ref", "on_jalon__ref"):
        prerequisites.setdefault(jalon_id, []).append(on_action or on_jalon)
    result = []
    for j in await Jalon.filter(roadmap_id=roadmap.id).order_by("current_date", "id"):
        services, people = invites.get(j.id, ([], []))
        result.append(
            JalonRow(
                ref=j.ref,
                title=j.title,
                kind=JalonKind(j.kind),
                planned_date=j.planned_date,
                current_date=j.current_date,
                status=JalonStatus(j.status),
                description=j.description,
                invited_services=tuple(sorted(services)),
                invited_people=tuple(sorted(people)),
                depends_on=tuple(sorted(prerequisites.get(j.id, []))),
                reroute_count=reroutes[j.id],
                version=j.version,
            )
        )
    return result


@dataclass(frozen=True)
class JalonDetail:
    row: JalonRow
    adjustments: tuple[AdjustmentRow, ...]
    dependents: tuple[str, ...]
    comments: tuple[CommentRow, ...]


async def jalon_detail(slug: str, ref: str) -> JalonDetail:
    roadmap = await get_roadmap(slug)
    jalon = await Jalon.get_or_none(roadmap_id=roadmap.id, ref=ref.strip().upper())
    if jalon is None:
        raise NotFound(f"jalon « {ref} » introuvable dans {slug}", field="jalon")
    row = next(r for r in await list_jalons(slug) if r.ref == jalon.ref)
    return JalonDetail(
        row=row,
        adjustments=tuple(await _adjustments(jalon_id=jalon.id)),
        dependents=tuple(await _dependents(("jalon", jalon.id))),
        comments=tuple(await _comments(jalon_id=jalon.id)),
    )


@dataclass(frozen=True)
class JournalRow:
    at: datetime
    actor: str
    entity: str
    ref: str
    operation: str
    field: str
    old_value: str
    new_value: str
    reason: str
    actor_name: str = ""  # the person's name when the login is known

    @property
    def who(self) -> str:
        return self.actor_name or self.actor


async def names_of(logins: set[str]) -> dict[str, str]:
    """login → name for the people among ``logins`` (one query)."""
    if not logins:
        return {}
    rows = await Person.filter(login__in=sorted(logins)).values_list("login", "name")
    return {str(login): str(name) for login, name in rows}


async def journal_entries(
    slug: str | None,
    *,
    actor: str | None = None,
    entity: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
) -> list[JournalRow]:
    """Newest first. ``until`` is inclusive (the whole day)."""
    query = JournalEntry.all()
    if slug is not None:
        query = query.filter(roadmap_slug=slug)
    if actor:
        query = query.filter(actor=actor)
    if entity:
        query = query.filter(entity=entity)
    if since:
        query = query.filter(at__gte=datetime.combine(since, datetime.min.time()).astimezone())
    if until:
        query = query.filter(at__lt=datetime.combine(until, datetime.max.time()).astimezone())
    rows = (
        await query.order_by("-id")
        .limit(limit)
        .values(
            "at",
            "actor",
            "entity",
            "entity_ref",
            "operation",
            "field",
            "old_value",
            "new_value",
            "reason",
        )
    )
    names = await names_of({r["actor"] for r in rows})
    return [
        JournalRow(
            at=r["at"],
            actor=r["actor"],
            actor_name=names.get(r["actor"], ""),
            entity=r["entity"],
            ref=r["entity_ref"],
            operation=r["operation"],
            field=r["field"],
            old_value=r["old_value"],
            new_value=r["new_value"],
            reason=r["reason"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class IndicatorValueRow:
    observed_on: date
    value: Decimal
    comment: str
    author: str


@dataclass(frozen=True)
class IndicatorRow:
    ref: str
    name: str
    unit: str
    axe_ref: str
    description: str
    values: tuple[IndicatorValueRow, ...]
    version: int = 0  # for the edit form (compare-and-set)


async def indicators(slug: str) -> list[IndicatorRow]:
    roadmap = await get_roadmap(slug)
    values: dict[int, list[IndicatorValueRow]] = {}
    for r in (
        await IndicatorValue.filter(indicator__roadmap_id=roadmap.id)
        .order_by("observed_on", "id")
        .values("indicator_id", "observed_on", "value", "comment", "author")
    ):
        values.setdefault(r["indicator_id"], []).append(
            IndicatorValueRow(r["observed_on"], r["value"], r["comment"], r["author"])
        )
    return [
        IndicatorRow(
            ref=i["ref"],
            name=i["name"],
            unit=i["unit"],
            axe_ref=i["axe__ref"] or "",
            description=i["description"],
            values=tuple(values.get(i["id"], [])),
            version=i["version"],
        )
        for i in await Indicator.filter(roadmap_id=roadmap.id)
        .order_by("id")
        .values("id", "ref", "name", "unit", "axe__ref", "description", "version")
    ]


@dataclass(frozen=True)
class RecordRow:
    observed_on: date
    text: str
    source: str
    axe_ref: str
    author: str


async def records(slug: str) -> list[RecordRow]:
    roadmap = await get_roadmap(slug)
    return [
        RecordRow(r["observed_on"], r["text"], r["source"], r["axe__ref"] or "", r["author"])
        for r in await QualitativeRecord.filter(roadmap_id=roadmap.id)
        .order_by("-observed_on", "-id")
        .values("observed_on", "text", "source", "axe__ref", "author")
    ]


@dataclass(frozen=True)
class Choice:
    """One entry of a form's list: the stored key and what the user reads."""

    key: str
    label: str


@dataclass(frozen=True)
class FormChoices:
    services: tuple[Choice, ...]
    people: tuple[Choice, ...]
    members: tuple[Choice, ...]
    axes: tuple[Choice, ...]
    actions: tuple[Choice, ...]
    jalons: tuple[Choice, ...]
    qpvs: tuple[Choice, ...]


async def choices(slug: str) -> FormChoices:
    """Everything a create/edit form offers in its lists."""
    roadmap = await get_roadmap(slug)
    member_logins = set(
        await Membership.filter(roadmap_id=roadmap.id).values_list("person__login", flat=True)
    )
    people = await Person.filter(active=True).order_by("name").values_list("login", "name")
    return FormChoices(
        services=tuple(
            Choice(c, f"{n} ({c})")
            for c, n in await Service.filter(archived=False)
            .order_by("name")
            .values_list("code", "name")
        ),
        people=tuple(Choice(login, name) for login, name in people),
        members=tuple(Choice(login, name) for login, name in people if login in member_logins),
        axes=tuple(
            Choice(r, t)
            for r, t in await Axe.filter(roadmap_id=roadmap.id)
            .order_by("position", "id")
            .values_list("ref", "title")
        ),
        actions=tuple(
            Choice(r, f"{r} {t}")
            for r, t in await Action.filter(roadmap_id=roadmap.id)
            .order_by("id")
            .values_list("ref", "title")
        ),
        jalons=tuple(
            Choice(r, f"{r} {t}")
            for r, t in await Jalon.filter(roadmap_id=roadmap.id)
            .order_by("current_date", "id")
            .values_list("ref", "title")
        ),
        qpvs=tuple(
            Choice(c, f"{n} ({c})")
            for c, n in await Qpv.all().order_by("name").values_list("code", "name")
        ),
    )


@dataclass(frozen=True)
class SideSponsors:
    side: Side
    service_code: str
    service_name: str
    trinome: tuple[str, ...]
    direction: tuple[str, ...]


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    destination: str
    horizon: date
    status: RoadmapStatus
    role: Role | None
    version: int
    progress: float
    sides: tuple[SideSponsors, ...]
    others: tuple[MemberRow, ...]
    axes: tuple[AxeProgress, ...]
    next_jalons: tuple[JalonRow, ...]
    alerts: tuple  # tuple[check.Alert, ...]
    last_entries: tuple[JournalRow, ...]
    status_counts: dict[str, int] = field(default_factory=dict)


async def dashboard(actor: Actor, slug: str, *, today: date | None = None) -> Dashboard:
    from roadmap.usecases.check import check_roadmap

    roadmap = await get_roadmap(slug)
    today = today or date.today()
    team = await members(slug)
    pv = await Service.get(id=roadmap.pv_service_id)  # type: ignore[attr-defined]
    dc = await Service.get(id=roadmap.dc_service_id)  # type: ignore[attr-defined]

    def sponsors(side: Side, service: Service) -> SideSponsors:
        on_side = [m for m in team if m.side == side]
        return SideSponsors(
            side=side,
            service_code=service.code,
            service_name=service.name,
            trinome=tuple(m.name for m in on_side if m.role == Role.TRINOME),
            direction=tuple(m.name for m in on_side if m.role == Role.DIRECTION),
        )

    counts = await status_counts(roadmap.id)
    statuses = _all_axes(counts)
    upcoming = [
        j
        for j in await list_jalons(slug)
        if j.current_date >= today and j.status == JalonStatus.PREVU
    ]
    return Dashboard(
        slug=slug,
        title=roadmap.title,
        destination=roadmap.destination,
        horizon=roadmap.horizon,
        status=RoadmapStatus(roadmap.status),
        role=await role_in(actor, roadmap),
        version=roadmap.version,
        progress=progress_of_counts(statuses),
        sides=(sponsors(Side.POLITIQUE_DE_LA_VILLE, pv), sponsors(Side.DROIT_COMMUN, dc)),
        others=tuple(
            m for m in team if m.side == Side.AUTRE or m.role not in (Role.TRINOME, Role.DIRECTION)
        ),
        axes=tuple(await _axes_of(roadmap.id, counts)),
        next_jalons=tuple(upcoming[:5]),
        alerts=tuple(await check_roadmap(slug, today=today)),
        last_entries=tuple(await journal_entries(slug, limit=8)),
        status_counts=statuses,
    )
