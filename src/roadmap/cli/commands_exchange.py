"""Exchange subcommands: ``roadmap export`` (TOML, iCalendar) and ``roadmap import``."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadmap.cli.itinerary_options import add_dependents_choice, add_reason, shift_dependents
from roadmap.cli.runner import EXIT_INTERRUPTED, EXIT_OK, CommandContext, fail
from roadmap.domain import validation as v
from roadmap.domain.errors import RoadmapError
from roadmap.domain.io_errors import io_error
from roadmap.formatting import agree, plural

if TYPE_CHECKING:  # loaded with the export, not at start-up
    from roadmap.exchange.metadata import ExportOptions


def register(subparsers: argparse._SubParsersAction) -> None:
    export = subparsers.add_parser(
        "export",
        help="écrire les fichiers TOML des feuilles de route et des services (exports/)",
        description="Un fichier <slug>.toml par feuille de route et services/<code>.toml par "
        "service ; mêmes données, mêmes octets. Format : docs/export-format.md.",
    )
    export.add_argument("--roadmap", metavar="SLUG", help="une seule feuille de route")
    export.add_argument(
        "--out", metavar="DOSSIER", type=Path, default=Path("exports"), help="défaut : exports/"
    )
    export.add_argument(
        "--with-contacts", action="store_true", help="inclure les adresses de courriel"
    )
    export.add_argument(
        "--stamp", action="store_true", help="noter l'heure de génération (fichiers non stables)"
    )
    export.add_argument(
        "--ics", action="store_true", help="écrire aussi les agendas iCalendar (.ics)"
    )
    export.add_argument(
        "--marges",
        nargs="?",
        const="aujourdhui",
        metavar="AAAA-MM-JJ",
        help="inclure les marges, calculées au jour donné (défaut : aujourd'hui)",
    )
    export.add_argument(
        "--complet",
        action="store_true",
        help="tout reconstruire sans se fier au manifeste (après une modification faite "
        "hors de l'application, que le journal ne montre pas)",
    )
    # exit_at_once: the process ends without tearing the interpreter down (runner.py)
    export.set_defaults(handler=_export, quick=_export_quick, exit_at_once=True)

    imp = subparsers.add_parser(
        "import",
        help="restaurer ou mettre à jour une feuille de route depuis un export TOML",
        description="Le fichier est entièrement vérifié avant toute écriture. Sur une feuille "
        "de route existante, chaque différence passe par les mêmes règles que les formulaires, "
        "à votre nom. Format et règles : docs/export-format.md.",
    )
    imp.add_argument("file", metavar="FICHIER.toml", type=Path)
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="afficher les changements sans rien écrire",
    )
    add_reason(
        imp,
        motif="motif des dates déplacées par le fichier (ajustements d'itinéraire)",
        nature="nature de ce motif",
    )
    add_dependents_choice(
        imp,
        decaler="décaler les éléments qui dépendent des dates déplacées par le fichier "
        "(un ajustement chacun, avec le motif de ce qui les entraîne)",
        garder="garder leurs dates (chaque dépendance contredite reste en alerte)",
    )
    imp.add_argument(
        "--territoire",
        metavar="CODE",
        default="",
        help="territoire où restaurer un fichier qui ne le dit pas (schema_version 1), "
        "quand la base en compte plusieurs",
    )
    imp.set_defaults(handler=_import)


def _export_quick(args: argparse.Namespace) -> int | None:
    """Nothing new since the folder's manifest: answer before loading the ORM (issue 15)."""
    from roadmap.exchange.metadata import ExportOptions
    from roadmap.exchange.quick import margins_day, unchanged_set

    if args.stamp:
        return None
    try:
        margins_on = margins_day(args.marges)
    except ValueError:
        return None  # the normal path names the bad date
    options = ExportOptions(with_contacts=args.with_contacts, ics=args.ics, margins_on=margins_on)
    if args.complet:  # nothing to build on: straight to the head start
        return _begin(args, options)
    try:
        found = unchanged_set(args.db, args.out, args.roadmap or "tout", options)
    except (OSError, RoadmapError):
        return None  # the normal path reports it
    if found is None:
        return _begin(args, options)
    files, cleaned = found
    if cleaned:
        print(_cleaned(len(cleaned)))
    print(f"0 fichier écrit, {plural(len(files), 'inchangé')} dans {args.out}")
    return EXIT_OK


def _begin(args: argparse.Namespace, options: ExportOptions) -> int | None:
    try:
        _head_start(args, options)
    except KeyboardInterrupt:  # Ctrl-C before the runner, which says it otherwise
        fail("interrompu")
        return EXIT_INTERRUPTED
    return None


