"""The demo roadmap: the Métropole's PAT × politique de la ville for Salon and Martigues.

People and associations are invented. Dates are relative to ``today`` so the demo stays
alive whenever it is built; pass a fixed ``today`` for byte-stable exports and snapshots.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from roadmap.domain.demo_reference import (
    DEMO_PERSONA,
    DEMO_SLUG,
    DEMO_TERRITORY,
    PEOPLE,
    QPVS,
    SERVICES,
)
from roadmap.domain.enums import Role, Side
from roadmap.domain.errors import StorageError
from roadmap.models import Adjustment, Person, Qpv, Roadmap, Service, Territoire
from roadmap.usecases import actions as act
from roadmap.usecases import base
from roadmap.usecases import jalons as jal
from roadmap.usecases import observations as obs
from roadmap.usecases import reference as ref
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.admin import require_administrator
from roadmap.usecases.base import clock_at, write_unit
from roadmap.usecases.demo_copil import after_copil, copil_baseline_and_releve
from roadmap.usecases.demo_instruction import build_demo_campaign
from roadmap.usecases.demo_replace import DemoDeletion, delete_demo, demo_deletion
from roadmap.usecases.identity import Actor, actor_for
from roadmap.usecases.queries import jalon_detail, list_actions, list_jalons

AXES = [
    (
        "Accès à une alimentation saine dans les QPV",
        "Lever les freins financiers, physiques et culturels.",
    ),
    (
        "Jardins partagés et agriculture urbaine",
        "Produire et cultiver ensemble au pied des immeubles.",
    ),
    ("Épiceries solidaires", "Un réseau d'épiceries à prix solidaires approvisionnées localement."),
    ("Restauration scolaire", "Des cantines durables dans les écoles des quartiers."),
    (
        "Éducation à l'alimentation",
        "Cuisiner, goûter, comprendre : avec les familles et les écoles.",
    ),
]


def _d(today: date, days: int) -> date:
    return today + timedelta(days=days)


def _end_of_month(day: date) -> date:
    following = day.replace(day=28) + timedelta(days=4)
    return following - timedelta(days=following.day)


async def _ensure_reference(actor: Actor) -> None:
    if not await Territoire.exists(code=DEMO_TERRITORY[0]):
        await ref.create_territoire(actor, *DEMO_TERRITORY)
    for code, name, kind, parent in SERVICES:
        if not await Service.exists(code=code):
            await ref.create_service(actor, ref.ServiceInput(code, name, kind, parent))
    for login, name, email, service in PEOPLE:
        if not await Person.exists(login=login):
            await ref.create_person(actor, ref.PersonInput(login, name, email, service))
    for code, name, commune in QPVS:
        if not await Qpv.exists(code=code):
            await ref.create_qpv(actor, code, name, commune)
    if not await Person.exists(login=actor.login):
        # The runner keeps their login; the seat the demo gives them carries a demo name,
        # which is what the others see in the trinôme and on the avis.
        name = actor.name or DEMO_PERSONA
        await ref.create_person(actor, ref.PersonInput(actor.login, name, "", "dcs"))


async def demo_exists() -> bool:
    return await Roadmap.exists(slug=DEMO_SLUG)


def demo_logins() -> list[str]:
    """The demo's invented people: deleted with it when nothing else refers to them."""
    return [login for login, *_ in PEOPLE]


async def preview_demo_replacement() -> DemoDeletion:
    return await demo_deletion(DEMO_SLUG, demo_logins())


async def build_demo(actor: Actor, today: date | None = None, *, replace: bool = False) -> str:
    """Create the demo roadmap (replacing it when ``replace``) and return its slug.

    Administrators only: the demo creates reference data, and replacing it deletes a
    roadmap that real people may have written in. The refusal comes before any write.
    """
    await require_administrator(actor, "créer ou remplacer la feuille de route de démonstration")
    today = today or date.today()
    # 09:00 of ``today``, unless that is still to come: history is never stamped in the future.
    stamp = min(datetime.combine(today, time(9, 0), tzinfo=UTC), base.now())
    with clock_at(stamp):
        try:
            # One transaction for the deletion and the whole build (each use case below joins
            # it): a failure mid-way (full disk) keeps the old demo, or leaves no demo at all.
            return await write_unit(lambda: _build(actor, today, replace=replace))
        except StorageError as exc:
            kept = "la démonstration précédente est intacte" if replace else "pas de démonstration"
            raise StorageError(f"{exc.message} ; {kept}", field=exc.field) from exc


