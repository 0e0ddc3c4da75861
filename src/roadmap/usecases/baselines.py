"""Baselines (références): a named, dated, frozen copy of a roadmap's plan.

Taken when a COPIL/COTECH is held, or by hand; never updated (no use case does it and
the database refuses UPDATE). The SHA-256 of the canonical JSON is written in the journal
row that records the taking: a baseline edited behind the application's back no longer
matches it, and ``verify`` says so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from roadmap.domain import validation as v
from roadmap.domain.comparison import Comparison, Rerouting, compare, variances
from roadmap.domain.enums import JalonKind
from roadmap.domain.errors import NotFound, ValidationError
from roadmap.domain.permissions import Capability
from roadmap.models import Adjustment, Baseline, Jalon, JournalEntry, Roadmap
from roadmap.usecases.admin import require_administrator
from roadmap.usecases.base import authorize, get_roadmap, journal, now, write_unit
from roadmap.usecases.identity import Actor
from roadmap.usecases.plan import read_plan

ENTITY = "référence"
DIGEST_PREFIX = "sha256:"
TAMPERED = "modifiée hors application"


def canonical(plan: dict[str, Any]) -> str:
    """One text per plan: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(plan, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(content: str) -> str:
    return DIGEST_PREFIX + hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BaselineInfo:
    slug: str
    name: str
    taken_at: datetime
    taken_by: str
    jalon_ref: str
    intact: bool  # content still matches the digest journaled when it was taken

    @property
    def state(self) -> str:
        return "intacte" if self.intact else TAMPERED


async def create_baseline(
    actor: Actor, slug: str, name: str, *, jalon_ref: str = "", today: date | None = None
) -> BaselineInfo:
    """Freeze the current plan under ``name`` (trinôme and direction)."""
    label = v.text(name, "nom", max_length=80)

    async def unit() -> BaselineInfo:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        if await Baseline.exists(roadmap_id=roadmap.id, name=label):
            raise ValidationError(
                f"une référence « {label} » existe déjà dans {slug} ; choisissez un autre nom",
                field="nom",
            )
        moment = now()
        plan = await read_plan(roadmap.id, today=today or moment.date())
        content = canonical(plan)
        await Baseline.create(
            roadmap=roadmap,
            name=label,
            taken_at=moment,
            taken_by=actor.login,
            jalon_ref=jalon_ref,
            content=content,
        )
        await journal(
            actor,
            roadmap=slug,
            entity=ENTITY,
            ref=label,
            operation="création",
            new=digest(content),
            reason=f"COPIL/COTECH {jalon_ref} tenu" if jalon_ref else "",
        )
        return BaselineInfo(slug, label, moment, actor.login, jalon_ref, True)

    return await write_unit(unit)


async def delete_baseline(actor: Actor, slug: str, name: str) -> None:
    """Remove a baseline: an administrator's act, journaled with the digest it had."""

    async def unit() -> None:
        roadmap = await get_roadmap(slug)
        await require_administrator(actor, f"supprimer une référence de {slug}")
        baseline = await _by_name(roadmap, name)
        await Baseline.filter(id=baseline.id).delete()
        await journal(
            actor,
            roadmap=slug,
            entity=ENTITY,
            ref=baseline.name,
            operation="suppression",
            old=digest(baseline.content),
        )

    await write_unit(unit)


async def _by_name(roadmap: Roadmap, name: str) -> Baseline:
    found = await Baseline.get_or_none(roadmap_id=roadmap.id, name=(name or "").strip())
    if found is None:
        known = await Baseline.filter(roadmap_id=roadmap.id).values_list("name", flat=True)
        hint = f" ; références : {', '.join(map(str, known))}" if known else " (aucune)"
        raise NotFound(f"référence « {name} » introuvable dans {roadmap.slug}{hint}", field="nom")
    return found


async def _journaled_digests(slug: str) -> dict[str, str]:
    """Baseline name → digest recorded when it was taken (the latest taking of that name)."""
    rows = await JournalEntry.filter(
        roadmap_slug=slug, entity=ENTITY, operation="création"
    ).values_list("entity_ref", "new_value")
    return {str(name): str(value) for name, value in rows}


async def list_baselines(slug: str | None = None) -> list[BaselineInfo]:
    """Baselines of one roadmap (or all), oldest first, each checked against the journal."""
    query = Baseline.all().order_by("taken_at", "id")
    if slug:
        roadmap = await get_roadmap(slug)
        query = query.filter(roadmap_id=roadmap.id)
    rows = await query.values_list(
        "roadmap__slug", "name", "taken_at", "taken_by", "jalon_ref", "content"
    )
    digests: dict[str, dict[str, str]] = {}
    result = []
    for rslug, name, taken_at, taken_by, jalon_ref, content in rows:
        if rslug not in digests:
            digests[rslug] = await _journaled_digests(rslug)
        intact = digests[rslug].get(name) == digest(content)
        result.append(BaselineInfo(rslug, name, taken_at, taken_by, jalon_ref, intact))
    return result


async def load_baseline(
    slug: str, name: str | None = None
) -> tuple[BaselineInfo, dict[str, Any]] | None:
    """The named baseline (default: the latest) and its plan; None when there is none."""
    roadmap = await get_roadmap(slug)
    if name:
        row = await _by_name(roadmap, name)
    else:
        row = await Baseline.filter(roadmap_id=roadmap.id).order_by("-taken_at", "-id").first()
        if row is None:
            return None
    recorded = (await _journaled_digests(slug)).get(row.name)
    info = BaselineInfo(
        slug, row.name, row.taken_at, row.taken_by, row.jalon_ref, recorded == digest(row.content)
    )
    try:
        plan = json.loads(row.content)
    except ValueError:
        raise ValidationError(
            f"référence « {row.name} » illisible ({TAMPERED})", field="nom"
        ) from None
    return info, plan


async def reroutings_since(roadmap_id: int, since: datetime) -> list[Rerouting]:
    rows = await Adjustment.filter(roadmap_id=roadmap_id, created_at__gt=since).values_list(
        "action__ref", "jalon__ref", "field", "old_value", "new_value", "reason", "kind",
        "author", "created_at", "cause",
    )  # fmt: skip
    return [
        Rerouting(
            item=str(a or j or ""),
            field=str(field),
            old=str(old),
            new=str(new),
            reason=str(reason),
            kind=str(kind),
            author=str(author),
            day=created.date(),
            cause=str(cause or ""),
        )
        for a, j, field, old, new, reason, kind, author, created, cause in rows
    ]


async def compare_with(
    actor: Actor, slug: str, name: str | None = None, *, today: date | None = None
) -> Comparison | None:
    """The current plan against a baseline (default: the latest); None when there is none.

    Reading is open to everyone who may read the roadmap (issue 2).
    """
    roadmap = await authorize(actor, slug, Capability.READ)
    loaded = await load_baseline(slug, name)
    if loaded is None:
        return None
    info, before = loaded
    after = await read_plan(roadmap.id, today=today)
    reroutes = await reroutings_since(roadmap.id, info.taken_at)
    occasion = ""
    if info.jalon_ref:
        jalon = await Jalon.get_or_none(roadmap_id=roadmap.id, ref=info.jalon_ref)
        occasion = JalonKind(jalon.kind).label if jalon else ""
    return compare(
        before,
        after,
        reroutes,
        name=info.name,
        taken_at=info.taken_at,
        jalon_ref=info.jalon_ref,
        intact=info.intact,
        occasion=occasion,
    )


@dataclass(frozen=True)
class BaselineDates:
    """The dates of a baseline, for the screens that show it beside the current plan."""

    info: BaselineInfo
    action_ends: dict[str, date | None]
    jalon_dates: dict[str, date | None]

    def variance(self, ref: str, end: date | None) -> int | None:
        """Days between an action's end now and at the baseline (None if either is unset)."""
        before = self.action_ends.get(ref)
        return None if before is None or end is None else (end - before).days


async def baseline_dates(slug: str, name: str | None = None) -> BaselineDates | None:
    loaded = await load_baseline(slug, name)
    if loaded is None:
        return None
    info, plan = loaded
    jalons = plan.get("jalons", {})
    return BaselineDates(
        info,
        variances(plan),
        {
            ref: date.fromisoformat(j["date"]) if j.get("date") else None
            for ref, j in jalons.items()
        },
    )


@dataclass(frozen=True)
class CopilSummary:
    """The dashboard's first lines: what moved since the last baseline, decisions to follow."""

    comparison: Comparison | None
    open_decisions: list[Any]  # releve.ReleveRow


async def copil_summary(actor: Actor, slug: str, *, today: date | None = None) -> CopilSummary:
    from roadmap.usecases.releve import list_decisions

    return CopilSummary(
        await compare_with(actor, slug, today=today),
        await list_decisions(slug, open_only=True),
    )