def _head_start(args: argparse.Namespace, options: ExportOptions) -> None:
    """Begin the export before the ORM loads (export.head_start): its helper process
    writes while this one opens the base. Until the export has it, an exit that skips
    the interpreter's teardown would skip its clean-up (atexit): it waits (issue 15)."""
    import atexit
    import gc

    from roadmap.exchange.export import head_start
    from roadmap.storage.location import resolve_location

    try:
        location = resolve_location(args.db)
    except RoadmapError:
        return
    if not location.is_sqlite or location.path is None:
        return
    collecting = gc.isenabled()
    gc.disable()  # as the runner does during a start-up: nothing here makes cycles
    try:
        head = head_start(
            location.path, args.out, roadmap=args.roadmap, options=options, rebuild=args.complet
        )
    finally:
        if collecting:
            gc.enable()
    if head is not None:
        atexit.register(head.close)
        args.head, args.exit_at_once = head, False


def _cleaned(count: int) -> str:
    files = plural(count, "fichier temporaire", "fichiers temporaires")
    return f"{files} d'un export interrompu {agree(count, 'supprimé')}"


async def _export(ctx: CommandContext) -> int:
    import atexit

    from roadmap.exchange.export import export
    from roadmap.exchange.metadata import ExportOptions

    args = ctx.args
    margins_on = None
    if args.marges is not None:
        margins_on = (
            date.today() if args.marges == "aujourdhui" else v.parse_date(args.marges, "--marges")
        )
    options = ExportOptions(
        with_contacts=args.with_contacts, stamp=args.stamp, ics=args.ics, margins_on=margins_on
    )
    head = getattr(args, "head", None)
    try:
        result = await export(
            args.out, roadmap=args.roadmap, options=options, rebuild=args.complet, head=head
        )
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise io_error(exc, f"écriture impossible dans {args.out}", field="--out") from None
    finally:
        if head is not None:  # finished or given up: nothing left for atexit
            head.close()
            atexit.unregister(head.close)
            args.exit_at_once = True
    for path in result.written:
        print(f"écrit     {path}")
    for path in result.removed:
        print(f"supprimé  {path} (plus produit par l'export)")
    if result.cleaned:
        print(_cleaned(len(result.cleaned)))
    written = plural(len(result.written), "fichier écrit", "fichiers écrits")
    print(f"{written}, {plural(len(result.unchanged), 'inchangé')} dans {args.out}")
    return EXIT_OK


async def _import(ctx: CommandContext) -> int:
    from roadmap.exchange.import_itinerary import ChoiceNeeded
    from roadmap.exchange.importer import import_file

    args = ctx.args
    try:
        result = await import_file(
            ctx.actor, args.file, motif=args.motif, nature=args.nature, dry_run=args.dry_run,
            territoire=args.territoire, shift_dependents=shift_dependents(args),
        )  # fmt: skip
    except ChoiceNeeded as refused:
        print(f"Rien n'a été écrit : {args.file} déplace des dates dont d'autres dépendent.")
        _print_itinerary(refused.itinerary)
        raise
    if result.dry_run:
        verb = "serait restaurée" if result.created else "serait mise à jour"
        print(f"Simulation (rien n'a été écrit) : feuille de route {result.slug} {verb}")
    else:
        verb = "restaurée" if result.created else "mise à jour"
        print(f"Feuille de route {result.slug} {verb} depuis {args.file}")
    print(f"  {result.summary()}")
    for line in result.changes:
        print(f"  {line}")
    if result.new_reference:
        print("Référentiel complété : " + ", ".join(result.new_reference))
    if result.itinerary is not None:
        _print_itinerary(result.itinerary)
    if result.contradicted:
        print("Attention, dépendances contredites par les dates (alerte de « roadmap check ») :")
        for line in result.contradicted:
            print(f"  ⚠ {line}")
    return EXIT_OK


def _print_itinerary(itinerary: Any) -> None:
    """The form's preview for what the file's dates move, then what was shifted."""
    from roadmap.usecases.reroute_text import choice_preview, slip_text

    print("Impact sur l'itinéraire :")
    if itinerary.moved:
        moved = ", ".join(f"{ref} ({slip_text(days) or '0 j'})" for ref, days in itinerary.moved)
        print(f"  Déplacés par le fichier : {moved}")
    for line in choice_preview(itinerary.shift, itinerary.keep, itinerary.choice):
        print(f"  {line}")
    if itinerary.shifted:
        moved = ", ".join(
            f"{s.ref} ({slip_text(s.days)}, par {s.cause})" for s in itinerary.shifted
        )
        print(f"  Décalés aussi : {moved}")
    if itinerary.choice is None and itinerary.unresolved:
        print("  Pour l'import réel, choisissez --decaler ou --garder.")