async def _build(actor: Actor, today: date, *, replace: bool) -> str:
    if await demo_exists():
        if not replace:
            return DEMO_SLUG
        await delete_demo(actor, DEMO_SLUG, demo_logins())
    await _ensure_reference(actor)
    me = await actor_for(actor.login)
    slug = DEMO_SLUG
    await rm.create_roadmap(
        me,
        rm.RoadmapInput(
            slug=slug,
            title="PAT × politique de la ville — Salon-de-Provence et Martigues",
            destination=(
                "D'ici l'horizon, chaque habitant des quartiers prioritaires de Salon-de-Provence "
                "et de Martigues trouve une alimentation saine, locale et abordable à moins d'un "
                "quart d'heure de chez lui, et les actions du Projet alimentaire territorial "
                "touchent les QPV autant que le reste de la Métropole."
            ),
            horizon=_end_of_month(_d(today, 800)),
            pv_service="dcs",
            dc_service="dapat",
            territoire=DEMO_TERRITORY[0],
        ),
    )
    await _team(me, slug)
    axes = [(await rm.create_axe(me, slug, title, description)).ref for title, description in AXES]
    jalons = await _jalons(me, slug, today)
    await _actions(me, slug, today, axes, jalons)
    await copil_baseline_and_releve(me, slug, today)
    await _reroutings(me, slug, today)
    await after_copil(me, slug)
    await _observations(me, slug, today, axes)
    await _backdate_adjustments(slug, today)
    await build_demo_campaign(me, slug, today)
    return slug


async def _team(me: Actor, slug: str) -> None:
    membership = [
        ("cmartin", Role.TRINOME, Side.POLITIQUE_DE_LA_VILLE),
        ("jrey", Role.TRINOME, Side.DROIT_COMMUN),
        ("nbenali", Role.DIRECTION, Side.POLITIQUE_DE_LA_VILLE),
        ("sgarcia", Role.CERCLE_ELARGI, Side.AUTRE),
        ("khaddad", Role.CERCLE_ELARGI, Side.AUTRE),
        ("molivier", Role.CERCLE_ELARGI, Side.AUTRE),
        ("efabre", Role.CERCLE_ELARGI, Side.AUTRE),
        ("tlambert", Role.CERCLE_ELARGI, Side.DROIT_COMMUN),
        ("lmoreau", Role.CERCLE_ELARGI, Side.DROIT_COMMUN),
        ("pdurand", Role.LECTEUR, Side.AUTRE),
    ]
    for login, role, side in membership:
        if login != me.login:
            await rm.add_member(me, slug, login, role.value, side.value)


