"""Subsidy dossiers of the AAP: list, import from a spreadsheet, show, avis, decision, states."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from roadmap import formatting as fmt
from roadmap.cli.runner import EXIT_ALERT, EXIT_OK, EXIT_USAGE, CommandContext
from roadmap.domain.enums import DecisionOutcome, DossierState
from roadmap.domain.errors import ValidationError
from roadmap.formatting import date_short, plural

CSV_COLUMNS = [
    "ref",
    "campagne",
    "porteur",
    "titre",
    "etat",
    "feuille_de_route",
    "axe",
    "action",
    "demande",
    "accorde",
    "decision",
    "date_limite_avis",
    "avis_manquants",
    "en_retard",
]


def fmt_amount(value: object) -> str:
    from roadmap.domain.instruction import fmt_amount as fmt  # off the --help path

    return fmt(value)  # type: ignore[arg-type]


def register(subparsers: argparse._SubParsersAction) -> None:
    listing = subparsers.add_parser(
        "dossiers", help="dossiers de subvention de l'AAP (tableau ou CSV)"
    )
    listing.add_argument("--campagne", metavar="ANNÉE", help="une seule campagne")
    listing.add_argument(
        "--territoire", metavar="CODE", help="un seul territoire (contrat de ville)"
    )
    listing.add_argument(
        "--etat", metavar="ÉTAT", choices=[s.value for s in DossierState], help="un seul état"
    )
    listing.add_argument(
        "--service", metavar="CODE", help="dossiers qui attendent encore l'avis de ce service"
    )
    listing.add_argument("--roadmap", metavar="SLUG", help="une seule feuille de route")
    listing.add_argument("--axe", metavar="REF", help="un seul axe (ex. AX2)")
    listing.add_argument(
        "--en-retard", action="store_true", help="seulement les dossiers en retard"
    )
    listing.add_argument("--format", choices=["table", "csv"], default="table")
    listing.set_defaults(handler=_list)

    dossier = subparsers.add_parser("dossier", help="un dossier de subvention : import, avis…")
    sub = dossier.add_subparsers(dest="dossier_command", metavar="ACTION", required=True)

    imp = sub.add_parser(
        "import", help="créer des dossiers depuis un export CSV (voir docs/dossiers-csv.md)"
    )
    imp.add_argument("file", metavar="FICHIER.csv", type=Path)
    imp.add_argument(
        "--campagne", metavar="ANNÉE", help="campagne des lignes sans colonne campagne"
    )
    imp.add_argument(
        "--territoire",
        metavar="CODE",
        help="territoire de la campagne, si plusieurs territoires ont une campagne cette année",
    )
    imp.add_argument(
        "--colonnes",
        metavar="FICHIER.toml",
        type=Path,
        help="correspondance des en-têtes de votre tableur (voir docs/dossiers-csv.md)",
    )
    imp.add_argument(
        "--partial",
        action="store_true",
        help="importer les lignes valides même si d'autres sont en erreur",
    )
    imp.set_defaults(handler=_import)

    show = sub.add_parser("show", help="afficher un dossier : plan, avis, décisions, historique")
    show.add_argument("ref", metavar="REF")
    show.set_defaults(handler=_show)

    avis = sub.add_parser("avis", help="donner (ou changer) l'avis de votre service")
    avis.add_argument("ref", metavar="REF")
    avis.add_argument("--valeur", required=True, choices=["favorable", "reserve", "defavorable"])
    avis.add_argument("--commentaire", default="")
    avis.set_defaults(handler=_avis)

    decide = sub.add_parser("decide", help="enregistrer (ou réviser) la décision")
    decide.add_argument("ref", metavar="REF")
    decide.add_argument("--issue", required=True, choices=[o.value for o in DecisionOutcome])
    decide.add_argument("--motivation", default="")
    decide.add_argument(
        "--accorde",
        action="append",
        default=[],
        metavar="CODE=MONTANT",
        help="montant accordé par un financeur (répétable), ex. --accorde dcs=8000",
    )
    decide.add_argument(
        "--confirmer-depassement",
        action="store_true",
        help="accepter un montant accordé supérieur à la demande",
    )
    decide.add_argument("--revision", metavar="MOTIF", help="réviser la décision, avec ce motif")
    decide.set_defaults(handler=_decide)

    state = sub.add_parser(
        "etat", help="faire avancer le dossier (recevable, irrecevable, en_instruction…)"
    )
    state.add_argument("ref", metavar="REF")
    state.add_argument("etat", metavar="ÉTAT", choices=[s.value for s in DossierState])
    state.add_argument("--motif", default="", help="obligatoire pour irrecevable")
    state.set_defaults(handler=_state)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


async def _list(ctx: CommandContext) -> int:
    from roadmap.usecases.base import show
    from roadmap.usecases.instruction_queries import list_dossiers

    a = ctx.args
    rows = await list_dossiers(
        campagne=a.campagne,
        roadmap=a.roadmap,
        state=a.etat,
        service=a.service,
        late=a.en_retard,
        axe=a.axe,
        territoire=a.territoire,
    )
    if a.format == "csv":
        # a spreadsheet opens this directly: BOM, semicolons, decimal comma, no formulas
        from roadmap.exchange.csv_output import SpreadsheetCsv

        writer = SpreadsheetCsv(sys.stdout)
        writer.header(CSV_COLUMNS)
        for r in rows:
            writer.row(
                [
                    r.ref,
                    r.campagne,
                    r.porteur,
                    r.title,
                    r.state.value,
                    r.roadmap,
                    r.axe,
                    r.action,
                    show(r.asked).replace(".", ","),
                    show(r.granted).replace(".", ","),
                    r.outcome.value if r.outcome else "",
                    r.avis_deadline.isoformat() if r.avis_deadline else "",
                    " ".join(r.missing_avis),
                    "oui" if r.late else "non",
                ]
            )
        return EXIT_OK
    if not rows:
        print("Aucun dossier.")
        return EXIT_OK
    header = ["Réf.", "Porteur", "Titre", "État", "Demandé", "Accordé", "Avis attendus", "Retard"]
    table = [
        [
            r.ref,
            _short(r.porteur, 28),
            _short(r.title, 36),
            r.state.label + (f" ({r.outcome.label.lower()})" if r.outcome else ""),
            fmt_amount(r.asked),
            fmt_amount(r.granted) if r.granted is not None else "",
            ", ".join(r.missing_avis),
            "en retard" if r.late else "",
        ]
        for r in rows
    ]
    print(_table(table, header))
    print(f"\n{plural(len(rows), 'dossier')}.")
    return EXIT_OK


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        from roadmap.domain.io_errors import io_error

        raise io_error(exc, f"lecture de {path} impossible") from None


async def _import(ctx: CommandContext) -> int:
    from roadmap.exchange.csv_input import SEPARATOR_NAMES
    from roadmap.usecases.dossier_import import import_dossiers, load_mapping

    a = ctx.args
    mapping = load_mapping(_read(a.colonnes), a.colonnes.name) if a.colonnes else None
    raw = _read(a.file)
    report = await import_dossiers(
        ctx.actor,
        raw,
        campagne=a.campagne,
        partial=a.partial,
        mapping=mapping,
        territoire=a.territoire,
    )
    for line, message in report.errors:
        where = f"ligne {line}" if line else "fichier"
        print(f"{a.file}:{where} : {message}", file=sys.stderr)
    if report.encoding:
        sep = SEPARATOR_NAMES.get(report.delimiter, "?")
        read = f"Lu : {report.encoding}, séparateur {sep}, {plural(report.lines, 'ligne')}"
        if report.header_line:
            blank = f", {plural(report.blank, 'vide')}" if report.blank else ""
            layout = " ; format long, une ligne par financeur" if report.layout == "long" else ""
            print(
                f"{read} : en-tête ligne {report.header_line}, {plural(report.rows, 'ligne')} de "
                f"données{blank} → {plural(report.dossiers, 'dossier')}{layout}."
            )
        else:
            print(f"{read} ; aucune ligne de données lue (voir l'erreur ci-dessus).")
    if report.imported:
        done = plural(len(report.imported), "dossier importé", "dossiers importés")
        print(f"{done} : {', '.join(report.imported)}")
    elif report.errors and not a.partial and report.rows:
        print(
            f"Aucun dossier importé : {plural(len(report.errors), 'erreur')}. Corrigez-les, "
            "ou relancez avec --partial pour importer les dossiers valides.",
            file=sys.stderr,
        )
    if report.errors and not report.header_line:
        return EXIT_USAGE  # unreadable file, header or quotes: nothing could be read
    return EXIT_ALERT if report.errors else EXIT_OK


async def _show(ctx: CommandContext) -> int:
    from roadmap.usecases.annotations import private_annotations
    from roadmap.usecases.instruction_queries import dossier_detail, rights_on

    d = await dossier_detail(ctx.args.ref)
    r = d.row
    print(f"{r.ref} — {r.title}")
    print(f"Porteur      : {r.porteur}")
    print(f"Campagne     : {d.campagne_title} ({r.campagne})   Feuille de route : {r.roadmap}")
    if r.axe or r.action:
        print(f"Axe / action : {r.axe} {r.axe_title}  {r.action} {d.action_title}".rstrip())
    if d.qpvs:
        print(f"QPV          : {', '.join(f'{n} ({c})' for c, n in d.qpvs)}")
    if d.pillar:
        print(f"Pilier       : {d.pillar.label}")
    state = r.state.label + (f" — {d.state_reason}" if d.state_reason else "")
    print(f"État         : {state}")
    if d.next_states:
        print(f"Suite        : {', '.join(s.value for s in d.next_states)}")
    if r.avis_deadline:
        print(f"Avis attendus avant le {date_short(r.avis_deadline)}")
    if d.summary:
        print(f"\n{d.summary}")
    from roadmap.domain.instruction import fmt_budget

    print(f"\nPlan de financement (budget total {fmt_budget(d.total_budget)})")
    plan = [
        [p.financeur, p.financeur_name, fmt_amount(p.asked), fmt_amount(p.granted)] for p in d.plan
    ]
    plan.append(["", "Total", fmt_amount(r.asked), fmt_amount(r.granted)])
    print(_table(plan, ["Financeur", "", "Demandé", "Accordé"]))
    print("\nAvis")
    for col in d.avis:
        if col.current:
            cur = col.current
            text = f"{cur.value.label} ({cur.person}, {date_short(cur.given_at)})"
            text += f" : {cur.comment}" if cur.comment else ""
        else:
            text = "en attente"
        print(f"  {col.service:<16} {text}")
        for old in col.history:
            print(
                f"  {'':<16} (avant : {old.value.label}, {date_short(old.given_at)} {old.comment})"
            )
    if d.decisions:
        print("\nDécisions")
        for dec in d.decisions:
            mark = "" if dec.current else " (remplacée)"
            who = fmt.person(d.names.get(dec.decided_by, ""), dec.decided_by)
            print(f"  {fmt.date_short(dec.decided_at)} {dec.outcome.label}{mark} par {who}")
            if dec.motivation:
                print(f"      motivation : {dec.motivation}")
            if dec.revision_reason:
                print(f"      révision   : {dec.revision_reason}")
    for alert in r.alerts:
        print(f"! {alert.message}")
    if d.history:
        print("\nHistorique")
        for e in d.history:
            money = fmt.is_money(e.entity, e.field, e.operation)
            change = fmt.change(e.old, e.new, money=money)
            who = fmt.person(d.names.get(e.actor, ""), e.actor)
            what = fmt.entry_text(e.entity, e.operation, e.field)
            print(
                f"  {fmt.moment(e.at)} {who} · {what}"
                + (f" : {change}" if change else "")
                + (f" — {e.reason}" if e.reason else "")
            )
    rights = await rights_on(ctx.actor, r.ref)
    if rights.read_notes:
        notes = await private_annotations(ctx.actor, r.ref)
        if notes:
            print("\nNotes privées des instructeurs (jamais exportées)")
            for n in notes:
                print(f"  {date_short(n.created_at)} {n.author} ({n.service}) : {n.text}")
    return EXIT_OK


async def _avis(ctx: CommandContext) -> int:
    from roadmap.usecases.avis_decisions import give_avis
    from roadmap.usecases.instruction_queries import dossier_detail

    a = ctx.args
    await give_avis(ctx.actor, a.ref, a.valeur, a.commentaire)
    d = await dossier_detail(a.ref)
    print(f"Avis enregistré sur {d.row.ref} ; état : {d.row.state.label}")
    return EXIT_OK


def _granted(pairs: list[str]) -> dict[str, str] | None:
    if not pairs:
        return None
    result: dict[str, str] = {}
    for pair in pairs:
        code, sep, amount = pair.partition("=")
        if not sep or not code.strip():
            raise ValidationError(f"« {pair} » : attendu CODE=MONTANT", field="--accorde")
        result[code.strip()] = amount
    return result


async def _decide(ctx: CommandContext) -> int:
    from roadmap.usecases.avis_decisions import decide, revise_decision
    from roadmap.usecases.instruction_common import dossier_by_ref

    a = ctx.args
    dossier = await dossier_by_ref(a.ref)
    granted = _granted(a.accorde)
    if a.revision is not None:
        await revise_decision(
            ctx.actor,
            a.ref,
            dossier.version,
            a.issue,
            a.motivation,
            a.revision,
            granted,
            confirm_over_asked=a.confirmer_depassement,
        )
        print(f"Décision révisée sur {dossier.ref} : à notifier de nouveau si elle l'était.")
    else:
        await decide(
            ctx.actor,
            a.ref,
            dossier.version,
            a.issue,
            a.motivation,
            granted,
            confirm_over_asked=a.confirmer_depassement,
        )
        print(f"Décision enregistrée sur {dossier.ref} : {DecisionOutcome(a.issue).label}")
    return EXIT_OK


async def _state(ctx: CommandContext) -> int:
    from roadmap.usecases.dossier_states import transition
    from roadmap.usecases.instruction_common import dossier_by_ref

    a = ctx.args
    dossier = await dossier_by_ref(a.ref)
    await transition(ctx.actor, a.ref, dossier.version, a.etat, a.motif)
    print(f"{dossier.ref} : {DossierState(a.etat).label}")
    return EXIT_OK
