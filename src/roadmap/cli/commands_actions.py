"""``roadmap action dates``: re-route an action from the command line, as the form does.

The same use case (``reroute_action``) and the same preview (``reroute_text``) as the
TUI: what moves, by how much, what pushes it, whether the horizon holds; then the
dependents are shifted (``--decaler``) or keep their dates (``--garder``). Without a
choice, a move that would contradict dependents is refused, naming them.
"""

from __future__ import annotations

from typing import Any

from roadmap.cli.itinerary_options import add_dependents_choice, add_reason, shift_dependents
from roadmap.cli.runner import EXIT_OK, CommandContext

DATE_HELP = "JJ/MM/AAAA ou AAAA-MM-JJ (défaut : inchangée)"


def register(subparsers: Any) -> None:
    top = subparsers.add_parser(
        "action",
        help="actions : ajuster l'itinéraire (dates, avec motif et aperçu de l'impact)",
    )
    sub = top.add_subparsers(dest="action_command", metavar="ACTION", required=True)
    dates = sub.add_parser(
        "dates",
        help="changer les dates d'une action (ajustement d'itinéraire)",
        description="Montre d'abord ce qui bouge, de combien, et si l'horizon tient. Si des "
        "éléments qui en dépendent seraient contredits, choisissez --decaler ou --garder.",
    )
    dates.add_argument("ref", metavar="REF", help="l'action (A…)")
    dates.add_argument("--roadmap", metavar="SLUG", help="feuille de route (défaut : la seule)")
    dates.add_argument("--debut", metavar="DATE", help=DATE_HELP)
    dates.add_argument("--fin", metavar="DATE", help=DATE_HELP)
    add_reason(dates, motif="pourquoi (obligatoire)", nature="nature de l'ajustement (obligatoire)")
    add_dependents_choice(
        dates,
        decaler="décaler les éléments qui en dépendent (un ajustement chacun, même motif)",
        garder="garder leurs dates (la dépendance contredite reste en alerte)",
    )
    dates.add_argument(
        "--dry-run", action="store_true", help="montrer l'impact sans rien enregistrer"
    )
    dates.set_defaults(handler=_dates)


async def _dates(ctx: CommandContext) -> int:
    from roadmap.cli.commands_baselines import the_roadmap
    from roadmap.domain import validation as v
    from roadmap.domain.errors import ValidationError
    from roadmap.usecases.actions import reroute_action
    from roadmap.usecases.queries import action_detail
    from roadmap.usecases.queries_team import load_margins
    from roadmap.usecases.reroute_text import choice_preview, head_line, outcome_lines

    args = ctx.args
    if args.debut is None and args.fin is None:
        raise ValidationError(
            "donnez la nouvelle date de début, de fin, ou les deux", field="--fin"
        )
    slug = await the_roadmap(args)
    row = (await action_detail(slug, args.ref)).row
    start = v.parse_date(args.debut, "--debut") if args.debut is not None else row.start_date
    end = v.parse_date(args.fin, "--fin") if args.fin is not None else row.end_date
    v.date_range(start, end, start_field="--debut", end_field="--fin")
    old_end = row.end_date or row.start_date
    days = (end - old_end).days if end and old_end else 0
    margins = await load_margins(slug)
    before, after = _span(row.start_date, row.end_date), _span(start, end)
    print(f"{row.ref} « {row.title} » : {before} → {after}")
    print(head_line(margins, row.ref, days))
    shift = shift_dependents(args)
    summaries = {
        s: margins.reroute("action", row.ref, start, end, shift_dependents=s)
        for s in ((shift,) if shift is not None else (True, False))
    }
    for line in choice_preview(summaries.get(True), summaries.get(False), shift, row.ref):
        print(line)
    if args.dry_run:
        print("Simulation : rien n'a été enregistré.")
        return EXIT_OK
    if not args.nature:
        raise ValidationError("obligatoire : contrainte ou opportunite", field="--nature")
    outcome = await reroute_action(
        ctx.actor, slug, row.ref, row.version, start, end, args.motif, args.nature,
        shift_dependents=shift,
    )  # fmt: skip
    for line in outcome_lines(row.ref, outcome, shown=50):
        print(line)
    return EXIT_OK


def _span(start: Any, end: Any) -> str:
    from roadmap.formatting import date_short

    return f"{date_short(start) or '…'} – {date_short(end) or '…'}"