async def _jalons(me: Actor, slug: str, today: date) -> dict[str, str]:
    specs = [
        ("copil1", "COPIL de lancement", "copil", -120, ["dcs", "dapat", "prefecture"], [], []),
        (
            "sprint",
            "Journée sprint « manger mieux dans mon quartier »",
            "journee_sprint",
            -75,
            ["centres-sociaux", "caf"],
            ["khaddad", "sgarcia"],
            [],
        ),
        (
            "atelier1",
            "Atelier diagnostic partagé des QPV",
            "atelier",
            -40,
            ["ars", "sante"],
            ["efabre"],
            [],
        ),
        ("cotech", "COTECH de mi-parcours", "cotech", -5, ["dcs", "dapat", "ddets"], [], []),
        (
            "aap",
            "Échéance de dépôt de l'AAP contrat de ville",
            "echeance_aap",
            45,
            ["prefecture", "ddets"],
            [],
            [],
        ),
        (
            "atelier2",
            "Atelier restauration scolaire durable",
            "atelier",
            70,
            ["resto-martigues"],
            ["tlambert"],
            [],
        ),
        (
            "territoire",
            "Journée de territoire aux Canourgues",
            "journee_territoire",
            110,
            ["centres-sociaux", "departement"],
            [],
            [],
        ),
        (
            "copil2",
            "COPIL annuel",
            "copil",
            150,
            ["dcs", "dapat", "prefecture", "caf"],
            [],
            ["cotech", "atelier2"],
        ),
    ]
    refs: dict[str, str] = {}
    for key, title, kind, offset, services, people, depends in specs:
        refs[key] = await jal.create_jalon(
            me,
            slug,
            jal.JalonInput(
                title=title,
                date=_d(today, offset),
                kind=kind,
                invited_services=services,
                invited_people=people,
                depends_on=[refs[d] for d in depends],
            ),
        )
    for key in ("copil1", "sprint", "atelier1"):
        version = (await jalon_detail(slug, refs[key])).row.version
        await jal.set_jalon_status(me, slug, refs[key], version, "tenu")
    return refs


