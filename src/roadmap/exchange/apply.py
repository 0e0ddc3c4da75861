"""Apply a change set through the use cases the forms call, in an order that always holds.

Each call checks the importer's rights, validates, bumps the version and journals the
fields it changes, exactly as a form would. Versions are read in the import's own
transaction just before each call. New items are created first without dependencies,
dependencies dropped by the file are removed before new ones are added (no transient
cycle), team removals and the roadmap's status come last.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from roadmap import models as m
from roadmap.domain.errors import NotFound
from roadmap.exchange.changeset import ItemChange, Plan
from roadmap.usecases import actions as act
from roadmap.usecases import campaigns as camp
from roadmap.usecases import dossier_states as states
from roadmap.usecases import dossiers as dos
from roadmap.usecases import jalons as jal
from roadmap.usecases import observations as obs
from roadmap.usecases import removal
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.identity import Actor

_DEPS = ("depend_des_actions", "depend_des_jalons")


def _deps(item: dict[str, Any]) -> list[str]:
    return [*item.get("depend_des_actions", []), *item.get("depend_des_jalons", [])]


def _action_input(item: dict[str, Any], *, with_deps: bool = True) -> act.ActionInput:
    return act.ActionInput(
        title=item["titre"],
        pilot_service=item["service_pilote"],
        axe_ref=item.get("axe"),
        owner_login=item.get("responsable"),
        status=item.get("statut", "idee"),
        start_date=item.get("debut"),
        end_date=item.get("fin"),
        description=item.get("description", ""),
        pillar=item.get("pilier"),
        contributors=list(item.get("services_contributeurs", [])),
        qpvs=list(item.get("qpv", [])),
        depends_on=_deps(item) if with_deps else [],
    )


def _jalon_input(item: dict[str, Any], *, with_deps: bool = True) -> jal.JalonInput:
    return jal.JalonInput(
        title=item["titre"],
        date=None if with_deps else item["date_actuelle"],
        kind=item.get("nature", "autre"),
        description=item.get("description", ""),
        invited_services=list(item.get("services_invites", [])),
        invited_people=list(item.get("personnes_invitees", [])),
        depends_on=_deps(item) if with_deps else [],
    )


class _Applier:
    def __init__(self, actor: Actor, slug: str, plan: Plan) -> None:
        self.actor = actor
        self.slug = slug
        self.plan = plan

    async def _roadmap(self) -> m.Roadmap:
        return await m.Roadmap.get(slug=self.slug)

    async def _row(self, model: Any, ref: str) -> Any:
        roadmap = await self._roadmap()
        row = await model.get_or_none(roadmap_id=roadmap.id, ref=ref)
        if row is None:
            raise NotFound(f"{ref} introuvable dans {self.slug}")
        return row

    async def run(self) -> None:
        a, plan = self.actor, self.plan
        for c in plan.of("feuille de route"):
            await self._roadmap_fields(c)
        for c in plan.of("membre", "création"):
            await rm.add_member(a, self.slug, c.ref, c.item["role"], c.item.get("cote"))
        for c in plan.of("membre", "modification"):
            await self._member(c)
        for c in plan.of("axe", "création"):
            await rm.create_axe(a, self.slug, c.item["titre"], c.item.get("description", ""))
        for c in plan.of("axe", "modification"):
            axe = await self._row(m.Axe, c.ref)
            await rm.edit_axe(
                a,
                self.slug,
                c.ref,
                axe.version,
                title=c.item["titre"],
                description=c.item.get("description", ""),
            )
        for c in plan.of("action", "création"):
            await act.create_action(a, self.slug, _action_input(c.item, with_deps=False))
        for c in plan.of("jalon", "création"):
            await jal.create_jalon(a, self.slug, _jalon_input(c.item, with_deps=False))
            if c.item.get("statut", "prevu") != "prevu":
                jalon = await self._row(m.Jalon, c.ref)
                await jal.set_jalon_status(a, self.slug, c.ref, jalon.version, c.item["statut"])
        for c in plan.of("indicateur", "création"):
            await obs.create_indicator(
                a,
                self.slug,
                c.item["nom"],
                c.item.get("unite", ""),
                c.item.get("axe"),
                c.item.get("description", ""),
            )
        for c in [*plan.of("action", "modification"), *plan.of("jalon", "modification")]:
            await self._drop_dependencies(c)
        for c in plan.of("indicateur", "modification"):
            indicator = await self._row(m.Indicator, c.ref)
            await removal.edit_indicator(
                a,
                self.slug,
                c.ref,
                indicator.version,
                removal.IndicatorInput(
                    c.item["nom"],
                    c.item.get("unite", ""),
                    c.item.get("axe"),
                    c.item.get("description", ""),
                ),
            )
        for c in plan.of("action", "modification"):
            await self._action(c)
        for c in plan.of("jalon", "modification"):
            await self._jalon(c)
        for c in plan.of("engagement"):
            await self._engagement(c)
        for c in plan.of("campagne"):
            await self._campaign(c)
        for c in plan.of("dossier", "création"):
            await self._new_dossier(c)
        for c in plan.of("dossier", "modification"):
            await self._dossier(c)
        edited = {c.ref for c in plan.of("dossier")}  # new ones get their plan at creation
        for c in _fitting(plan.of("financement")):  # lines of dossiers otherwise unchanged
            if c.item["dossier"] not in edited:
                await self._financement(c)
        await self._removals()
        for c in plan.of("membre", "retrait"):
            await rm.remove_member(a, self.slug, c.ref)
        for c in plan.of("feuille de route"):
            if c.changed("statut"):
                roadmap = await self._roadmap()
                await rm.set_roadmap_status(a, self.slug, roadmap.version, c.item["statut"])

    async def _removals(self) -> None:
        """Items absent from the file, once the file's own edits (dependencies dropped,
        dossiers moved) are in: deleted when they have no history, else kept closed."""
        reason = "ne figure plus dans le fichier importé"
        for kind, model, remove in (
            ("indicateur", m.Indicator, removal.remove_indicator),
            ("jalon", m.Jalon, removal.remove_jalon),
            ("action", m.Action, removal.remove_action),
        ):
            for c in self.plan.of(kind, "retrait"):
                row = await self._row(model, c.ref)
                done = await remove(self.actor, self.slug, c.ref, row.version, reason=reason)
                c.outcome = done.text()

    async def _roadmap_fields(self, c: ItemChange) -> None:
        if c.changed("titre", "point_arrivee"):
            roadmap = await self._roadmap()
            await rm.edit_roadmap(
                self.actor,
                self.slug,
                roadmap.version,
                title=c.item["titre"],
                destination=c.item["point_arrivee"],
            )
        if c.changed("horizon"):
            roadmap = await self._roadmap()
            await rm.move_horizon(
                self.actor, self.slug, roadmap.version, c.item["horizon"], c.reason, c.nature
            )

    async def _member(self, c: ItemChange) -> None:
        roadmap = await self._roadmap()
        membership = await m.Membership.get(roadmap_id=roadmap.id, person__login=c.ref)
        await rm.change_member(
            self.actor,
            self.slug,
            c.ref,
            membership.version,
            role=c.item["role"],
            side=c.item.get("cote", "autre"),
        )

    async def _drop_dependencies(self, c: ItemChange) -> None:
        for f in c.fields:
            if f.key in _DEPS:
                for on in sorted(set(f.old or []) - set(f.new or [])):
                    await act.remove_dependency(self.actor, self.slug, c.ref, on)

    async def _action(self, c: ItemChange) -> None:
        action = await self._row(m.Action, c.ref)
        with_reason = bool(c.moved) or bool(c.item.get("motif"))
        await act.update_action(
            self.actor,
            self.slug,
            c.ref,
            action.version,
            _action_input(c.item),
            reason=c.reason if with_reason else "",
            kind=c.nature if with_reason else "",
        )

    async def _jalon(self, c: ItemChange) -> None:
        others = [f for f in c.fields if f.key not in ("date_actuelle", "statut")]
        if others:
            jalon = await self._row(m.Jalon, c.ref)
            await jal.update_jalon(
                self.actor, self.slug, c.ref, jalon.version, _jalon_input(c.item)
            )
        if c.changed("date_actuelle"):
            jalon = await self._row(m.Jalon, c.ref)
            await jal.reroute_jalon(
                self.actor,
                self.slug,
                c.ref,
                jalon.version,
                c.item["date_actuelle"],
                c.reason,
                c.nature,
            )
        if c.changed("statut"):
            jalon = await self._row(m.Jalon, c.ref)
            await jal.set_jalon_status(
                self.actor, self.slug, c.ref, jalon.version, c.item.get("statut", "prevu")
            )

    async def _engagement(self, c: ItemChange) -> None:
        e = c.item
        if c.op == "création":
            await act.add_engagement(
                self.actor,
                self.slug,
                e["action"],
                act.EngagementInput(
                    service=e["service"],
                    kind=e["nature"],
                    amount=e["montant"],
                    period_start=e.get("debut"),
                    period_end=e.get("fin"),
                    description=e.get("description", ""),
                ),
            )
            return
        action = await self._row(m.Action, e["action"])
        for row in await m.Engagement.filter(action_id=action.id, service__code=e["service"]):
            if (
                str(row.kind.value) == e["nature"]
                and f"{row.amount:.2f}" == e["montant"]
                and row.period_start == e.get("debut")
                and row.period_end == e.get("fin")
                and row.description == e.get("description", "")
            ):
                await act.remove_engagement(self.actor, self.slug, row.id)
                return
        raise NotFound(f"engagement {c.ref} introuvable")

    async def _campaign(self, c: ItemChange) -> None:
        """Create the campaign, or edit it keeping the other roadmaps' links as they are."""
        x = c.item
        year = int(x["annee"])
        own_axes = [f"{self.slug}/{ref}" for ref in x.get("axes", [])]
        # a campaign belongs to a territory: this roadmap's (another's AAP of the same year
        # is another campaign)
        roadmap = await m.Roadmap.get(slug=self.slug)
        tid = roadmap.territoire_id  # type: ignore[attr-defined]
        scope = {"territoire_id": tid} if tid else {}
        campagne = await m.Campagne.filter(year=year, **scope).first()
        territoire_id = campagne.territoire_id if campagne else tid  # type: ignore[attr-defined]
        code = (await m.Territoire.get(id=territoire_id)).code if territoire_id else None
        if campagne is None:
            await camp.create_campagne(
                self.actor,
                camp.CampagneInput(
                    territoire=code,
                    year=year,
                    opens_on=x["ouverture"],
                    closes_on=x["cloture"],
                    roadmaps=[self.slug],
                    title=x["titre"],
                    axes=own_axes,
                    instructors=list(x.get("services_instructeurs", [])),
                ),
            )
            return
        links = await m.CampagneRoadmap.filter(campagne_id=campagne.id).values_list(
            "roadmap__slug", "axe__ref"
        )
        others = [(str(s), r) for s, r in links if s != self.slug]
        slugs = sorted({s for s, _ in others} | {self.slug})
        axes = [f"{s}/{r}" for s, r in others if r] + own_axes
        await camp.edit_campagne(
            self.actor,
            year,
            campagne.version,
            camp.CampagneInput(
                territoire=code,
                year=year,
                opens_on=x["ouverture"],
                closes_on=x["cloture"],
                roadmaps=slugs,
                title=x["titre"],
                axes=axes,
                instructors=list(x.get("services_instructeurs", [])),
            ),
        )

    def _dossier_input(self, d: dict[str, Any]) -> dos.DossierInput:
        return dos.DossierInput(
            porteur=d["porteur"],
            title=d["titre"],
            summary=d.get("resume", ""),
            roadmap=self.slug,
            action=d.get("action"),
            axe=d.get("axe"),
            qpvs=list(d.get("qpv", [])),
            pillar=d.get("pilier"),
            total_budget=d.get("budget_total", "0"),
            instructors=list(d.get("services_instructeurs", [])),
            avis_deadline=d.get("date_limite_avis"),
        )

    async def _new_dossier(self, c: ItemChange) -> None:
        d = c.item
        lines = [
            dos.FinancementInput(f["financeur"], f["demande"]) for f in d.get("financements", [])
        ]
        await dos.create_dossier(self.actor, d["campagne"], self._dossier_input(d), lines)

    async def _dossier(self, c: ItemChange) -> None:
        d = c.item
        lines = _fitting([f for f in self.plan.of("financement") if f.item["dossier"] == c.ref])
        shrinking = any(
            f.key == "budget_total" and Decimal(f.new or 0) < Decimal(f.old or 0) for f in c.fields
        )
        if shrinking:  # the plan must fit the budget at every step
            for line in lines:
                await self._financement(line)
        if any(f.key in _DOSSIER_EDIT for f in c.fields):
            dossier = await m.Dossier.get(ref=c.ref)
            await dos.edit_dossier(self.actor, c.ref, dossier.version, self._dossier_input(d))
        if not shrinking:
            for line in lines:
                await self._financement(line)
        if c.changed("etat"):
            dossier = await m.Dossier.get(ref=c.ref)
            await states.transition(
                self.actor, c.ref, dossier.version, d.get("etat", "depose"), d.get("motif_etat", "")
            )

    async def _financement(self, c: ItemChange) -> None:
        f = c.item
        if c.op == "création":
            await dos.set_financement(self.actor, f["dossier"], f["financeur"], f["demande"], None)
            return
        line = await m.FinancementLine.get(
            dossier__ref=f["dossier"], financeur__code=f["financeur"]
        )
        if c.op == "retrait":
            await dos.remove_financement(self.actor, f["dossier"], f["financeur"], line.version)
        else:
            await dos.set_financement(
                self.actor, f["dossier"], f["financeur"], f["demande"], line.version
            )


def _fitting(lines: list[ItemChange]) -> list[ItemChange]:
    """Removals and decreases first, so the plan's total never exceeds the budget on the way."""

    def rank(c: ItemChange) -> int:
        if c.op == "retrait":
            return 0
        if c.op == "modification" and Decimal(c.fields[0].new) < Decimal(c.fields[0].old):
            return 1
        return 2

    return sorted(lines, key=rank)


_DOSSIER_EDIT = (
    "porteur", "titre", "resume", "action", "axe", "pilier", "budget_total",
    "date_limite_avis", "qpv", "services_instructeurs",
)  # fmt: skip


async def apply_plan(actor: Actor, slug: str, plan: Plan) -> None:
    await _Applier(actor, slug, plan).run()
