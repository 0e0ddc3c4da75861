"""``roadmap baseline`` (références COPIL) and ``roadmap decision`` (relevé de décisions)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from roadmap.cli.runner import EXIT_ALERT, EXIT_OK, CommandContext
from roadmap.domain.errors import ValidationError
from roadmap.formatting import date_short, moment, plural


def register(subparsers: Any) -> None:
    baseline = subparsers.add_parser(
        "baseline",
        help="références COPIL : figer le plan, lister, comparer, vérifier",
        description="Une référence (baseline) fige le plan d'une feuille de route à un COPIL : "
        "dates, statuts, responsables, engagements, dossiers, indicateurs. Elle ne se modifie "
        "jamais ; « compare » dit ce qui a changé depuis, et pourquoi.",
    )
    sub = baseline.add_subparsers(dest="baseline_command", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="figer le plan actuel sous un nom")
    create.add_argument("--roadmap", metavar="SLUG", help="feuille de route (défaut : la seule)")
    create.add_argument("--nom", required=True, metavar="NOM", help='ex. "COPIL juin 2026"')
    create.add_argument("--jalon", metavar="REF", default="", help="le COPIL/COTECH qu'elle fige")
    create.set_defaults(handler=_create)
    listing = sub.add_parser("list", help="lister les références (et leur intégrité)")
    listing.add_argument("--roadmap", metavar="SLUG", help="une feuille de route (défaut : toutes)")
    listing.set_defaults(handler=_list)
    compare = sub.add_parser("compare", help="ce qui a changé depuis une référence")
    compare.add_argument("--roadmap", metavar="SLUG", help="feuille de route (défaut : la seule)")
    compare.add_argument(
        "--depuis", metavar="NOM", help="nom de la référence (défaut : la dernière)"
    )
    compare.set_defaults(handler=_compare)
    verify = sub.add_parser(
        "verify", help="vérifier qu'aucune référence n'a été modifiée hors application"
    )
    verify.add_argument("--roadmap", metavar="SLUG", help="une feuille de route (défaut : toutes)")
    verify.set_defaults(handler=_verify)
    delete = sub.add_parser("delete", help="supprimer une référence (journalisé)")
    delete.add_argument("--roadmap", metavar="SLUG", help="feuille de route (défaut : la seule)")
    delete.add_argument("--nom", required=True, metavar="NOM")
    delete.set_defaults(handler=_delete)

    decision = subparsers.add_parser(
        "decision",
        help="relevé de décisions d'un COPIL/COTECH tenu : ajouter, lister, marquer faite",
    )
    dsub = decision.add_subparsers(dest="decision_command", metavar="ACTION", required=True)
    add = dsub.add_parser("ajouter", help="noter une décision d'un COPIL/COTECH tenu")
    add.add_argument("--roadmap", metavar="SLUG", help="feuille de route (défaut : la seule)")
    add.add_argument("--jalon", required=True, metavar="REF", help="le COPIL/COTECH (J…)")
    add.add_argument("--texte", required=True, metavar="TEXTE", help="ce qui a été décidé")
    add.add_argument("--porteur", default="", metavar="LOGIN", help="qui la met en œuvre")
    add.add_argument("--echeance", metavar="DATE", help="AAAA-MM-JJ ou JJ/MM/AAAA")
    add.add_argument(
        "--lien", action="append", default=[], metavar="REF", help="action ou jalon lié (répétable)"
    )
    add.set_defaults(handler=_decision_add)
    lst = dsub.add_parser("liste", help="les décisions et où elles en sont")
    lst.add_argument("--roadmap", metavar="SLUG", help="feuille de route (défaut : la seule)")
    lst.add_argument("--ouvertes", action="store_true", help="seulement celles à faire")
    lst.set_defaults(handler=_decision_list)
    done = dsub.add_parser("fait", help="marquer une décision faite")
    done.add_argument("ref", metavar="REF", help="la décision (D…)")
    done.add_argument("--roadmap", metavar="SLUG", help="feuille de route (défaut : la seule)")
    done.add_argument("--rouvrir", action="store_true", help="la rouvrir au lieu de la clore")
    done.set_defaults(handler=_decision_done)


async def the_roadmap(args: argparse.Namespace) -> str:
    """The ``--roadmap`` given, or the only active roadmap of the base."""
    if args.roadmap:
        return str(args.roadmap)
    from roadmap.models import Roadmap

    slugs = [str(s) for s in await Roadmap.filter(status="active").values_list("slug", flat=True)]
    if len(slugs) == 1:
        return slugs[0]
    known = ", ".join(sorted(slugs)) or "aucune"
    raise ValidationError(f"précisez la feuille de route (actives : {known})", field="--roadmap")


async def _create(ctx: CommandContext) -> int:
    from roadmap.usecases.baselines import create_baseline

    slug = await the_roadmap(ctx.args)
    info = await create_baseline(ctx.actor, slug, ctx.args.nom, jalon_ref=ctx.args.jalon.upper())
    when = info.taken_at.astimezone()
    print(f"référence « {info.name} » prise dans {slug} le {moment(when)}")
    return EXIT_OK


async def _list(ctx: CommandContext) -> int:
    from roadmap.usecases.baselines import list_baselines

    rows = await list_baselines(ctx.args.roadmap)
    if not rows:
        print("Aucune référence.")
    for b in rows:
        jalon = f" ({b.jalon_ref})" if b.jalon_ref else ""
        print(f"{b.slug:<24} {moment(b.taken_at)}  {b.name}{jalon}  par {b.taken_by} · {b.state}")
    return EXIT_OK if all(b.intact for b in rows) else EXIT_ALERT


async def _verify(ctx: CommandContext) -> int:
    from roadmap.usecases.baselines import list_baselines

    rows = await list_baselines(ctx.args.roadmap)
    bad = [b for b in rows if not b.intact]
    for b in bad:
        print(f"{b.slug} « {b.name} » : {b.state}")
    print(
        f"{plural(len(rows), 'référence vérifiée', 'références vérifiées')}, "
        f"{plural(len(bad), 'modifiée')} hors application."
    )
    return EXIT_ALERT if bad else EXIT_OK


async def _compare(ctx: CommandContext) -> int:
    from roadmap.domain.comparison_text import markdown
    from roadmap.usecases.baselines import compare_with

    slug = await the_roadmap(ctx.args)
    result = await compare_with(ctx.actor, slug, ctx.args.depuis)
    if result is None:
        print(f"Aucune référence dans {slug} : « roadmap baseline create » en prend une.")
        return EXIT_OK
    print("\n".join(markdown(result)))
    return EXIT_OK if result.intact else EXIT_ALERT


async def _delete(ctx: CommandContext) -> int:
    from roadmap.usecases.baselines import delete_baseline

    slug = await the_roadmap(ctx.args)
    await delete_baseline(ctx.actor, slug, ctx.args.nom)
    print(f"référence « {ctx.args.nom} » supprimée de {slug} (journalisé)")
    return EXIT_OK


async def _decision_add(ctx: CommandContext) -> int:
    from roadmap.usecases.releve import ReleveInput, add_decision

    slug = await the_roadmap(ctx.args)
    a = ctx.args
    links = tuple(x for raw in a.lien for x in raw.replace(";", ",").split(","))
    ref = await add_decision(
        ctx.actor, slug, a.jalon, ReleveInput(a.texte, a.porteur, a.echeance, links)
    )
    print(f"décision {ref} notée au relevé de {a.jalon.upper()} ({slug})")
    return EXIT_OK


async def _decision_list(ctx: CommandContext) -> int:
    from roadmap.usecases.releve import list_decisions

    slug = await the_roadmap(ctx.args)
    rows = await list_decisions(slug, open_only=ctx.args.ouvertes)
    if not rows:
        print("Aucune décision." if not ctx.args.ouvertes else "Aucune décision ouverte.")
    today = date.today()
    for r in rows:
        who = r.carrier_name or r.carrier_login or "porteur non désigné"
        links = f" [{', '.join(r.links)}]" if r.links else ""
        print(
            f"{r.ref:<4} {r.jalon_kind.label} {r.jalon_ref} du {date_short(r.jalon_date)} · "
            f"{who} · "
            f"{r.standing(today)}\n     {r.text}{links}"
        )
    return EXIT_OK


async def _decision_done(ctx: CommandContext) -> int:
    from roadmap.usecases.releve import list_decisions, set_decision_status

    slug = await the_roadmap(ctx.args)
    ref = ctx.args.ref.strip().upper()
    row = next((r for r in await list_decisions(slug) if r.ref == ref), None)
    if row is None:
        raise ValidationError(f"décision « {ctx.args.ref} » introuvable dans {slug}", field="REF")
    await set_decision_status(ctx.actor, slug, ref, row.version, done=not ctx.args.rouvrir)
    print(f"décision {ref} : {'rouverte' if ctx.args.rouvrir else 'faite'}")
    return EXIT_OK
