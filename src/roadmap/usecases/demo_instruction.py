"""The demo's AAP campaign: a dozen invented dossiers at every step of the instruction.

Built through the use cases, as real users would: the trinôme registers and moves the
dossiers, each service gives its avis with its own identity, decisions carry their
motivation. Dates are relative to ``today`` like the rest of the demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from roadmap.domain.enums import Role, ServiceKind
from roadmap.models import (
    Action,
    Campagne,
    Membership,
    Person,
    Roadmap,
    Service,
)
from roadmap.usecases.admin import on_postgres
from roadmap.usecases.annotations import add_annotation
from roadmap.usecases.avis_decisions import decide, give_avis, revise_decision
from roadmap.usecases.campaigns import CampagneInput, create_campagne
from roadmap.usecases.dossier_states import (
    declare_irrecevable,
    declare_recevable,
    notify,
    record_bilan,
    start_instruction,
)
from roadmap.usecases.dossiers import DossierInput, FinancementInput, create_dossier
from roadmap.usecases.identity import Actor, actor_for
from roadmap.usecases.instruction_common import dossier_by_ref

# On PostgreSQL a private note is written by its author's own role only (row-level security,
# storage/access.py); the owner and superusers are exempt. An administrator of the group
# building the demo is neither: the demo then goes without its private note.
_BYPASSES_ANNOTATION_RLS = """
SELECT r.rolsuper OR r.rolbypassrls OR r.rolname = $1
    OR pg_has_role(current_user, c.relowner, 'MEMBER')