async def _actions(
    me: Actor, slug: str, today: date, axes: list[str], jalons: dict[str, str]
) -> None:
    A = act.ActionInput
    specs: list[tuple[str, act.ActionInput]] = [
        (
            "diag",
            A(
                "Diagnostic de l'offre alimentaire dans les 5 QPV",
                "dcs",
                axes[0],
                "cmartin",
                "terminee",
                _d(today, -150),
                _d(today, -45),
                pillar="cohesion_sociale",
                contributors=["dapat", "sante", "ars"],
                qpvs=[q[0] for q in QPVS],
            ),
        ),
        (
            "cheques",
            A(
                "Chèques « fruits et légumes » avec les centres sociaux",
                "dcs",
                axes[0],
                "cmartin",
                "en_cours",
                _d(today, -30),
                _d(today, 200),
                pillar="cohesion_sociale",
                contributors=["caf", "centres-sociaux"],
                qpvs=["QN01301M", "QN01311M"],
            ),
        ),
        (
            "marches",
            A(
                "Marchés de producteurs au pied des immeubles",
                "dapat",
                axes[0],
                "jrey",
                "a_lancer",
                _d(today, 30),
                _d(today, 300),
                pillar="cadre_de_vie",
                contributors=["dcs"],
                qpvs=["QN01302M", "QN01312M"],
            ),
        ),
        (
            "jardins-carto",
            A(
                "Cartographie du foncier cultivable en QPV",
                "dapat",
                axes[1],
                "lmoreau",
                "en_cours",
                _d(today, -60),
                _d(today, 40),
                pillar="cadre_de_vie",
                contributors=["dcs"],
                qpvs=["QN01301M", "QN01313M"],
            ),
        ),
        (
            "jardins",
            A(
                "Trois jardins partagés aux Canourgues et à Canto-Perdrix",
                "dapat",
                axes[1],
                "jrey",
                "a_lancer",
                _d(today, 50),
                _d(today, 400),
                pillar="cadre_de_vie",
                contributors=["centres-sociaux", "departement"],
                qpvs=["QN01301M", "QN01311M"],
            ),
        ),
        (
            "ferme",
            A(
                "Micro-ferme urbaine et chantier d'insertion",
                "dapat",
                axes[1],
                "jrey",
                "idee",
                _d(today, 410),
                _d(today, 650),
                pillar="emploi_developpement_economique",
                contributors=["ddets", "dcs"],
                qpvs=["QN01313M"],
            ),
        ),
        (
            "epicerie-etude",
            A(
                "Étude d'opportunité d'une épicerie solidaire à Martigues",
                "dcs",
                axes[2],
                "cmartin",
                "terminee",
                _d(today, -140),
                _d(today, -20),
                pillar="cohesion_sociale",
                contributors=["caf"],
                qpvs=["QN01312M"],
            ),
        ),
        (
            "epicerie",
            A(
                "Ouverture de l'épicerie solidaire de Notre-Dame-des-Marins",
                "dcs",
                axes[2],
                "cmartin",
                "bloquee",
                _d(today, -10),
                _d(today, 180),
                pillar="cohesion_sociale",
                contributors=["caf", "dapat"],
                qpvs=["QN01312M"],
            ),
        ),
        (
            "appro",
            A(
                "Approvisionnement des épiceries en circuit court",
                "dapat",
                axes[2],
                "lmoreau",
                "a_lancer",
                _d(today, 190),
                _d(today, 420),
                pillar="emploi_developpement_economique",
                contributors=["dcs"],
            ),
        ),
        (
            "cantines-diag",
            A(
                "Diagnostic des cantines des écoles en QPV",
                "resto-martigues",
                axes[3],
                "jrey",
                "en_cours",
                _d(today, -45),
                _d(today, 60),
                pillar="cohesion_sociale",
                contributors=["dapat", "dcs"],
                qpvs=["QN01311M", "QN01312M", "QN01313M"],
            ),
        ),
        (
            "cantines",
            A(
                "30 % de produits locaux dans les cantines des écoles QPV",
                "resto-martigues",
                axes[3],
                "jrey",
                "idee",
                _d(today, 120),
                _d(today, 600),
                pillar="cohesion_sociale",
                contributors=["dapat"],
            ),
        ),
        (
            "tarif",
            A(
                "Tarification sociale de la cantine",
                "resto-martigues",
                axes[3],
                None,
                "idee",
                None,
                None,
                pillar="cohesion_sociale",
                contributors=["caf"],
            ),
        ),
        (
            "ateliers-cuisine",
            A(
                "Ateliers cuisine parents-enfants dans les centres sociaux",
                "sante",
                axes[4],
                "cmartin",
                "en_cours",
                _d(today, -90),
                _d(today, 120),
                pillar="cohesion_sociale",
                contributors=["centres-sociaux", "ars"],
                qpvs=["QN01301M", "QN01302M"],
            ),
        ),
        (
            "classes-gout",
            A(
                "Classes du goût dans les écoles des quartiers",
                "sante",
                axes[4],
                "cmartin",
                "a_lancer",
                _d(today, 130),
                _d(today, 320),
                pillar="cohesion_sociale",
                contributors=["resto-martigues", "ars"],
            ),
        ),
        (
            "evaluation",
            A(
                "Évaluation partagée, quantitative et sensible",
                "dcs",
                axes[0],
                "cmartin",
                "idee",
                _d(today, 660),
                _d(today, 740),
                pillar="cohesion_sociale",
                contributors=["dapat", "prefecture"],
            ),
        ),
    ]
    refs: dict[str, str] = {}
    for key, data in specs:
        refs[key] = await act.create_action(me, slug, data)
    dependencies = [
        ("cheques", "diag"),
        ("marches", "diag"),
        ("jardins", "jardins-carto"),
        ("ferme", "jardins"),
        ("epicerie", "epicerie-etude"),
        ("appro", "epicerie"),
        ("cantines", "cantines-diag"),
        ("tarif", "cantines-diag"),
        ("classes-gout", "ateliers-cuisine"),
        ("evaluation", "cheques"),
        ("evaluation", "cantines"),
        ("evaluation", "ferme"),
    ]
    for item, on in dependencies:
        await act.add_dependency(me, slug, refs[item], refs[on])
    await act.add_dependency(me, slug, refs["jardins"], jalons["aap"])
    await act.add_dependency(me, slug, refs["cantines"], jalons["atelier2"])
    await act.add_dependency(me, slug, jalons["copil2"], refs["cantines-diag"])
    engagements = [
        ("marches", "dapat", "budget", "18000", "Animation et communication des marchés"),
        ("jardins", "dapat", "budget", "45000", "Aménagement des parcelles"),
        ("jardins", "departement", "nature", "3", "Mise à disposition de trois terrains"),
        ("cheques", "caf", "budget", "25000", "Co-financement des chèques"),
        ("cantines-diag", "resto-martigues", "etp", "0.5", "Diététicienne de la ville"),
        ("ateliers-cuisine", "sante", "etp", "0.3", "Animatrice santé"),
        ("epicerie", "caf", "nature", "1", "Local prêté par la CAF"),
    ]
    year = today.year
    for key, service, kind, amount, description in engagements:
        await act.add_engagement(
            me,
            slug,
            refs[key],
            act.EngagementInput(
                service, kind, amount, date(year, 1, 1), date(year, 12, 31), description
            ),
        )


