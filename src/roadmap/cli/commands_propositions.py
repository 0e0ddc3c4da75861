"""``roadmap propositions``: receive a service's file sent back, list, accept, refuse."""

from __future__ import annotations

import argparse
from pathlib import Path

from roadmap.cli.itinerary_options import add_dependents_choice, shift_dependents
from roadmap.cli.runner import EXIT_OK, CommandContext
from roadmap.formatting import plural


def register(subparsers: argparse._SubParsersAction) -> None:
    top = subparsers.add_parser(
        "propositions",
        help="ce que les services proposent en renvoyant leur fichier (recevoir, décider)",
        description="Un service modifie son fichier services/<code>.toml et le renvoie ; "
        "chaque valeur modifiée devient une proposition que le trinôme accepte ou refuse. "
        "Ce qu'un service peut proposer : docs/export-format.md.",
    )
    sub = top.add_subparsers(dest="propositions_command", metavar="ACTION", required=True)
    receive = sub.add_parser("recevoir", help="enregistrer les propositions d'un fichier renvoyé")
    receive.add_argument("file", metavar="FICHIER.toml", type=Path)
    receive.add_argument(
        "--par", metavar="AUTEUR", help="auteur déclaré (sinon [reponse] auteur du fichier)"
    )
    receive.set_defaults(handler=_receive)
    listing = sub.add_parser("liste", help="les propositions, par service")
    listing.add_argument("--en-attente", action="store_true", help="seulement celles en attente")
    listing.set_defaults(handler=_list)
    accept = sub.add_parser(
        "accepter",
        help="appliquer une proposition (mêmes règles qu'un formulaire)",
        description="Une date déplacée suit la règle du formulaire « Ajuster l'itinéraire » : "
        "si elle contredit des éléments qui en dépendent, choisissez --decaler ou --garder.",
    )
    accept.add_argument("number", metavar="NUMERO", type=int)
    add_dependents_choice(
        accept,
        decaler="date déplacée : décaler aussi les éléments qui en dépendent (un ajustement "
        "chacun, « entraîné par … », même motif)",
        garder="date déplacée : garder leurs dates (la dépendance contredite reste en alerte)",
    )
    accept.set_defaults(handler=_accept)
    refuse = sub.add_parser("refuser", help="refuser une proposition avec son motif")
    refuse.add_argument("number", metavar="NUMERO", type=int)
    refuse.add_argument("--motif", required=True, metavar="TEXTE", help="motif du refus")
    refuse.set_defaults(handler=_refuse)


async def _receive(ctx: CommandContext) -> int:
    from roadmap.exchange.receive import receive_file
    from roadmap.usecases.propositions import engagement_names

    result = await receive_file(ctx.actor, ctx.args.file, declared_author=ctx.args.par)
    names = await engagement_names(result.recorded)
    author = result.author or "auteur non précisé"
    if not result.recorded:
        print(f"{ctx.args.file} ({result.service}, {author}) : aucune proposition")
    else:
        print(f"{plural(len(result.recorded), 'proposition')} de {result.service} ({author}) :")
        for p in result.recorded:
            line = (
                f"  n° {p.id}  {p.roadmap_slug} {p.item_ref} "
                f"{_label(p.field, p.base_value, p.proposed_value, names)} : "
                f"« {p.base_value} » → « {p.proposed_value} »"
            )
            if p.reason:
                line += f" ({p.reason})"
            print(line)
            if p.current_value != p.base_value:
                print(
                    f"      ⚠ conflit : modifié depuis l'export ; base « {p.base_value} », "
                    f"actuel « {p.current_value} », proposé « {p.proposed_value} »"
                )
    for line in result.already:
        print(f"  (ignoré) {line}")
    return EXIT_OK


def _label(field: str, base: str, proposed: str, names: dict[int, str]) -> str:
    from roadmap.domain.proposals import engagement_id, engagement_of, engagement_words
    from roadmap.usecases.propositions import field_words

    words = engagement_words(engagement_of(field, base, proposed))
    row_id = engagement_id(field)
    return field_words(field, words or (names.get(row_id, "") if row_id is not None else ""))


async def _list(ctx: CommandContext) -> int:
    from roadmap.usecases.propositions import list_propositions

    rows = await list_propositions(ctx.actor, pending_only=ctx.args.en_attente)
    if not rows:
        print("aucune proposition")
    service = None
    for r in rows:
        if r.service != service:
            service = r.service
            print(f"{service}")
        print(
            f"  n° {r.id}  [{r.status_label}]  {r.roadmap} {r.ref} {r.field_label} : "
            f"« {r.base} » → « {r.proposed} »  ({r.author or 'auteur non précisé'})"
        )
        if r.reason:
            print(f"      motif : {r.reason}")
        if r.kind == "personne" and r.status == "en_attente":
            print("      données de référence : acceptée par un administrateur")
        if r.conflict:
            print(f"      ⚠ conflit : valeur à la réception « {r.current} »")
        if r.motive:
            print(f"      refus : {r.motive} ({r.decided_by})")
    return EXIT_OK


async def _accept(ctx: CommandContext) -> int:
    from roadmap.usecases.propositions import accept_proposition

    args = ctx.args
    done = await accept_proposition(ctx.actor, args.number, shift_dependents=shift_dependents(args))
    print(f"proposition n° {args.number} acceptée")
    for line in done.lines(shown=50):
        print(f"  {line}")
    return EXIT_OK


async def _refuse(ctx: CommandContext) -> int:
    from roadmap.usecases.propositions import refuse_proposition

    await refuse_proposition(ctx.actor, ctx.args.number, ctx.args.motif)
    print(f"proposition n° {ctx.args.number} refusée")
    return EXIT_OK
