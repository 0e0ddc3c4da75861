"""Removing an action, a jalon or an indicator, and editing an indicator.

History is never erased. An item that has history (re-routings, comments, commitments,
dossiers, a COPIL decision or a baseline that names it, items depending on it, work
started or a milestone held) is kept and closed instead: an action becomes
« abandonnée », a jalon « annulé », with the reason in the journal. An item with no
history at all (typed by mistake, never used) is deleted, and the journal keeps each of
its fields as the old value. An indicator with values is never removed: its values are
the roadmap's observations. Same rights as the forms (trinôme, direction), versioned.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from roadmap.domain import validation as v
from roadmap.domain.enums import ActionStatus, JalonStatus
from roadmap.domain.errors import ValidationError
from roadmap.domain.permissions import Capability
from roadmap.formatting import code, plural
from roadmap.models import (
    Action,
    Adjustment,
    Baseline,
    Comment,
    Dependency,
    Dossier,
    Engagement,
    Indicator,
    IndicatorValue,
    Jalon,
    Proposition,
    ReleveDecision,
    ReleveLink,
    Roadmap,
)
from roadmap.usecases.actions import action_by_ref
from roadmap.usecases.base import (
    authorize,
    change_field,
    diff,
    journal,
    journal_changes,
    stale_error,
    update_versioned,
    write_unit,
)
from roadmap.usecases.identity import Actor
from roadmap.usecases.jalons import jalon_by_ref
from roadmap.usecases.observations import indicator_by_ref
from roadmap.usecases.roadmaps import axe_by_ref


@dataclass(frozen=True)
class Removal:
    """What removing did: ``deleted``, or kept and closed (``closed_as`` the new status)."""

    ref: str
    deleted: bool
    closed_as: str = ""
    history: tuple[str, ...] = ()

    def text(self) -> str:
        if self.deleted:
            return "suppression (aucun historique)"
        if not self.closed_as:
            history = ", ".join(self.history)
            return f"conservation de l'élément déjà clos, pour son historique ({history})"
        closed = code(self.closed_as).lower()
        return f"conservation comme « {closed} » : historique ({', '.join(self.history)})"


def _counted(pairs: list[tuple[int, str]]) -> tuple[str, ...]:
    """« 2 ajustements »; a state (« statut en_cours ») is named without a count."""
    return tuple(
        label if label.startswith("statut") else plural(n, label, _PLURALS.get(label))
        for n, label in pairs
        if n
    )


# Counted labels whose plural is not the regular one of their first word.
_PLURALS = {
    "élément qui en dépend": "éléments qui en dépendent",
    "décision prise ce jour": "décisions prises ce jour",
}


async def _baselines(roadmap_id: int, ref: str) -> int:
    return await Baseline.filter(roadmap_id=roadmap_id, content__contains=f'"{ref}"').count()


async def action_history(action: Action, slug: str) -> tuple[str, ...]:
    """What ties an action to the roadmap's history (empty: it can go)."""
    aid, rid = action.id, action.roadmap_id  # type: ignore[attr-defined]
    started = action.status not in (ActionStatus.IDEE, ActionStatus.A_LANCER)
    return _counted(
        [
            (int(started), f"statut {action.status.value}"),
            (await Adjustment.filter(action_id=aid).count(), "ajustement"),
            (await Comment.filter(action_id=aid).count(), "commentaire"),
            (await Engagement.filter(action_id=aid).count(), "engagement"),
            (await Dossier.filter(action_id=aid).count(), "dossier"),
            (await Dependency.filter(on_action_id=aid).count(), "élément qui en dépend"),
            (await ReleveLink.filter(action_id=aid).count(), "décision de COPIL"),
            (await _baselines(rid, action.ref), "référence COPIL"),
            (
                await Proposition.filter(
                    roadmap_slug=slug, item_kind="action", item_ref=action.ref
                ).count(),
                "proposition de service",
            ),
        ]
    )


async def jalon_history(jalon: Jalon, slug: str) -> tuple[str, ...]:
    jid, rid = jalon.id, jalon.roadmap_id  # type: ignore[attr-defined]
    held = jalon.status is not JalonStatus.PREVU or jalon.current_date != jalon.planned_date
    return _counted(
        [
            (int(held), f"statut {jalon.status.value}, ou date déplacée"),
            (await Adjustment.filter(jalon_id=jid).count(), "ajustement"),
            (await Comment.filter(jalon_id=jid).count(), "commentaire"),
            (await Dependency.filter(on_jalon_id=jid).count(), "élément qui en dépend"),
            (await ReleveDecision.filter(jalon_id=jid).count(), "décision prise ce jour"),
            (await ReleveLink.filter(jalon_id=jid).count(), "décision de COPIL"),
            (await _baselines(rid, jalon.ref), "référence COPIL"),
            (
                await Proposition.filter(
                    roadmap_slug=slug, item_kind="jalon", item_ref=jalon.ref
                ).count(),
                "proposition de service",
            ),
        ]
    )


def _fields(row: Any, names: dict[str, str]) -> dict[str, tuple[Any, Any]]:
    return {label: (getattr(row, name), None) for name, label in names.items()}


async def _delete(actor: Actor, slug: str, entity: str, row: Any, version: int, reason: str,
                  fields: dict[str, str]) -> None:  # fmt: skip
    """Delete a versioned row, journaling the deletion and each field it had."""
    if row.version != version:
        raise stale_error(row)
    deleted = await type(row).filter(id=row.id, version=version).delete()
    if deleted == 0:
        raise stale_error(row)
    await journal(
        actor, roadmap=slug, entity=entity, ref=row.ref, operation="suppression",
        old=row.title if hasattr(row, "title") else row.name, reason=reason,
    )  # fmt: skip
    changes = {k: o for k, o in _fields(row, fields).items() if o[0] not in (None, "", [])}
    await journal_changes(actor, roadmap=slug, entity=entity, ref=row.ref, changes=changes,
                          reason=f"suppression : {reason}")  # fmt: skip


