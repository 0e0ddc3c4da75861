"""Replace the demo roadmap (``roadmap demo --force``): administrators only.

Only the demo roadmap goes, with its own dossiers and campaign links; its invented people
go too unless something else still refers to them; the journal keeps every past row and
gains one saying who deleted what. ``demo_deletion`` is the preview a terminal shows
before asking, including what people other than the demo's own added to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from roadmap.domain.errors import NotFound
from roadmap.formatting import plural
from roadmap.models import (
    Action,
    Adjustment,
    Axe,
    Campagne,
    CampagneRoadmap,
    Comment,
    Dossier,
    Indicator,
    IndicatorValue,
    Jalon,
    JournalEntry,
    Membership,
    Person,
    QualitativeRecord,
    Roadmap,
)
from roadmap.models.instruction import Avis
from roadmap.models.work import JalonInvite
from roadmap.usecases.admin import require_administrator
from roadmap.usecases.base import journal, write_unit
from roadmap.usecases.identity import Actor

# Counted kinds whose plural is not the regular one of their first word.
_PLURALS = {
    "observation qualitative": "observations qualitatives",
    "campagne AAP propre à la démo": "campagnes AAP propres à la démo",
}


@dataclass
class DemoDeletion:
    """What replacing the demo deletes: counts by kind, and others' contributions."""

    slug: str
    counts: dict[str, int] = field(default_factory=dict)
    by_others: dict[str, int] = field(default_factory=dict)  # login → journal rows
    people: list[str] = field(default_factory=list)  # demo people deleted with it

    def lines(self) -> list[str]:
        out = [plural(n, label, _PLURALS.get(label)) for label, n in self.counts.items() if n]
        if self.people:
            out.append(plural(len(self.people), "personne") + " de la démo sans autre rattachement")
        return out

    def summary(self) -> str:
        text = ", ".join(self.lines()) or "rien"
        if self.by_others:
            who = ", ".join(f"{login} ({n})" for login, n in sorted(self.by_others.items()))
            text += f" ; dont des modifications faites par d'autres personnes que la démo : {who}"
        return text


async def _demo_campaigns(roadmap_id: int) -> list[int]:
    """Campaigns the demo takes part in and that serve no other roadmap."""
    ids = set(
        await CampagneRoadmap.filter(roadmap_id=roadmap_id).values_list("campagne_id", flat=True)
    )
    return [
        cid
        for cid in sorted(ids)
        if not await CampagneRoadmap.filter(campagne_id=cid).exclude(roadmap_id=roadmap_id).exists()
    ]


async def _dossier_ids(roadmap_id: int, own_campaigns: list[int]) -> list[int]:
    """The demo's dossiers, and those left without roadmap in a campaign only it serves."""
    ids = set(await Dossier.filter(roadmap_id=roadmap_id).values_list("id", flat=True))
    if own_campaigns:
        ids |= set(
            await Dossier.filter(
                campagne_id__in=own_campaigns, roadmap_id__isnull=True
            ).values_list("id", flat=True)
        )
    return sorted(ids)


async def _deletable_people(
    roadmap_id: int, logins: list[str], dossier_ids: list[int]
) -> list[Person]:
    """Demo people referred to by nothing but the demo roadmap."""
    result = []
    for person in await Person.filter(login__in=logins):
        pid = person.id
        if await Membership.filter(person_id=pid).exclude(roadmap_id=roadmap_id).exists():
            continue
        if await Action.filter(owner_id=pid).exclude(roadmap_id=roadmap_id).exists():
            continue
        if await JalonInvite.filter(person_id=pid).exclude(jalon__roadmap_id=roadmap_id).exists():
            continue
        if await Avis.filter(person_id=pid).exclude(dossier_id__in=dossier_ids or [0]).exists():
            continue
        result.append(person)
    return result


async def _others(slug: str, demo_logins: set[str]) -> dict[str, int]:
    """Journal rows on the demo since its creation written by people outside the demo."""
    created = (
        await JournalEntry.filter(
            roadmap_slug=slug, entity="feuille de route", operation="création"
        )
        .order_by("-id")
        .first()
    )
    if created is None:
        return {}
    demo_logins = demo_logins | {created.actor}
    counts: dict[str, int] = {}
    for login in await JournalEntry.filter(roadmap_slug=slug, id__gt=created.id).values_list(
        "actor", flat=True
    ):
        if login not in demo_logins:
            counts[str(login)] = counts.get(str(login), 0) + 1
    return counts


async def demo_deletion(slug: str, demo_logins: list[str]) -> DemoDeletion:
    """Count what replacing the demo would delete (reads only)."""
    roadmap = await Roadmap.get_or_none(slug=slug)
    if roadmap is None:
        raise NotFound(f"feuille de route « {slug} » introuvable")
    rid = roadmap.id
    campaigns = await _demo_campaigns(rid)
    dossiers = await _dossier_ids(rid, campaigns)
    people = await _deletable_people(rid, demo_logins, dossiers)
    counts = {
        "membre de l'équipe": await Membership.filter(roadmap_id=rid).count(),
        "axe": await Axe.filter(roadmap_id=rid).count(),
        "action": await Action.filter(roadmap_id=rid).count(),
        "jalon": await Jalon.filter(roadmap_id=rid).count(),
        "ajustement d'itinéraire": await Adjustment.filter(roadmap_id=rid).count(),
        "commentaire": await Comment.filter(roadmap_id=rid).count(),
        "indicateur": await Indicator.filter(roadmap_id=rid).count(),
        "valeur d'indicateur": await IndicatorValue.filter(indicator__roadmap_id=rid).count(),
        "observation qualitative": await QualitativeRecord.filter(roadmap_id=rid).count(),
        "dossier de subvention": len(dossiers),
        "campagne AAP propre à la démo": len(campaigns),
        "lien de campagne": await CampagneRoadmap.filter(roadmap_id=rid).count(),
    }
    return DemoDeletion(
        slug=slug,
        counts=counts,
        by_others=await _others(slug, set(demo_logins)),
        people=[p.login for p in people],
    )


async def delete_demo(actor: Actor, slug: str, demo_logins: list[str]) -> DemoDeletion:
    """Delete the demo roadmap and what only it used, in one unit; journal the deletion."""
    await require_administrator(actor, "remplacer la feuille de route de démonstration")

    async def unit() -> DemoDeletion:
        await require_administrator(actor, "remplacer la feuille de route de démonstration")
        preview = await demo_deletion(slug, demo_logins)
        roadmap = await Roadmap.get(slug=slug)
        campaigns = await _demo_campaigns(roadmap.id)
        dossiers = await _dossier_ids(roadmap.id, campaigns)
        people = await _deletable_people(roadmap.id, demo_logins, dossiers)
        await Dossier.filter(id__in=dossiers or [0]).delete()
        await roadmap.delete()  # cascades to its team, axes, actions, jalons, links…
        for cid in campaigns:
            if not await Dossier.filter(campagne_id=cid).exists():
                await Campagne.filter(id=cid).delete()
        for person in people:
            await Person.filter(id=person.id).delete()
            await journal(
                actor,
                roadmap=slug,
                entity="personne",
                ref=person.login,
                operation="suppression",
                old=person.name,
                reason="personne de la démonstration, sans autre rattachement",
            )
        await journal(
            actor,
            roadmap=slug,
            entity="feuille de route",
            ref=slug,
            operation="suppression",
            old=roadmap.title,
            reason=f"démonstration remplacée ; supprimé : {preview.summary()}",
        )
        return preview

    return await write_unit(unit)
