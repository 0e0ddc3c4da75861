"""Bulk import of AAP dossiers from a spreadsheet export (CSV), as French spreadsheets write it.

Two layouts: one line per dossier with a ``demande_<code>`` column per financeur (large),
or one line per financeur with a ``financeur`` and a ``montant`` column, the lines of a
dossier grouped by its number or by porteur and title (long). Headers are matched by
their usual French spellings, or through a small mapping file (``--colonnes``). Every
bad row is reported with its physical line; the good dossiers are imported in one
transaction only when ``partial`` is set, otherwise nothing is. See docs/dossiers-csv.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal

from roadmap.domain.enums import Pillar
from roadmap.domain.errors import RoadmapError, ValidationError
from roadmap.domain.permissions import Capability
from roadmap.exchange.csv_input import (
    CsvProblem,
    Record,
    decode,
    header_text,
    norm,
    read_csv,
    sniff_delimiter,
)
from roadmap.formatting import agree
from roadmap.models import Campagne, Dossier, Service
from roadmap.usecases.admin import require_known
from roadmap.usecases.base import authorize, write_unit
from roadmap.usecases.dossiers import (
    CleanDossier,
    DossierInput,
    FinancementInput,
    Resolved,
    clean_dossier,
    clean_financements,
    insert_dossier,
    resolve_dossier,
)
from roadmap.usecases.identity import Actor
from roadmap.usecases.instruction_common import campagne_by_year, parse_year

__all__ = ["ColumnMapping", "ImportReport", "decode", "import_dossiers", "load_mapping", "parse"]
__all__ += ["sniff_delimiter"]

MAX_BYTES = 20 * 1024 * 1024
DEMANDE_PREFIX = "demande"
IGNORE = "ignorer"

# Usual spellings of each column, normalised (see csv_input.norm) → column key.
_ALIASES: dict[str, tuple[str, ...]] = {
    "campagne": ("campagne", "annee", "annee_de_la_campagne", "exercice", "millesime"),
    "dossier": (
        "dossier",
        "n_dossier",
        "no_dossier",
        "numero",
        "numero_de_dossier",
        "n",
        "ref",
        "reference",
        "reference_dossier",
        "id",
        "identifiant",
    ),
    "porteur": (
        "porteur",
        "porteur_de_projet",
        "porteur_du_projet",
        "structure",
        "structure_porteuse",
        "nom_de_la_structure",
        "organisme",
        "association",
        "beneficiaire",
        "demandeur",
        "raison_sociale",
    ),
    "titre": (
        "titre",
        "intitule",
        "intitule_du_projet",
        "titre_du_projet",
        "projet",
        "nom_du_projet",
        "action_proposee",
    ),
    "resume": ("resume", "description", "descriptif", "objet", "presentation"),
    "feuille_de_route": ("feuille_de_route",),
    "action": ("action", "action_de_la_feuille_de_route", "ref_action"),
    "axe": ("axe", "ref_axe"),
    "qpv": ("qpv", "quartier", "quartiers", "code_qpv", "codes_qpv", "quartier_prioritaire"),
    "pilier": ("pilier", "pilier_du_contrat_de_ville", "thematique"),
    "budget_total": (
        "budget_total",
        "budget",
        "cout_total",
        "cout_total_du_projet",
        "budget_previsionnel",
        "budget_total_du_projet",
        "montant_total",
    ),
    "instructeurs": ("instructeurs", "services_instructeurs", "service_instructeur"),
    "date_limite_avis": ("date_limite_avis", "date_limite_des_avis", "date_limite"),
    "financeur": (
        "financeur",
        "financeurs",
        "cofinanceur",
        "co_financeur",
        "organisme_financeur",
        "service_financeur",
        "partenaire_financeur",
    ),
    "montant": (
        "montant",
        "montant_demande",
        "montant_sollicite",
        "montant_de_la_demande",
        "subvention_demandee",
        "demande",
        "somme_demandee",
    ),
}
COLUMNS: dict[str, str] = {alias: key for key, names in _ALIASES.items() for alias in names}
REQUIRED = ("porteur", "titre")
MULTILINE = {"resume"}
# what identifies one dossier across the lines of a long file
_DOSSIER_KEYS = tuple(k for k in _ALIASES if k not in ("financeur", "montant", "dossier"))
_PILLARS = {norm(p.value): p.value for p in Pillar} | {norm(p.label): p.value for p in Pillar}


@dataclass
class ColumnMapping:
    """A mapping file: header (as written) → column key, and financeur name → service code."""

    columns: dict[str, str] = field(default_factory=dict)  # normalised header → key
    financeurs: dict[str, str] = field(default_factory=dict)  # normalised name → code
    source: str = ""


def load_mapping(raw: bytes, name: str) -> ColumnMapping:
    """Read a ``--colonnes`` file; every problem names the file, line or key."""
    from roadmap.exchange.toml_errors import french_toml_error

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"encodage invalide (attendu UTF-8, octet {exc.start})", field=name
        ) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(french_toml_error(exc, text, name)) from None
    unknown = sorted(set(doc) - {"colonnes", "financeurs"})
    if unknown:
        raise ValidationError(
            f"table inconnue « {unknown[0]} » ; attendu [colonnes] et [financeurs]", field=name
        )
    mapping = ColumnMapping(source=name)
    allowed = [*sorted({*_ALIASES, IGNORE}), "demande_<code>"]
    for table in ("colonnes", "financeurs"):
        if not isinstance(doc.get(table, {}), dict):
            raise ValidationError(f"[{table}] doit être une table", field=name)
    for header, target in doc.get("colonnes", {}).items():
        key = norm(str(target))
        if not isinstance(target, str) or not (
            key in _ALIASES or key == IGNORE or key.startswith(DEMANDE_PREFIX + "_")
        ):
            raise ValidationError(
                f"colonnes.« {header} » = {target!r} : attendu l'un de {', '.join(allowed)}",
                field=name,
            )
        mapping.columns[norm(header_text(header))] = (
            target.strip() if key.startswith("demande_") else key
        )
    for label, code in doc.get("financeurs", {}).items():
        if not isinstance(code, str) or not code.strip():
            raise ValidationError(
                f'financeurs.« {label} » : attendu le code du service, ex. "dcs"', field=name
            )
        mapping.financeurs[norm(label)] = code.strip()
    return mapping


@dataclass
class ImportReport:
    rows: int = 0  # data lines (records) read, header excluded
    imported: list[str] = field(default_factory=list)  # dossier refs
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    encoding: str = ""
    delimiter: str = ""
    lines: int = 0  # physical lines in the file
    blank: int = 0
    header_line: int = 0  # 0: no header accepted
    dossiers: int = 0
    layout: str = ""  # "large" or "long"

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    year: int
    data: DossierInput
    plan: list[FinancementInput]
    lines: list[int] = field(default_factory=list)


@dataclass
class _Header:
    keys: dict[int, str]  # column index → key
    financeurs: dict[int, str]  # column index → financeur code (large layout)
    width: int

    @property
    def long(self) -> bool:
        return "financeur" in self.keys.values()


_DOT_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def _amount_cell(cell: str, column: str) -> str:
    """Refuse ``12.500``: in a French file it means 12 500, elsewhere 12,5."""
    text = cell.strip()
    if _DOT_THOUSANDS.match(text.replace(" ", "").replace("\xa0", "").replace("€", "")):
        raise ValidationError(
            f"« {text} » est ambigu : écrivez 12500 ou 12 500 (virgule pour les décimales)",
            field=column,
        )
    return text


def _split_codes(cell: str) -> list[str]:
    return [c.strip() for c in re.split(r"[|,;/\s]+", cell) if c.strip()]


def _demande_code(name: str) -> str | None:
    """``demande_dcs``, ``Demande DCS``, ``demande:caf`` → the code as written; else None."""
    found = re.match(r"^\s*demande[\s_:]+(.*)$", name, flags=re.IGNORECASE)
    return found.group(1).strip() if found else None


def _header(cells: list[str], mapping: ColumnMapping | None) -> _Header:
    """Map each column to a key; refuse unknown, doubled or missing columns at once."""
    mapping = mapping or ColumnMapping()
    keys: dict[int, str] = {}
    financeurs: dict[int, str] = {}
    problems: list[str] = []
    for index, raw in enumerate(cells):
        shown = raw.strip().lstrip("\ufeff")
        name = header_text(shown) or shown  # units and marks dropped: « Montant demandé (€) »
        if not name:
            continue
        target = mapping.columns.get(norm(name))
        if target == IGNORE:
            continue
        code = _demande_code(target or name)
        if code is not None and (target or norm(name) != "demande"):
            if not code:
                problems.append(f"« {shown} » : code du financeur manquant (ex. demande_dcs)")
            elif code in financeurs.values():
                problems.append(f"financeur {code} en double")
            else:
                financeurs[index] = code
            continue
        key = target or COLUMNS.get(norm(name))
        if key is None:
            problems.append(f"colonne inconnue « {shown} »")
        elif key in keys.values():
            problems.append(f"colonne « {shown} » en double")
        else:
            keys[index] = key
    values = set(keys.values())
    missing = [k for k in REQUIRED if k not in values]
    if missing:
        what = agree(len(missing), "colonne obligatoire absente", "colonnes obligatoires absentes")
        problems.append(f"{what} : {', '.join(missing)}")
    if "montant" in values and "financeur" not in values:
        problems.append(
            "colonne montant sans colonne financeur (format long : une ligne par "
            "financeur, avec son nom ou son code)"
        )
    elif "financeur" in values and "montant" not in values:
        problems.append("colonne financeur sans colonne montant")
    elif "financeur" in values and financeurs:
        problems.append(
            "deux formats mêlés : colonnes demande_<code> et financeur/montant ; "
            "gardez l'un ou l'autre"
        )
    elif "financeur" not in values and not financeurs:
        problems.append(
            "aucune colonne de montant : demande_<code financeur> (ex. demande_dcs) "
            "ou financeur + montant"
        )
    if problems:
        raise ValidationError(
            "; ".join(problems) + " — voir docs/dossiers-csv.md (ou --colonnes FICHIER)",
            field="ligne d'en-tête",
        )
    return _Header(keys, financeurs, max([*keys, *financeurs]) + 1)


def parse(
    raw: bytes, default_year: int | None, mapping: ColumnMapping | None = None
) -> tuple[list[_Row], ImportReport]:
    """Pure parse: rows that passed the input checks, and a report holding the others."""
    report = ImportReport()
    if len(raw) > MAX_BYTES:
        report.errors.append((0, f"fichier trop gros ({len(raw)} octets, 20 Mo au plus)"))
        return [], report
    try:
        text, report.encoding = decode(raw)
    except ValidationError as exc:
        report.errors.append((0, str(exc)))
        return [], report
    report.delimiter = sniff_delimiter(text)
    try:
        table = read_csv(text, report.encoding)
    except CsvProblem as exc:
        report.lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        report.errors.append((exc.line, exc.message))
        return [], report
    report.lines, report.blank = table.lines, table.blank
    if not table.records:
        report.errors.append((1, "fichier vide : la ligne d'en-tête manque"))
        return [], report
    first, *data = table.records
    try:
        header = _header(first.cells, mapping)
    except ValidationError as exc:
        report.errors.append((first.first, str(exc)))
        return [], report
    report.header_line = first.first
    report.rows = len(data)
    report.layout = "long" if header.long else "large"
    groups = _group(data, header, report)
    rows: list[_Row] = []
    for records in groups:
        try:
            rows.append(_row(records, header, default_year, mapping or ColumnMapping()))
        except RoadmapError as exc:
            report.errors.append((records[0].first, str(exc)))
    report.dossiers = len(groups)
    report.errors.sort()
    return rows, report


def _values(record: Record, header: _Header) -> dict[str, str]:
    cells = record.cells + [""] * (header.width - len(record.cells))
    # a line break typed in a spreadsheet cell (Alt+Entrée) is layout, except in the summary
    return {
        key: cells[i].strip() if key in MULTILINE else " ".join(cells[i].split())
        for i, key in header.keys.items()
    }


def _group(data: list[Record], header: _Header, report: ImportReport) -> list[list[Record]]:
    """Large layout: one record per dossier. Long: records grouped by dossier number, or by
    campaign, porteur and title; the lines of one dossier must agree on its columns."""
    groups: dict[object, list[Record]] = {}
    for record in data:
        if len(record.cells) > header.width and any(
            c.strip() for c in record.cells[header.width :]
        ):
            report.errors.append(
                (
                    record.first,
                    (
                        f"ligne : {len(record.cells)} cellules pour {header.width} colonnes "
                        "(séparateur dans une cellule non entre guillemets ?)"
                    ),
                )
            )
            continue
        if not header.long:
            groups[id(record)] = [record]
            continue
        value = _values(record, header)
        key: object = value.get("dossier") or (
            value.get("campagne", ""),
            value["porteur"].casefold(),
            value["titre"].casefold(),
        )
        groups.setdefault(key, []).append(record)
    return list(groups.values())


def _row(
    records: list[Record], header: _Header, default_year: int | None, mapping: ColumnMapping
) -> _Row:
    value = _values(records[0], header)
    plan: list[FinancementInput] = []
    for record in records[1:]:
        other = _values(record, header)
        for key in _DOSSIER_KEYS:
            if other.get(key) and value.get(key) and other[key] != value[key]:
                raise ValidationError(
                    f"ligne {record.first} : « {other[key]} » diffère de « {value[key]} » "
                    f"(ligne {records[0].first}) pour le même dossier",
                    field=key,
                )
            if other.get(key) and not value.get(key):
                value[key] = other[key]
    if header.long:
        seen: dict[str, int] = {}
        for record in records:
            cell = _values(record, header)
            name, asked = cell.get("financeur", ""), cell.get("montant", "")
            if not name and not asked:
                continue
            if not name:
                raise ValidationError(
                    f"ligne {record.first} : montant sans financeur", field="financeur"
                )
            code = mapping.financeurs.get(norm(name), name)
            if code in seen:
                raise ValidationError(
                    f"ligne {record.first} : financeur {code} déjà demandé ligne {seen[code]}",
                    field="financeur",
                )
            if not asked:
                raise ValidationError(
                    f"ligne {record.first} : montant vide pour {name}", field="montant"
                )
            seen[code] = record.first
            plan.append(FinancementInput(code, _amount_cell(asked, f"montant ({name})")))
    else:
        cells = records[0].cells + [""] * (header.width - len(records[0].cells))
        plan = [
            FinancementInput(code, _amount_cell(cells[i], f"demande_{code}"))
            for i, code in header.financeurs.items()
            if cells[i].strip()
        ]
    year_text = value.get("campagne", "")
    if year_text:
        year = parse_year(year_text, "campagne")
    elif default_year is not None:
        year = default_year
    else:
        raise ValidationError("année absente (colonne campagne ou --campagne)", field="campagne")
    pillar = value.get("pilier", "")
    if pillar:
        if norm(pillar) not in _PILLARS:
            allowed = ", ".join(p.value for p in Pillar)
            raise ValidationError(f"« {pillar} » inconnu ; attendu : {allowed}", field="pilier")
        pillar = _PILLARS[norm(pillar)]
    if not plan:
        raise ValidationError("aucun montant demandé", field="plan de financement")
    instructors = _split_codes(value.get("instructeurs", ""))
    data = DossierInput(
        porteur=value["porteur"],
        title=value["titre"],
        summary=value.get("resume", ""),
        roadmap=value.get("feuille_de_route") or None,
        action=value.get("action") or None,
        axe=value.get("axe") or None,
        qpvs=_split_codes(value.get("qpv", "")),
        pillar=pillar or None,
        total_budget=_amount_cell(value.get("budget_total", ""), "budget_total") or "0",
        instructors=instructors or None,
        avis_deadline=value.get("date_limite_avis") or None,
    )
    # the same checks as create_dossier, now, so the line number goes with the message
    clean_dossier(data)
    clean_financements(plan)
    return _Row(records[0].first, year, data, plan, [r.first for r in records])


async def _financeur_codes() -> dict[str, str]:
    """A financeur cell may hold the service's code in any case, or its name."""
    known: dict[str, str] = {}
    for code, name in await Service.all().values_list("code", "name"):
        known[norm(name)] = code
        known[norm(code)] = code
    return known


