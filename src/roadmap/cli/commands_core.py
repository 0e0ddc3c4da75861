"""Core subcommands: demo, whoami, check, db upgrade, db backup."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from roadmap.cli.runner import EXIT_ALERT, EXIT_OK, EXIT_USAGE, CommandContext, fail
from roadmap.formatting import plural


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo", help="créer (ou recréer) la feuille de route de démonstration"
    )
    demo.add_argument(
        "--force",
        action="store_true",
        help="recréer sans demander confirmation (administrateurs seulement)",
    )
    demo.set_defaults(handler=_demo)

    whoami = subparsers.add_parser("whoami", help="afficher votre identité et vos rôles")
    whoami.set_defaults(handler=_whoami)

    check = subparsers.add_parser(
        "check", help="alertes de santé (code de sortie 1 s'il y a une erreur)"
    )
    check.add_argument("--roadmap", metavar="SLUG", help="une seule feuille de route")
    check.set_defaults(handler=_check)

    db = subparsers.add_parser("db", help="entretien de la base de données")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_sub.add_parser("upgrade", help="appliquer les migrations en attente")
    upgrade.set_defaults(handler=_db_upgrade)
    backup = db_sub.add_parser("backup", help="copie cohérente d'une base SQLite en service")
    backup.add_argument("file", metavar="FICHIER", type=Path)
    backup.set_defaults(handler=_db_backup)


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        return input(f"{question} [o/N] ").strip().lower() in ("o", "oui", "y", "yes")
    except EOFError:
        return False


async def _demo(ctx: CommandContext) -> int:
    from roadmap.usecases.admin import require_administrator
    from roadmap.usecases.demo import (
        DEMO_SLUG,
        build_demo,
        demo_exists,
        preview_demo_replacement,
    )

    replace = False
    if await demo_exists():
        # refused before anything is counted, asked or deleted
        await require_administrator(ctx.actor, "remplacer la feuille de route de démonstration")
        preview = await preview_demo_replacement()
        if not ctx.args.force and not sys.stdin.isatty():
            fail(f"{DEMO_SLUG} existe déjà ; relancez avec --force pour la recréer")
            return EXIT_USAGE
        print(f"Remplacer {DEMO_SLUG} supprime :")
        for line in preview.lines() or ["rien"]:
            print(f"  - {line}")
        if preview.by_others:
            print("  dont des modifications faites par d'autres personnes que la démo :")
            for login, count in sorted(preview.by_others.items()):
                print(f"  - {login} : {count} modification(s) au journal")
        print("Le journal garde tout l'historique et notera la suppression.")
        if not ctx.args.force and not _confirm(f"Supprimer {DEMO_SLUG} et la recréer ?"):
            fail("abandon : rien n'a été supprimé")
            return EXIT_USAGE
        replace = True
    slug = await build_demo(ctx.actor, replace=replace)
    print(f"Feuille de route de démonstration prête : {slug}")
    print(f"Vous ({ctx.actor.login}) y avez un siège au trinôme. Lancez : roadmap")
    return EXIT_OK


async def _whoami(ctx: CommandContext) -> int:
    from roadmap.usecases.identity import roles_of

    actor = ctx.actor
    print(f"Identifiant : {actor.login}")
    print(f"Nom         : {actor.name or '(inconnu : aucune fiche personne à ce nom)'}")
    print(f"Base        : {ctx.db.location.describe()}")
    roles = await roles_of(actor)
    if not roles:
        print("Rôles       : aucun (lecture seule)")
    for slug, role in sorted(roles):
        from roadmap.domain.enums import Role

        print(f"  {slug:<30} {Role(role).label}")
    return EXIT_OK


async def _check(ctx: CommandContext) -> int:
    from roadmap.usecases.check import Level, check_all, check_roadmap

    alerts = await (check_roadmap(ctx.args.roadmap) if ctx.args.roadmap else check_all())
    if not alerts:
        print("Aucune alerte.")
        return EXIT_OK
    for alert in alerts:
        print(alert)
    errors = sum(1 for a in alerts if a.level is Level.ERREUR)
    print(f"\n{plural(len(alerts), 'alerte')} dont {plural(errors, 'erreur')}.")
    return EXIT_ALERT if errors else EXIT_OK


async def _db_upgrade(ctx: CommandContext) -> int:
    info = ctx.db
    if info.applied_migrations:
        print("Migrations appliquées : " + ", ".join(info.applied_migrations))
        if info.backup_path:
            print(f"Copie d'avant mise à jour : {info.backup_path}")
    else:
        print("La base est à jour.")
    return EXIT_OK


async def _db_backup(ctx: CommandContext) -> int:
    from roadmap.storage.database import backup_sqlite

    location = ctx.db.location
    if not location.is_sqlite or location.path is None:
        fail("la sauvegarde intégrée concerne SQLite ; pour PostgreSQL, utilisez pg_dump")
        return EXIT_USAGE
    target: Path = ctx.args.file.expanduser().absolute()
    await backup_sqlite(location.path, target)
    print(f"Sauvegarde écrite et vérifiée (integrity_check) : {target}")
    return EXIT_OK