async def _reroutings(me: Actor, slug: str, today: date) -> None:
    by_title = {j.title: j for j in await list_jalons(slug)}
    cotech = by_title["COTECH de mi-parcours"]
    await jal.reroute_jalon(
        me,
        slug,
        cotech.ref,
        cotech.version,
        cotech.current_date - timedelta(days=14),
        "Avancé pour préparer le dépôt des dossiers AAP avec les services de l'État",
        "opportunite",
    )
    atelier = by_title["Atelier restauration scolaire durable"]
    await jal.reroute_jalon(
        me,
        slug,
        atelier.ref,
        atelier.version,
        atelier.current_date + timedelta(days=21),
        "Le prestataire de restauration ne peut pas être présent avant la rentrée",
        "contrainte",
    )
    await obs.add_comment(
        await actor_for("khaddad"),
        slug,
        "Proposition : associer les parents d'élèves élus au diagnostic des cantines.",
        about=(await _action_ref(slug, "Diagnostic des cantines des écoles en QPV")),
        kind="proposition",
    )


async def _action_ref(slug: str, title: str) -> str:
    return next(a.ref for a in await list_actions(slug) if a.title == title)


async def _observations(me: Actor, slug: str, today: date, axes: list[str]) -> None:
    gardens = await obs.create_indicator(
        me, slug, "Jardins partagés actifs en QPV", "jardins", axes[1]
    )
    for offset, value in ((-365, 1), (-180, 1), (-90, 2), (-10, 2)):
        await obs.add_indicator_value(me, slug, gardens, _d(today, offset), str(value))
    canteen = await obs.create_indicator(
        me, slug, "Produits locaux dans les cantines des écoles QPV", "%", axes[3]
    )
    for offset, value in ((-365, "8"), (-180, "11,5"), (-30, "14")):
        await obs.add_indicator_value(me, slug, canteen, _d(today, offset), value)
    grocery = await obs.create_indicator(
        me, slug, "Passages mensuels dans les épiceries solidaires", "passages/mois", axes[2]
    )
    for offset, value in ((-120, "310"), (-90, "335"), (-60, "352"), (-30, "390")):
        await obs.add_indicator_value(me, slug, grocery, _d(today, offset), value)
    await obs.add_record(
        me,
        slug,
        _d(today, -75),
        "Les habitantes rencontrées à la journée sprint disent renoncer aux fruits frais "
        "en fin de mois ; le marché du samedi est jugé trop loin sans voiture.",
        "Journée sprint, Canourgues",
        axes[0],
    )
    await obs.add_record(
        await actor_for("efabre"),
        slug,
        _d(today, -40),
        "Atelier diagnostic : forte attente d'ateliers cuisine en arabe et en comorien.",
        "Atelier diagnostic partagé",
        axes[4],
    )


async def _backdate_adjustments(slug: str, today: date) -> None:
    """Past re-routings are dated in the past, so the demo reads like a lived roadmap."""
    roadmap = await Roadmap.get(slug=slug)

    async def unit() -> None:
        for index, adjustment in enumerate(
            await Adjustment.filter(roadmap_id=roadmap.id).order_by("id")
        ):
            when = datetime.combine(today - timedelta(days=30 - 7 * index), time(9, 30), tzinfo=UTC)
            await Adjustment.filter(id=adjustment.id).update(created_at=when)

    await write_unit(unit)