async def import_dossiers(
    actor: Actor,
    raw: bytes,
    *,
    campagne: int | str | None = None,
    partial: bool = False,
    territoire: str | None = None,
    mapping: ColumnMapping | None = None,
) -> ImportReport:
    """Check every row against the database, then create all of them in one transaction,
    or only the good ones with ``partial``; with an error and no ``partial``, nothing."""
    require_known(actor, "importer des dossiers")
    default_year = parse_year(campagne, "campagne") if campagne not in (None, "") else None
    rows, report = parse(raw, default_year, mapping)
    if report.errors and not rows and report.rows == 0:
        return report

    async def unit() -> ImportReport:
        result = ImportReport(**{**report.__dict__, "errors": list(report.errors), "imported": []})
        known = await _financeur_codes()
        campagnes: dict[int, Campagne] = {}
        seen: dict[tuple[int, str, str], int] = {}
        ready: list[tuple[Campagne, CleanDossier, Resolved]] = []
        for row in rows:
            try:
                if row.year not in campagnes:
                    campagnes[row.year] = await campagne_by_year(row.year, territoire)
                c = campagnes[row.year]
                clean = clean_dossier(row.data)
                lines = [
                    FinancementInput(known.get(norm(f.financeur), f.financeur), f.asked)
                    for f in row.plan
                ]
                plan: dict[str, Decimal] = clean_financements(lines)
                key = (c.year, clean.porteur.casefold(), clean.title.casefold())
                if key in seen:
                    raise ValidationError(
                        f"même porteur et même titre qu'à la ligne {seen[key]}", field="titre"
                    )
                seen[key] = row.line
                existing = await Dossier.filter(
                    campagne_id=c.id, porteur=clean.porteur, title=clean.title
                ).first()
                if existing is not None:
                    raise ValidationError(
                        f"déjà importé : {existing.ref} a le même porteur et le même titre",
                        field="titre",
                    )
                resolved = await resolve_dossier(c, clean, plan)
                await authorize(actor, resolved.roadmap.slug, Capability.EDIT)
                ready.append((c, clean, resolved))
            except RoadmapError as exc:
                result.errors.append((row.line, str(exc)))
        result.errors.sort()
        if result.errors and not partial:
            return result  # nothing written: the checks above only read
        for c, clean, resolved in ready:
            dossier = await insert_dossier(actor, c, clean, resolved)
            result.imported.append(dossier.ref)
        return result

    return await write_unit(unit)
