"""Relevé de décisions: what a held COPIL or COTECH decided, followed up until done.

A decision names what is to be done, who carries it out, by when, and the actions or
jalons it concerns; it stays open (on the dashboard, in the report) until marked done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from roadmap.domain import validation as v
from roadmap.domain.enums import JalonKind, JalonStatus, ReleveStatus
from roadmap.domain.errors import NotFound, ValidationError
from roadmap.domain.permissions import Capability
from roadmap.formatting import date_short
from roadmap.models import Jalon, ReleveDecision, ReleveLink, Roadmap
from roadmap.usecases import dependencies as deps
from roadmap.usecases.base import (
    authorize,
    get_roadmap,
    journal,
    next_ref,
    now,
    update_versioned,
    write_unit,
)
from roadmap.usecases.identity import Actor
from roadmap.usecases.jalons import jalon_by_ref
from roadmap.usecases.reference import person_by_login

ENTITY = "décision de COPIL"
STEERING = (JalonKind.COPIL, JalonKind.COTECH)


@dataclass(frozen=True)
class ReleveInput:
    text: str
    carrier: str = ""  # login of who carries it out
    due: str | date | None = None
    links: tuple[str, ...] = ()  # action or jalon refs


@dataclass(frozen=True)
class ReleveRow:
    ref: str
    jalon_ref: str
    jalon_title: str
    jalon_kind: JalonKind
    jalon_date: date
    text: str
    carrier_login: str
    carrier_name: str
    due_date: date | None
    status: ReleveStatus
    created_at: datetime
    created_by: str
    done_at: datetime | None
    done_by: str
    links: tuple[str, ...]
    version: int

    @property
    def done(self) -> bool:
        return self.status is ReleveStatus.FAITE

    def late(self, today: date) -> bool:
        return not self.done and self.due_date is not None and self.due_date < today

    def standing(self, today: date) -> str:
        """Where it stands, in French: « faite le … », « en retard », « ouverte »."""
        if self.done and self.done_at:
            return f"faite le {date_short(self.done_at)}"
        if self.late(today):
            return f"en retard (échéance {date_short(self.due_date)})"
        if self.due_date:
            return f"ouverte (échéance {date_short(self.due_date)})"
        return "ouverte"


def _check_steering(jalon: Jalon) -> None:
    if jalon.kind not in STEERING:
        raise ValidationError(
            f"{jalon.ref} est un jalon « {JalonKind(jalon.kind).label} » : un relevé de "
            "décisions suit un COPIL ou un COTECH",
            field="jalon",
        )
    if jalon.status != JalonStatus.TENU:
        raise ValidationError(
            f"{jalon.ref} n'est pas encore tenu : marquez-le « Tenu » avant d'y noter "
            "ses décisions",
            field="jalon",
        )


async def add_decision(actor: Actor, slug: str, jalon_ref: str, data: ReleveInput) -> str:
    """Note one decision of a held COPIL/COTECH; returns its ref (D1, D2…)."""
    text = v.text(data.text, "décision", max_length=2000)
    due = v.parse_date(data.due, "échéance")

    async def unit() -> str:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        jalon = await jalon_by_ref(roadmap, jalon_ref)
        _check_steering(jalon)
        carrier = await person_by_login(data.carrier, "porté par") if data.carrier else None
        nodes = [
            (await deps.resolve_item(roadmap, r, "actions ou jalons liés"))[0]
            for r in dict.fromkeys(x.strip().upper() for x in data.links if x.strip())
        ]
        ref = await next_ref(ReleveDecision, "D", roadmap_id=roadmap.id)
        decision = await ReleveDecision.create(
            roadmap=roadmap,
            jalon=jalon,
            ref=ref,
            text=text,
            carrier=carrier,
            due_date=due,
            created_at=now(),
            created_by=actor.login,
            updated_by=actor.login,
        )
        await ReleveLink.bulk_create(
            [
                ReleveLink(
                    decision_id=decision.id,
                    action_id=node_id if kind == "action" else None,
                    jalon_id=node_id if kind == "jalon" else None,
                )
                for kind, node_id in nodes
            ]
        )
        await journal(
            actor,
            roadmap=slug,
            entity=ENTITY,
            ref=ref,
            operation="création",
            new=text,
            reason=f"relevé de {jalon.ref} {jalon.title}",
        )
        return ref

    return await write_unit(unit)


async def set_decision_status(
    actor: Actor, slug: str, ref: str, version: int, done: bool = True
) -> int:
    """Mark a decision done (or open again); journaled, version-checked."""

    async def unit() -> int:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        decision = await _by_ref(roadmap, ref)
        status = ReleveStatus.FAITE if done else ReleveStatus.OUVERTE
        if decision.status == status:
            raise ValidationError(f"{decision.ref} est déjà « {status.label} »", field="statut")
        new_version = await update_versioned(
            ReleveDecision,
            decision.id,
            version,
            actor,
            {
                "status": status,
                "done_at": now() if done else None,
                "done_by": actor.login if done else "",
            },
        )
        await journal(
            actor,
            roadmap=slug,
            entity=ENTITY,
            ref=decision.ref,
            operation="modification",
            field="status",
            old=decision.status,
            new=status,
        )
        return new_version

    return await write_unit(unit)


async def _by_ref(roadmap: Roadmap, ref: str) -> ReleveDecision:
    found = await ReleveDecision.get_or_none(roadmap_id=roadmap.id, ref=(ref or "").strip().upper())
    if found is None:
        raise NotFound(f"décision « {ref} » introuvable dans {roadmap.slug}", field="décision")
    return found


async def list_decisions(
    slug: str, *, jalon_ref: str | None = None, open_only: bool = False
) -> list[ReleveRow]:
    """Decisions of the roadmap in the order they were taken."""
    roadmap = await get_roadmap(slug)
    query = ReleveDecision.filter(roadmap_id=roadmap.id)
    if jalon_ref:
        query = query.filter(jalon_id=(await jalon_by_ref(roadmap, jalon_ref)).id)
    if open_only:
        query = query.filter(status=ReleveStatus.OUVERTE)
    rows = await query.order_by("id").values_list(
        "id", "ref", "jalon__ref", "jalon__title", "jalon__kind", "jalon__current_date", "text",
        "carrier__login", "carrier__name", "due_date", "status", "created_at", "created_by",
        "done_at", "done_by", "version",
    )  # fmt: skip
    links: dict[int, list[str]] = {}
    for did, a, j in await ReleveLink.filter(decision__roadmap_id=roadmap.id).values_list(
        "decision_id", "action__ref", "jalon__ref"
    ):
        links.setdefault(did, []).append(str(a or j))
    return [
        ReleveRow(
            ref=str(ref),
            jalon_ref=str(jref),
            jalon_title=str(jtitle),
            jalon_kind=JalonKind(jkind),
            jalon_date=jdate,
            text=str(text),
            carrier_login=str(login or ""),
            carrier_name=str(name or ""),
            due_date=due,
            status=ReleveStatus(status),
            created_at=created_at,
            created_by=str(created_by),
            done_at=done_at,
            done_by=str(done_by),
            links=tuple(sorted(links.get(did, []), key=_natural)),
            version=version,
        )
        for (did, ref, jref, jtitle, jkind, jdate, text, login, name, due, status, created_at,
             created_by, done_at, done_by, version) in rows
    ]  # fmt: skip


async def last_steering_with_decisions(slug: str) -> tuple[str, list[ReleveRow]] | None:
    """The latest held COPIL/COTECH that has a relevé, and its decisions."""
    rows = await list_decisions(slug)
    if not rows:
        return None
    latest = max(rows, key=lambda r: (r.jalon_date, r.jalon_ref))
    return latest.jalon_ref, [r for r in rows if r.jalon_ref == latest.jalon_ref]


def _natural(ref: str) -> tuple[str, int]:
    head = ref.rstrip("0123456789")
    tail = ref[len(head) :]
    return head, int(tail) if tail.isdigit() else 0
