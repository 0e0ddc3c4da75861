"""Administration subcommands: administrators, territories and people (administrators only)."""

from __future__ import annotations

import argparse

from roadmap.cli.runner import EXIT_OK, CommandContext
from roadmap.formatting import date_short, plural


def register(subparsers: argparse._SubParsersAction) -> None:
    admin = subparsers.add_parser(
        "admin", help="administrateurs de la base et territoires (données de référence)"
    )
    sub = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    listing = sub.add_parser("liste", help="les administrateurs de la base")
    listing.set_defaults(handler=_list)
    add = sub.add_parser("ajouter", help="nommer un administrateur (administrateurs seulement)")
    add.add_argument("login", metavar="IDENTIFIANT")
    add.set_defaults(handler=_add)
    remove = sub.add_parser("retirer", help="retirer un administrateur nommé")
    remove.add_argument("login", metavar="IDENTIFIANT")
    remove.set_defaults(handler=_remove)
    territories = sub.add_parser("territoires", help="les territoires (contrats de ville)")
    territories.set_defaults(handler=_territories)
    territory = sub.add_parser(
        "territoire", help="créer un territoire, ou renommer un territoire existant"
    )
    territory.add_argument("code", metavar="CODE")
    territory.add_argument("name", metavar="NOM")
    territory.set_defaults(handler=_territory)
    person = sub.add_parser(
        "personne",
        help="corriger le nom, le courriel ou le service d'une personne (référentiel)",
        description="Ce qui n'est pas donné reste tel quel. Versionné et noté au journal ; "
        "le même use case que l'écran Équipe (touche c) et qu'une proposition acceptée.",
    )
    person.add_argument("login", metavar="IDENTIFIANT")
    person.add_argument("--nom", metavar="NOM")
    person.add_argument("--courriel", metavar="ADRESSE", help='adresse, ou "" pour l\'effacer')
    person.add_argument("--service", metavar="CODE", help='code du service, ou "" pour aucun')
    person.set_defaults(handler=_person)
    service = sub.add_parser("service", help="créer un service (côté, partenaire, État)")
    service.add_argument("code", metavar="CODE")
    service.add_argument("name", metavar="NOM")
    service.add_argument(
        "--nature",
        required=True,
        choices=["politique_de_la_ville", "droit_commun", "etat", "partenaire"],
    )
    service.set_defaults(handler=_service)
    new_person = sub.add_parser(
        "nouvelle-personne", help="créer la fiche d'une personne, pour l'ajouter à une équipe"
    )
    new_person.add_argument("login", metavar="IDENTIFIANT", help="son identifiant de session")
    new_person.add_argument("name", metavar="NOM")
    new_person.add_argument("--service", metavar="CODE", help="son service")
    new_person.add_argument("--courriel", default="", metavar="ADRESSE")
    new_person.set_defaults(handler=_new_person)


async def _list(ctx: CommandContext) -> int:
    from roadmap.usecases.admin import is_administrator
    from roadmap.usecases.administrators import list_administrators

    rows = await list_administrators()
    if not rows:
        print("Aucun administrateur.")
    for row in rows:
        when = f" le {date_short(row.added_at)}" if row.added_at else ""
        print(f"  {row.login:<24} {row.source}{when}")
    mine = "oui" if await is_administrator(ctx.actor) else "non"
    print(f"Vous ({ctx.actor.login}) : administrateur {mine}.")
    return EXIT_OK


async def _add(ctx: CommandContext) -> int:
    from roadmap.usecases.administrators import add_administrator

    await add_administrator(ctx.actor, ctx.args.login)
    print(f"{ctx.args.login.strip()} est administrateur de la base (noté au journal).")
    return EXIT_OK


async def _remove(ctx: CommandContext) -> int:
    from roadmap.usecases.administrators import remove_administrator

    await remove_administrator(ctx.actor, ctx.args.login)
    print(f"{ctx.args.login.strip()} n'est plus administrateur (noté au journal).")
    return EXIT_OK


async def _territories(ctx: CommandContext) -> int:
    from roadmap.models import Campagne, Roadmap, Territoire

    territories = await Territoire.all().order_by("code")
    if not territories:
        print("Aucun territoire.")
    for t in territories:
        campaigns = await Campagne.filter(territoire_id=t.id).count()
        roadmaps = await Roadmap.filter(territoire_id=t.id).count()
        print(
            f"  {t.code:<16} {t.name} ("
            f"{plural(roadmaps, 'feuille de route', 'feuilles de route')}, "
            f"{plural(campaigns, 'campagne')})"
        )
    return EXIT_OK


async def _territory(ctx: CommandContext) -> int:
    from roadmap.models import Territoire
    from roadmap.usecases.reference import create_territoire, rename_territoire

    existing = await Territoire.get_or_none(code=ctx.args.code.strip())
    if existing is None:
        await create_territoire(ctx.actor, ctx.args.code, ctx.args.name)
        print(f"Territoire {ctx.args.code.strip()} créé.")
    else:
        await rename_territoire(ctx.actor, existing.code, existing.version, ctx.args.name)
        print(f"Territoire {existing.code} renommé.")
    return EXIT_OK


async def _person(ctx: CommandContext) -> int:
    from roadmap.usecases.admin import require_administrator
    from roadmap.usecases.reference import edit_person, person_card

    args = ctx.args
    await require_administrator(ctx.actor, "modifier les personnes")  # said before the lookup
    card = await person_card(args.login)
    name = card.name if args.nom is None else args.nom
    email = card.email if args.courriel is None else args.courriel.strip()
    service = card.service_code if args.service is None else args.service.strip()
    if (name, email, service) == (card.name, card.email, card.service_code):
        print(f"{card.login} : rien à changer")
        return EXIT_OK
    await edit_person(
        ctx.actor, card.login, card.version, name=name, email=email, service_code=service or None
    )
    after = await person_card(card.login)
    print(
        f"{after.login} : {after.name}, {after.email or 'sans courriel'}, "
        f"service {after.service_code or 'aucun'} (noté au journal)"
    )
    return EXIT_OK


async def _service(ctx: CommandContext) -> int:
    from roadmap.usecases.reference import ServiceInput, create_service

    a = ctx.args
    created = await create_service(ctx.actor, ServiceInput(a.code, a.name, a.nature))
    print(f"Service {created.code} créé (noté au journal).")
    return EXIT_OK


async def _new_person(ctx: CommandContext) -> int:
    from roadmap.usecases.reference import PersonInput, create_person

    a = ctx.args
    person = await create_person(ctx.actor, PersonInput(a.login, a.name, a.courriel, a.service))
    print(f"Fiche de {person.name} ({person.login}) créée (noté au journal).")
    print("Ajoutez-la à une équipe : écran Équipe, touche n.")
    return EXIT_OK
