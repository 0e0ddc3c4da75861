"""Core subcommands: demo, whoami, check, db upgrade, db backup, db verify."""

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
        help="recréer (ou retirer) sans demander confirmation (administrateurs seulement)",
    )
    demo.add_argument(
        "--supprimer",
        action="store_true",
        help="retirer la démonstration et ses données inventées, sans toucher aux vraies "
        "feuilles de route (administrateurs seulement)",
    )
    demo.set_defaults(handler=_demo)

    whoami = subparsers.add_parser("whoami", help="afficher votre identité et vos rôles")
    whoami.set_defaults(handler=_whoami)

    check = subparsers.add_parser(
        "check", help="alertes de santé (code de sortie 1 s'il y a une erreur)"
    )
    check.add_argument("--roadmap", metavar="SLUG", help="une seule feuille de route")
    # exit_at_once: read-only, its alerts flushed: the process ends without the
    # interpreter's teardown (runner.py; 30 ms after 7,000 alerts)
    check.set_defaults(handler=_check, exit_at_once=True)

    db = subparsers.add_parser("db", help="entretien de la base de données")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_sub.add_parser("upgrade", help="appliquer les migrations en attente")
    upgrade.set_defaults(handler=_db_upgrade)
    backup = db_sub.add_parser("backup", help="copie cohérente d'une base SQLite en service")
    backup.add_argument("file", metavar="FICHIER", type=Path)
    backup.set_defaults(handler=_db_backup)
    verify = db_sub.add_parser(
        "verify",
        help="recalculer la chaîne du journal et contrôler ses protections (code 1 si altéré)",
    )
    verify.add_argument(
        "--export",
        metavar="FICHIER",
        nargs="+",
        type=Path,
        default=[],
        help="fichiers exportés gardés : leur tête du journal doit y figurer encore",
    )
    verify.set_defaults(handler=_db_verify)
    access = db_sub.add_parser(
        "acces",
        help="PostgreSQL : créer ou mettre à jour le rôle d'une personne (propriétaire du schéma)",
    )
    access.add_argument("login", metavar="LOGIN", help="identifiant de la personne")
    access.add_argument(
        "--role", required=True, choices=["lecteur", "equipe", "admin"], help="niveau d'accès"
    )
    access.set_defaults(handler=_db_access)


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

    if ctx.args.supprimer:
        from roadmap.cli.commands_start import remove_demo_command

        return await remove_demo_command(ctx)
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
                print(f"  - {login} : {plural(count, 'modification')} au journal")
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
    from roadmap.usecases.trust import journal_alerts

    alerts = await journal_alerts()
    alerts += await (check_roadmap(ctx.args.roadmap) if ctx.args.roadmap else check_all())
    if not alerts:
        print("Aucune alerte.")
        return EXIT_OK
    errors = sum(1 for a in alerts if a.level is Level.ERREUR)
    # writelines: half the cost of a print per line at 7,000 alerts, and like print it goes
    # through the 8 kB buffer: a reader that leaves midway (``| head``) still gives 141;
    # one write of the whole text to a pipe could end short without an error (exit 1)
    sys.stdout.writelines([f"{alert}\n" for alert in alerts])
    print(f"\n{plural(len(alerts), 'alerte')} dont {plural(errors, 'erreur')}.")
    return EXIT_ALERT if errors else EXIT_OK


async def _db_upgrade(ctx: CommandContext) -> int:
    from roadmap.storage.verify import missing_protections, restore_protections

    info = ctx.db
    if info.applied_migrations:
        print("Migrations appliquées : " + ", ".join(info.applied_migrations))
        if info.backup_path:
            print(f"Copie d'avant mise à jour : {info.backup_path}")
    else:
        print("La base est à jour.")
    problems = await missing_protections()
    if not ctx.db.location.is_sqlite:
        from roadmap.storage.access import apply_privileges, is_owner

        if await is_owner() and await apply_privileges():  # new tables get their privileges
            print("Droits des rôles de groupe appliqués aux tables.")
    if not problems:
        return EXIT_OK
    for problem in problems:
        fail(problem)
    try:
        await restore_protections()
    except Exception as exc:  # e.g. not the schema owner on PostgreSQL
        fail(f"impossible de remettre les protections du journal : {exc}")
        return EXIT_ALERT
    left = await missing_protections()
    for problem in left:
        fail(f"toujours : {problem}")
    if not left:
        print("Protections du journal recréées. Lancez « roadmap db verify » : ce qui a été")
        print("écrit pendant leur absence n'est visible que par la chaîne du journal.")
    return EXIT_ALERT


async def _db_access(ctx: CommandContext) -> int:
    from roadmap.storage.access import grant_access

    result = await grant_access(ctx.args.login, ctx.args.role)
    verb = "créé" if result.created else "mis à jour"
    print(f"Rôle {result.login} {verb} : membre de {result.group} seulement.")
    if result.created:
        print(f"Donnez-lui un mot de passe : ALTER ROLE \"{result.login}\" PASSWORD '…'")
    if not result.person_known:
        print(f"Aucune fiche personne « {result.login} » : elle lira sans rien pouvoir écrire")
        print("dans l'application tant qu'un administrateur ne l'a pas créée.")
    return EXIT_OK


async def _db_verify(ctx: CommandContext) -> int:
    from roadmap.storage.verify import head_problem, missing_protections, verify_chain

    problems = await missing_protections()
    report = await verify_chain()
    problems += report.problems
    for path in ctx.args.export:
        problem = await head_problem(path)
        if problem:
            problems.append(problem)
        else:
            print(f"{path} : sa tête du journal figure dans la chaîne.")
    for problem in problems:
        print(f"ERREUR        {problem}")
    if problems:
        print(f"\nJournal : {plural(report.rows, 'ligne')}, {plural(len(problems), 'problème')}.")
        return EXIT_ALERT
    head = f"sha256:{report.head}" if report.head else "(journal vide)"
    rows = plural(report.rows, "ligne chaînée", "lignes chaînées")
    print(f"Journal intact : {rows}, protections en place.")
    print(f"Tête du journal : {head}")
    return EXIT_OK


async def _db_backup(ctx: CommandContext) -> int:
    from roadmap.storage.database import backup_sqlite

    location = ctx.db.location
    if not location.is_sqlite or location.path is None:
        fail("la sauvegarde intégrée concerne SQLite ; pour PostgreSQL, utilisez pg_dump")
        return EXIT_USAGE
    target: Path = ctx.args.file.expanduser().absolute()
    cleaned = await backup_sqlite(location.path, target)
    for path in cleaned:
        print(f"supprimé  {path} (copie partielle d'une sauvegarde interrompue)")
    print(f"Sauvegarde écrite et vérifiée (integrity_check) : {target}")
    return EXIT_OK
