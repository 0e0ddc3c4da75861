"""A small but complete roadmap written straight through the models, for export tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from roadmap import models as m

SECRET_NOTE = "NOTE-PRIVEE-porteur-en-difficulte-financiere"
EMAIL = "claire.martin@ampmetropole.example"


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 1, day, hour, 30, tzinfo=UTC)


async def seed_roadmap(slug: str = "pat-test") -> None:
    dsu = await m.Service.create(
        code="dsu", name="Direction de la cohésion sociale", kind="politique_de_la_ville"
    )
    pat = await m.Service.create(
        code="pat", name="Direction agriculture / PAT", kind="droit_commun"
    )
    dg = await m.Service.create(code="dgs", name="Direction générale", kind="droit_commun")
    pat.parent = dg
    await pat.save()
    ddets = await m.Service.create(code="ddets", name="DDETS", kind="etat")
    caf = await m.Service.create(code="caf", name="CAF", kind="partenaire")
    await m.Service.create(code="orphelin", name="Service sans rien", kind="partenaire")
    claire = await m.Person.create(login="cmartin", name="Claire Martin", email=EMAIL, service=dsu)
    paul = await m.Person.create(
        login="pbernard", name="Paul Bernard", email="paul@example.org", service=pat
    )
    etat = await m.Person.create(login="sroux", name="Sophie Roux", service=ddets)
    canton = await m.Qpv.create(code="QN01301M", name="Canton Vert", commune="Salon-de-Provence")
    await m.Qpv.create(code="QN01399Z", name="Inutilisé")
    r = await m.Roadmap.create(
        slug=slug,
        title="PAT × politique de la ville",
        destination="Une alimentation saine accessible dans chaque QPV",
        horizon=date(2028, 12, 31),
        pv_service=dsu,
        dc_service=pat,
    )
    await m.Membership.create(
        roadmap=r, person=claire, role="trinome", side="politique_de_la_ville"
    )
    await m.Membership.create(roadmap=r, person=paul, role="trinome", side="droit_commun")
    await m.Membership.create(roadmap=r, person=etat, role="cercle_elargi", side="autre")
    ax1 = await m.Axe.create(
        roadmap=r, ref="AX1", title="Accès à une alimentation saine", position=0
    )
    ax2 = await m.Axe.create(
        roadmap=r,
        ref="AX2",
        title="Jardins partagés",
        description="Agriculture urbaine",
        position=1,
    )
    a1 = await m.Action.create(
        roadmap=r,
        ref="A1",
        axe=ax1,
        title="Diagnostic de l'offre alimentaire",
        pilot_service=pat,
        owner=paul,
        status="en_cours",
        start_date=date(2026, 2, 1),
        end_date=date(2026, 6, 30),
        pillar="cadre_de_vie",
    )
    a2 = await m.Action.create(
        roadmap=r,
        ref="A2",
        axe=ax2,
        title='Épicerie solidaire "Le Panier"',
        description="Ligne 1\nLigne 2",
        pilot_service=dsu,
        owner=claire,
        status="a_lancer",
    )
    await m.Action.create(roadmap=r, ref="A10", title="Sans axe", pilot_service=caf)
    await m.ActionContributor.create(action=a1, service=dsu)
    await m.ActionContributor.create(action=a1, service=caf)
    await m.ActionQpv.create(action=a1, qpv=canton)
    await m.Engagement.create(
        action=a1, service=pat, kind="etp", amount=Decimal("0.50"), description="chargée de mission"
    )
    await m.Engagement.create(
        action=a2,
        service=caf,
        kind="budget",
        amount=Decimal("12500.10"),
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    j1 = await m.Jalon.create(
        roadmap=r,
        ref="J1",
        title="COPIL de lancement",
        kind="copil",
        planned_date=date(2026, 3, 10),
        current_date=date(2026, 3, 17),
        status="tenu",
    )
    j2 = await m.Jalon.create(
        roadmap=r,
        ref="J2",
        title="Journée sprint",
        kind="journee_sprint",
        planned_date=date(2026, 5, 5),
        current_date=date(2026, 5, 5),
    )
    await m.JalonInvite.create(jalon=j1, service=ddets)
    await m.JalonInvite.create(jalon=j1, person=paul)
    await m.JalonInvite.create(jalon=j2, service=caf)
    await m.Dependency.create(roadmap=r, action=a2, on_action=a1)
    await m.Dependency.create(roadmap=r, action=a2, on_jalon=j1)
    await m.Dependency.create(roadmap=r, jalon=j2, on_action=a1)
    await m.Adjustment.create(
        roadmap=r,
        jalon=j1,
        field="current_date",
        old_value="2026-03-10",
        new_value="2026-03-17",
        reason="préfet indisponible",
        kind="contrainte",
        author="cmartin",
        created_at=at(5),
    )
    await m.Adjustment.create(
        roadmap=r,
        field="horizon",
        old_value="2027-12-31",
        new_value="2028-12-31",
        reason="élargir au contrat de ville",
        kind="opportunite",
        author="cmartin",
        created_at=at(2),
    )
    await m.Comment.create(
        roadmap=r, action=a1, text="Penser aux marchés", author="sroux", created_at=at(6)
    )
    await m.Comment.create(
        roadmap=r,
        kind="proposition",
        text="Une journée de territoire ?",
        author="sroux",
        created_at=at(7),
    )
    ind = await m.Indicator.create(
        roadmap=r, ref="I1", name="Foyers touchés", unit="foyers", axe=ax1
    )
    await m.IndicatorValue.create(
        indicator=ind,
        observed_on=date(2026, 1, 31),
        value=Decimal("120.5"),
        author="cmartin",
        created_at=at(8),
    )
    await m.QualitativeRecord.create(
        roadmap=r,
        axe=ax2,
        observed_on=date(2026, 1, 20),
        text="Forte attente des habitants",
        source="atelier",
        author="pbernard",
        created_at=at(9),
    )
    territoire = await m.Territoire.create(code="t13", name="Territoire d'essai")
    await m.Roadmap.filter(id=r.id).update(territoire_id=territoire.id)
    camp = await m.Campagne.create(
        territoire=territoire,
        year=2026,
        title="AAP contrat de ville 2026",
        opens_on=date(2026, 1, 5),
        closes_on=date(2026, 2, 28),
    )
    await m.CampagneRoadmap.create(campagne=camp, roadmap=r)
    await m.CampagneRoadmap.create(campagne=camp, roadmap=r, axe=ax2)
    await m.CampagneInstructor.create(campagne=camp, service=dsu)
    await m.CampagneInstructor.create(campagne=camp, service=ddets)
    d1 = await m.Dossier.create(
        campagne=camp,
        ref="D2026-001",
        porteur="Association Les Paniers du Canton",
        title="Paniers solidaires",
        roadmap=r,
        action=a2,
        total_budget=Decimal("40000"),
        amount_asked=Decimal("15000.50"),
        state="decide",
        avis_deadline=date(2026, 3, 31),
        pillar="cohesion_sociale",
    )
    await m.DossierQpv.create(dossier=d1, qpv=canton)
    await m.DossierInstructor.create(dossier=d1, service=dsu)
    await m.DossierInstructor.create(dossier=d1, service=ddets)
    await m.FinancementLine.create(
        dossier=d1, financeur=dsu, asked=Decimal("10000"), granted=Decimal("8000")
    )
    await m.FinancementLine.create(dossier=d1, financeur=caf, asked=Decimal("5000.50"))
    await m.Avis.create(
        dossier=d1,
        service=ddets,
        person=etat,
        value="reserve",
        comment="budget fragile",
        given_at=at(10),
        current=False,
    )
    await m.Avis.create(dossier=d1, service=ddets, person=etat, value="favorable", given_at=at(12))
    await m.Avis.create(dossier=d1, service=dsu, person=claire, value="favorable", given_at=at(11))
    await m.Decision.create(
        dossier=d1,
        outcome="accorde_partiellement",
        motivation="Budget contraint",
        decided_by="cmartin",
        decided_at=at(20),
    )
    await m.Annotation.create(
        dossier=d1, service=dsu, author="cmartin", text=SECRET_NOTE, created_at=at(13)
    )
