"""``roadmap graph`` and ``roadmap report``: the direction's review outside the TUI."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from roadmap.cli.runner import EXIT_OK, EXIT_USAGE, CommandContext, fail
from roadmap.graph.formats import FORMATS, SUFFIXES

_BY_SUFFIX = {suffix: fmt for fmt in reversed(FORMATS) for suffix in SUFFIXES[fmt]}


def register(subparsers: Any) -> None:
    graph = subparsers.add_parser(
        "graph",
        help="exporter le graphe des dépendances (GraphML, GEXF, DOT, Mermaid, SVG, PNG)",
        description="Exporte le graphe d'une feuille de route (ou de toutes les feuilles de "
        "route actives) : GraphML/GEXF pour Gephi, DOT et Mermaid pour les documents, "
        "SVG/PNG pour la direction (chemin critique en rouge, légende en français).",
    )
    graph.add_argument("--roadmap", metavar="SLUG", help="une feuille de route (défaut : toutes)")
    graph.add_argument(
        "--format",
        choices=FORMATS,
        metavar="FORMAT",
        help=f"{', '.join(FORMATS)} (défaut : d'après l'extension de --out)",
    )
    graph.add_argument("--out", required=True, metavar="FICHIER", help="fichier à écrire")
    graph.set_defaults(handler=graph_command)

    report = subparsers.add_parser(
        "report",
        help="rapport COPIL en Markdown (avec l'image du graphe)",
        description="Écrit la page de revue COPIL : point d'arrivée, avancement par axe, "
        "chemin critique, marges à risque, ajustements depuis le dernier COPIL, dossiers "
        "en attente, alliance. Elle s'ouvre sur ce qui a changé depuis le dernier COPIL "
        "(sa référence) et sur son relevé de décisions. "
        "L'image SVG est écrite à côté (FICHIER-graphe.svg).",
    )
    report.add_argument("--roadmap", metavar="SLUG", help="une feuille de route (défaut : toutes)")
    report.add_argument("--out", required=True, metavar="FICHIER.md", help="fichier à écrire")
    report.add_argument(
        "--sans-image", action="store_true", help="ne pas écrire ni lier l'image du graphe"
    )
    report.add_argument(
        "--depuis",
        metavar="NOM",
        help="référence (baseline) à laquelle comparer (défaut : la dernière prise)",
    )
    report.add_argument(
        "--marge-alerte",
        type=_days,
        default=30,
        metavar="JOURS",
        help="seuil de marge à risque, en jours (défaut : 30)",
    )
    report.set_defaults(handler=report_command)


def _days(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {raw} » n'est pas un nombre de jours") from None
    if value < 0:
        raise argparse.ArgumentTypeError("le nombre de jours ne peut pas être négatif")
    return value


def _format_of(args: argparse.Namespace) -> str | None:
    if args.format:
        return str(args.format)
    return _BY_SUFFIX.get(Path(args.out).suffix.lower())


async def graph_command(ctx: CommandContext) -> int:
    from roadmap.graph.export import check_target, write_graph
    from roadmap.graph.review import read_graph
    from roadmap.graph.schedule import compute_schedule

    fmt = _format_of(ctx.args)
    if fmt is None:
        fail(f"--format : précisez le format ({', '.join(FORMATS)}) ou une extension connue")
        return EXIT_USAGE
    check_target(fmt, ctx.args.out)  # before the work: a bad path fails fast
    g = await read_graph(ctx.actor, ctx.args.roadmap)
    try:
        path = write_graph(g, fmt, ctx.args.out, compute_schedule(g))
    except BrokenPipeError:
        raise
    except OSError as exc:
        from roadmap.domain.io_errors import io_error

        raise io_error(exc, f"écriture de {ctx.args.out} impossible", field="--out") from None
    print(
        f"graphe écrit dans {path} ({fmt}, {g.number_of_nodes()} nœuds, "
        f"{g.number_of_edges()} liens)"
    )
    return EXIT_OK


async def report_command(ctx: CommandContext) -> int:
    from roadmap.graph.report import write_report

    try:
        path, picture = await write_report(
            ctx.actor,
            ctx.args.roadmap,
            ctx.args.out,
            picture=not ctx.args.sans_image,
            risk_days=ctx.args.marge_alerte,
            since=ctx.args.depuis,
        )
    except BrokenPipeError:
        raise
    except OSError as exc:
        from roadmap.domain.io_errors import io_error

        raise io_error(exc, f"écriture de {ctx.args.out} impossible", field="--out") from None
    print(f"rapport écrit dans {path}" + (f" (image : {picture})" if picture else ""))
    return EXIT_OK