@dataclass(frozen=True)
class _Closable:
    """What differs between removing an action and a jalon: the rest is one rule."""

    entity: str
    by_ref: Callable[[Roadmap, str], Awaitable[Any]]
    history: Callable[[Any, str], Awaitable[tuple[str, ...]]]
    closed: ActionStatus | JalonStatus
    kept: str  # « gardée comme abandonnée »
    default_reason: str
    fields: dict[str, str]  # journaled on deletion, attribute → label


async def _remove_or_close(
    kind: _Closable, actor: Actor, slug: str, ref: str, version: int, reason: str
) -> Removal:
    """Delete an item with no history; otherwise keep it, closed as ``kind.closed``."""
    why = v.no_control(reason.strip(), "motif", multiline=True) or kind.default_reason

    async def unit() -> Removal:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        item = await kind.by_ref(roadmap, ref)
        history = await kind.history(item, slug)
        if not history:
            await _delete(actor, slug, kind.entity, item, version, why, kind.fields)
            return Removal(item.ref, True)
        if item.status is kind.closed:
            return Removal(item.ref, False, "", history)
        await change_field(
            actor, item, version, roadmap=slug, entity=kind.entity, field="status",
            value=kind.closed,
            reason=f"{why} ; {kind.kept} pour son historique : {', '.join(history)}",
        )  # fmt: skip
        return Removal(item.ref, False, kind.closed.value, history)

    return await write_unit(unit)


# Entity, look-up, history, status when kept, its wording, default reason, fields journaled.
_ACTION = _Closable(
    "action", action_by_ref, action_history, ActionStatus.ABANDONNEE, "gardée comme abandonnée",
    "retirée", {"title": "titre", "description": "description", "start_date": "début",
                "end_date": "fin", "status": "statut"},
)  # fmt: skip
_JALON = _Closable(
    "jalon", jalon_by_ref, jalon_history, JalonStatus.ANNULE, "gardé comme annulé", "retiré",
    {"title": "titre", "kind": "type", "current_date": "date", "description": "description"},
)  # fmt: skip


async def remove_action(
    actor: Actor, slug: str, ref: str, version: int, *, reason: str = ""
) -> Removal:
    """Delete an action with no history; otherwise keep it, « abandonnée »."""
    return await _remove_or_close(_ACTION, actor, slug, ref, version, reason)


async def remove_jalon(
    actor: Actor, slug: str, ref: str, version: int, *, reason: str = ""
) -> Removal:
    """Delete a jalon with no history; otherwise keep it, « annulé »."""
    return await _remove_or_close(_JALON, actor, slug, ref, version, reason)


async def remove_indicator(
    actor: Actor, slug: str, ref: str, version: int, *, reason: str = ""
) -> Removal:
    """Delete an indicator that has no value yet; one with values is refused."""
    why = v.no_control(reason.strip(), "motif", multiline=True) or "retiré"

    async def unit() -> Removal:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        indicator = await indicator_by_ref(roadmap, ref)
        values = await IndicatorValue.filter(indicator_id=indicator.id).count()
        if values:
            raise ValidationError(
                f"l'indicateur {indicator.ref} a "
                f"{plural(values, 'valeur relevée', 'valeurs relevées')} : ce sont des "
                "observations de la feuille de route, il ne se supprime pas (renommez-le, ou "
                "laissez-le sans nouvelle valeur)",
                field="indicateur",
            )
        await _delete(actor, slug, "indicateur", indicator, version, why, {
            "name": "nom", "unit": "unité", "description": "description",
        })  # fmt: skip
        return Removal(indicator.ref, True)

    return await write_unit(unit)


@dataclass(frozen=True)
class IndicatorInput:
    name: str
    unit: str = ""
    axe_ref: str | None = None
    description: str = ""


async def edit_indicator(
    actor: Actor, slug: str, ref: str, version: int, data: IndicatorInput
) -> int:
    """Rename an indicator, change its unit, axe or description; its values stay as they are."""
    name = v.text(data.name, "nom de l'indicateur")
    unit_text = v.text(data.unit, "unité", max_length=40, required=False)
    description = v.text(data.description, "description", max_length=8000, required=False)

    async def unit() -> int:
        roadmap = await authorize(actor, slug, Capability.EDIT)
        indicator = await indicator_by_ref(roadmap, ref)
        axe = await axe_by_ref(roadmap, data.axe_ref) if data.axe_ref else None
        values = {
            "name": name,
            "unit": unit_text,
            "axe_id": axe.id if axe else None,
            "description": description,
        }
        changes = diff(indicator, values)
        if not changes:
            if indicator.version != version:
                raise stale_error(indicator)
            return version
        new_version = await update_versioned(Indicator, indicator.id, version, actor, values)
        if "axe_id" in changes:  # the journal names the axe, not its row
            old_id = changes["axe_id"][0]
            old_axe = await roadmap_axe_ref(old_id)
            changes["axe_id"] = (old_axe, axe.ref if axe else None)
        await journal_changes(actor, roadmap=slug, entity="indicateur", ref=indicator.ref,
                              changes=changes)  # fmt: skip
        return new_version

    return await write_unit(unit)


async def roadmap_axe_ref(axe_id: int | None) -> str | None:
    from roadmap.models import Axe

    if axe_id is None:
        return None
    axe = await Axe.get_or_none(id=axe_id)
    return axe.ref if axe else None
