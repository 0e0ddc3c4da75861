"""Start for real: ``roadmap commencer`` (the guided start) and ``roadmap demo --supprimer``."""

from __future__ import annotations

import argparse
import sys

from roadmap.cli.runner import EXIT_OK, EXIT_USAGE, CommandContext, fail


def register(subparsers: argparse._SubParsersAction) -> None:
    start = subparsers.add_parser(
        "commencer",
        help="base neuve : créer territoire, services, votre fiche et la première feuille "
        "de route (administrateurs)",
    )
    start.add_argument("--territoire", required=True, metavar="NOM", help="le contrat de ville")
    start.add_argument("--nom", required=True, metavar="NOM", help="votre nom (prénom et nom)")
    start.add_argument("--service", required=True, metavar="NOM", help="le nom de votre service")
    start.add_argument(
        "--cote",
        required=True,
        choices=["politique_de_la_ville", "droit_commun"],
        help="le côté de votre service",
    )
    start.add_argument(
        "--autre-service",
        required=True,
        metavar="NOM",
        help="le service de l'autre côté (droit commun si vous êtes politique de la ville)",
    )
    start.add_argument("--titre", required=True, metavar="TITRE")
    start.add_argument("--point-arrivee", required=True, metavar="TEXTE", dest="destination")
    start.add_argument("--horizon", required=True, metavar="JJ/MM/AAAA")
    start.set_defaults(handler=_start)


async def _start(ctx: CommandContext) -> int:
    from roadmap.usecases.first_start import FirstStart, first_start

    a = ctx.args
    started = await first_start(
        ctx.actor,
        FirstStart(
            territoire=a.territoire,
            my_name=a.nom,
            my_service=a.service,
            my_side=a.cote,
            other_service=a.autre_service,
            title=a.titre,
            destination=a.destination,
            horizon=a.horizon,
        ),
    )
    pv, dc = started.services
    print(f"Territoire : {started.territoire}")
    print(f"Services : {pv} (politique de la ville), {dc} (droit commun)")
    print(f"Feuille de route créée : {started.slug} ; vous êtes au trinôme.")
    print("Ensuite : roadmap (l'interface), touche e pour ajouter l'équipe.")
    return EXIT_OK


def _confirm(question: str) -> bool:
    try:
        return input(f"{question} [o/N] ").strip().lower() in ("o", "oui")
    except EOFError:
        return False


async def remove_demo_command(ctx: CommandContext) -> int:
    """``roadmap demo --supprimer [--force]``: the counts first, then (on a terminal) a question."""
    from roadmap.usecases.admin import require_administrator
    from roadmap.usecases.demo_remove import WHAT, preview_demo_removal, remove_demo

    await require_administrator(ctx.actor, WHAT)  # refused before anything is counted
    preview = await preview_demo_removal()
    if preview.roadmap is None and not preview.removed:
        fail("aucune démonstration dans cette base : rien à retirer")
        return EXIT_USAGE
    if not ctx.args.force and not sys.stdin.isatty():
        fail("relancez avec --force pour retirer la démonstration sans question")
        return EXIT_USAGE
    print("Retirer la démonstration supprime :")
    for line in preview.lines() or ["rien"]:
        print(f"  - {line}")
    print("Ce qu'une vraie feuille de route utilise reste en place.")
    print("Le journal garde tout l'historique et notera la suppression.")
    if not ctx.args.force and not _confirm("Retirer la démonstration ?"):
        fail("abandon : rien n'a été supprimé")
        return EXIT_USAGE
    result = await remove_demo(ctx.actor)
    print("Démonstration retirée.")
    if result.kept:
        print("Gardé, car une vraie feuille de route s'en sert : " + ", ".join(result.kept))
    return EXIT_OK