FROM pg_roles r, pg_class c
WHERE r.rolname = current_user AND c.relname = 'annotation' AND c.relkind = 'r'"""


async def _may_note_for(giver: Actor) -> bool:
    if not on_postgres():
        return True
    from tortoise import connections

    _, rows = await connections.get("default").execute_query(
        _BYPASSES_ANNOTATION_RLS, [giver.login]
    )
    return bool(rows and rows[0][0])


@dataclass
class _Spec:
    porteur: str
    title: str
    summary: str
    action: str | None  # title of a demo action, or None
    plan: list[tuple[str, str]]  # (financeur kind key, amount asked)
    budget: str
    steps: list[str]  # what happens to it, in order
    avis: dict[str, tuple[str, str]] = field(default_factory=dict)  # service key → (value, text)
    decision: tuple[str, str, dict[str, str] | None] | None = None
    deadline_days: int = 20
    qpvs: list[str] = field(default_factory=list)


# Financeur keys: pv = politique de la ville service, dc = droit commun side, caf, etat.
SPECS: list[_Spec] = [
    _Spec(
        "Association Les Jardins du Mistral",
        "Jardin partagé des Canourgues",
        "Aménager 40 parcelles cultivées par les habitants, avec un animateur deux jours "
        "par semaine et des ateliers pour les écoles du quartier.",
        "Trois jardins partagés aux Canourgues et à Canto-Perdrix",
        [("pv", "15000"), ("dc", "12000")],
        "48500",
        ["recevable", "instruction", "avis", "decide", "revise", "notifie"],
        {
            "pv": ("favorable", "Projet très attendu par le conseil citoyen."),
            "dc": ("favorable", "Cohérent avec l'axe agriculture urbaine du PAT."),
            "etat": ("favorable", ""),
        },
        ("accorde", "", None),
        deadline_days=-40,
        qpvs=["QN01301M"],
    ),
    _Spec(
        "Épicerie solidaire Le Panier de Marins",
        "Épicerie solidaire de Notre-Dame-des-Marins",
        "Ouvrir une épicerie à prix solidaires, approvisionnée à 30 % en produits locaux.",
        "Ouverture de l'épicerie solidaire de Notre-Dame-des-Marins",
        [("pv", "25000"), ("caf", "10000")],
        "92000",
        ["recevable", "instruction", "avis", "decide"],
        {
            "pv": ("favorable", "Répond au diagnostic partagé."),
            "dc": ("reserve", "Budget d'approvisionnement local peu détaillé."),
            "etat": ("favorable", ""),
        },
        (
            "accorde_partiellement",
            "Le poste de coordination est financé ; l'investissement en chambre froide sera "
            "examiné à la prochaine programmation, sur devis.",
            {"pv": "18000", "caf": "10000"},
        ),
        deadline_days=-30,
        qpvs=["QN01312M"],
    ),
    _Spec(
        "Compagnie Les Toques Vagabondes",
        "Festival gourmand itinérant",
        "Un camion-cuisine qui tourne dans les cinq quartiers l'été.",
        None,
        [("pv", "30000")],
        "45000",
        ["recevable", "instruction", "avis", "decide", "notifie"],
        {
            "pv": ("reserve", "Peu d'ancrage dans les structures du quartier."),
            "dc": ("defavorable", "Aucun lien avec les producteurs locaux du PAT."),
            "etat": ("defavorable", "Action ponctuelle, sans suivi des publics."),
        },
        (
            "refuse",
            "Le projet ne s'appuie sur aucun partenaire du quartier et ne prévoit pas de suivi "
            "des familles ; nous vous proposons de le retravailler avec le centre social.",
            None,
        ),
        deadline_days=-35,
    ),
    _Spec(
        "Centre social Mas de Pouane",
        "Ateliers cuisine parents-enfants",
        "Douze ateliers par an, traduits en arabe et en comorien.",
        "Ateliers cuisine parents-enfants dans les centres sociaux",
        [("pv", "8000"), ("dc", "4000"), ("caf", "3000")],
        "21000",
        ["recevable", "instruction", "avis", "decide", "notifie", "bilan"],
        {
            "pv": ("favorable", ""),
            "dc": ("favorable", ""),
            "etat": ("favorable", ""),
        },
        ("accorde", "", None),
        deadline_days=-60,
        qpvs=["QN01313M"],
    ),
    _Spec(
        "Les Paniers Salonais",
        "Paniers de légumes à 5 € pour les familles",
        "Paniers hebdomadaires de producteurs du PAT, prix solidaire pour 80 familles.",
        "Chèques « fruits et légumes » avec les centres sociaux",
        [("pv", "12000"), ("dc", "6000")],
        "26000",
        ["recevable", "instruction", "avis"],
        {
            "pv": ("favorable", ""),
            "dc": ("favorable", "Producteurs déjà engagés dans le PAT."),
            "etat": ("reserve", "Préciser le mode de repérage des familles."),
        },
        deadline_days=-5,
        qpvs=["QN01301M", "QN01302M"],
    ),
    _Spec(
        "Association Terre de Martigues",
        "Micro-ferme pédagogique",
        "Étude de faisabilité d'une micro-ferme avec chantier d'insertion.",
        "Micro-ferme urbaine et chantier d'insertion",
        [("pv", "20000"), ("dc", "15000"), ("etat", "10000")],
        "60000",
        ["recevable", "instruction", "avis-partiel"],
        {
            "pv": ("favorable", "Fort potentiel d'insertion."),
            "dc": ("reserve", "Foncier non encore identifié."),
        },
        deadline_days=-10,
        qpvs=["QN01313M"],
    ),
    _Spec(
        "Les Petits Cuistots",
        "Classes du goût dans six écoles",
        "Interventions d'une diététicienne et de cuisiniers dans six écoles des quartiers.",
        "Classes du goût dans les écoles des quartiers",
        [("pv", "9000"), ("dc", "5000")],
        "16000",
        ["recevable", "instruction", "avis-change"],
        {"pv": ("reserve", "Calendrier scolaire à confirmer.")},
        deadline_days=15,
    ),
    _Spec(
        "Association Marché Vivant",
        "Marché du samedi à Canto-Perdrix",
        "Un marché de producteurs mensuel au pied des immeubles.",
        "Marchés de producteurs au pied des immeubles",
        [("pv", "7000"), ("dc", "7000")],
        "18000",
        ["recevable"],
        deadline_days=25,
        qpvs=["QN01311M"],
    ),
    _Spec(
        "Collectif Cantines Durables",
        "Formation des cuisiniers scolaires",
        "Former 25 agents de restauration aux produits bruts et locaux.",
        "Diagnostic des cantines des écoles en QPV",
        [("pv", "6000"), ("dc", "6000")],
        "14000",
        [],
        deadline_days=30,
    ),
    _Spec(
        "Association Bien Manger aux Bressons",
        "Cuisine mobile pour les fêtes de quartier",
        "Achat d'une cuisine mobile prêtée aux associations.",
        None,
        [("pv", "18000")],
        "18000",
        [],
        deadline_days=30,
        qpvs=["QN01302M"],
    ),
    _Spec(
        "Amicale des locataires Canto-Perdrix",
        "Repas de quartier mensuels",
        "Douze repas partagés dans la salle commune.",
        None,
        [("pv", "4000")],
        "5000",
        ["irrecevable"],
        deadline_days=20,
    ),
    _Spec(
        "Les Ruches Citoyennes",
        "Ruchers pédagogiques en pied d'immeuble",
        "Installer quatre ruches et former des habitants relais.",
        "Trois jardins partagés aux Canourgues et à Canto-Perdrix",
        [("pv", "5000"), ("dc", "5000")],
        "12000",
        ["recevable", "instruction", "avis", "decide"],
        {
            "pv": ("favorable", ""),
            "dc": ("favorable", ""),
            "etat": ("favorable", ""),
        },
        (
            "ajourne",
            "Le bailleur n'a pas encore donné son accord pour les toits : dossier réexaminé "
            "dès réception de l'autorisation.",
            None,
        ),
        deadline_days=-20,
        qpvs=["QN01311M"],
    ),
]


async def _members_by_service(roadmap: Roadmap) -> dict[int, Actor]:
    """One person per service able to give its avis (trinôme, direction or cercle élargi)."""
    rank = {Role.TRINOME: 0, Role.DIRECTION: 1, Role.CERCLE_ELARGI: 2}
    best: dict[int, tuple[int, str]] = {}
    for membership in await Membership.filter(roadmap_id=roadmap.id).prefetch_related("person"):
        role = Role(membership.role)
        person: Person = membership.person
        if role not in rank or person.service_id is None:  # type: ignore[attr-defined]
            continue
        key = (rank[role], person.login)
        service_id = person.service_id  # type: ignore[attr-defined]
        if service_id not in best or key < best[service_id]:
            best[service_id] = key
    return {sid: await actor_for(login) for sid, (_, login) in best.items()}


async def build_demo_campaign(actor: Actor, slug: str, today: date | None = None) -> int:
    """Create this year's AAP campaign for ``slug`` with a dozen dossiers; return the year."""
    today = today or date.today()
    me = await actor_for(actor.login)
    roadmap = await Roadmap.get(slug=slug)
    year = today.year
    territoire_id = roadmap.territoire_id  # type: ignore[attr-defined]
    if await Campagne.exists(year=year, territoire_id=territoire_id):
        return year  # already there (the demo is not recreated over a real campaign)
    pv = await Service.get(id=roadmap.pv_service_id)  # type: ignore[attr-defined]
    dc = await Service.get(id=roadmap.dc_service_id)  # type: ignore[attr-defined]
    givers = await _members_by_service(roadmap)
    # the State co-instructs through the préfecture when it sits in the roadmap
    states = [s for s in await Service.filter(kind=ServiceKind.ETAT) if s.id in givers]
    states.sort(key=lambda s: (s.code != "prefecture", s.code))
    etat = states[0] if states else None
    caf = await Service.get_or_none(code="caf")
    codes = {"pv": pv.code, "dc": dc.code}
    if etat:
        codes["etat"] = etat.code
    codes["caf"] = caf.code if caf else pv.code
    instructors = [codes[k] for k in ("pv", "dc", "etat") if k in codes]
    await create_campagne(
        me,
        CampagneInput(
            year=year,
            title=f"AAP contrat de ville {year}",
            opens_on=today - timedelta(days=100),
            closes_on=today + timedelta(days=45),
            roadmaps=[slug],
            instructors=instructors,
        ),
    )
    actions = dict(await Action.filter(roadmap_id=roadmap.id).values_list("title", "ref"))
    for spec in SPECS:
        await _dossier(me, year, spec, codes, actions, givers, today)
    return year


async def _dossier(
    me: Actor,
    year: int,
    spec: _Spec,
    codes: dict[str, str],
    actions: dict[str, str],
    givers: dict[int, Actor],
    today: date,
) -> None:
    plan: dict[str, str] = {}
    for key, amount in spec.plan:
        plan[codes.get(key, codes["pv"])] = amount
    dossier = await create_dossier(
        me,
        year,
        DossierInput(
            porteur=spec.porteur,
            title=spec.title,
            summary=spec.summary,
            action=actions.get(spec.action or ""),
            qpvs=spec.qpvs,
            total_budget=spec.budget,
            avis_deadline=today + timedelta(days=spec.deadline_days),
        ),
        [FinancementInput(code, amount) for code, amount in plan.items()],
    )
    ref = dossier.ref

    async def version() -> int:
        return (await dossier_by_ref(ref)).version

    services = {s.code: s.id for s in await Service.filter(code__in=list(codes.values()))}

    async def avis(key: str, value: str, text: str) -> None:
        giver = givers.get(services.get(codes.get(key, ""), -1))
        if giver is not None:
            await give_avis(giver, ref, value, text)

    for step in spec.steps:
        if step == "recevable":
            await declare_recevable(me, ref, await version())
        elif step == "irrecevable":
            await declare_irrecevable(
                me,
                ref,
                await version(),
                "Association déclarée depuis moins d'un an et sans compte de résultat : "
                "critère d'éligibilité de l'AAP non rempli.",
            )
        elif step == "instruction":
            await start_instruction(me, ref, await version())
        elif step in ("avis", "avis-partiel"):
            for key, (value, text) in spec.avis.items():
                await avis(key, value, text)
        elif step == "avis-change":
            for key, (value, text) in spec.avis.items():
                await avis(key, value, text)
                await avis(key, "favorable", "Calendrier confirmé par l'inspection.")
        elif step == "decide" and spec.decision:
            outcome, motivation, granted = spec.decision
            amounts = (
                {codes.get(k, codes["pv"]): a for k, a in granted.items()} if granted else None
            )
            if (await dossier_by_ref(ref)).state == "avis_rendus":
                await decide(me, ref, await version(), outcome, motivation, amounts)
        elif step == "revise":
            await revise_decision(
                me,
                ref,
                await version(),
                "accorde_partiellement",
                "Après l'arbitrage budgétaire du PAT, sa participation est ramenée à 9 000 € ; "
                "l'animation est maintenue, les ateliers scolaires commenceront en janvier.",
                "Arbitrage budgétaire de la direction agriculture en comité des financeurs",
                {codes["pv"]: "15000", codes["dc"]: "9000"},
            )
        elif step == "notifie":
            await notify(me, ref, await version())
        elif step == "bilan":
            await record_bilan(me, ref, await version(), "Bilan qualitatif et financier reçu")
    if spec.title.startswith("Épicerie solidaire"):
        pv_service = await Service.get(code=codes["pv"])
        giver = givers.get(pv_service.id)
        if giver is not None and await _may_note_for(giver):
            await add_annotation(
                giver,
                ref,
                "Note interne : le trésorier de l'association a changé deux fois cette année, "
                "vérifier les comptes avant le versement du solde.",
            )
