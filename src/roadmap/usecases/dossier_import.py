"""Bulk import of AAP dossiers from a spreadsheet export (CSV), as French spreadsheets write it.

Accepted: ``;``, ``,`` or tab separated; UTF-8 with or without BOM, UTF-16 with BOM, or
Windows-1252; decimal comma and spaces in amounts. The header row is documented in
docs/dossiers-csv.md. Every bad row is reported with its line number; the good rows are
imported in one transaction only when ``partial`` is set, otherwise nothing is imported.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from roadmap.domain.enums import Pillar
from roadmap.domain.errors import RoadmapError, ValidationError
from roadmap.domain.permissions import Capability
from roadmap.models import Campagne, Dossier
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

MAX_BYTES = 20 * 1024 * 1024
DEMANDE_PREFIX = "demande"

# normalised header → column key
COLUMNS: dict[str, str] = {
    "campagne": "campagne",
    "annee": "campagne",
    "porteur": "porteur",
    "porteur_de_projet": "porteur",
    "titre": "titre",
    "intitule": "titre",
    "resume": "resume",
    "feuille_de_route": "feuille_de_route",
    "action": "action",
    "axe": "axe",
    "qpv": "qpv",
    "pilier": "pilier",
    "budget_total": "budget_total",
    "budget": "budget_total",
    "instructeurs": "instructeurs",
    "services_instructeurs": "instructeurs",
    "date_limite_avis": "date_limite_avis",
    "date_limite_des_avis": "date_limite_avis",
}
REQUIRED = ("porteur", "titre")


def _norm(text: str) -> str:
    """Lower case, no accents, runs of spaces/quotes/hyphens as one underscore."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s'’\-_.]+", "_", plain.strip().lower()).strip("_")


_PILLARS = {_norm(p.value): p.value for p in Pillar} | {_norm(p.label): p.value for p in Pillar}


@dataclass
class ImportReport:
    rows: int = 0
    imported: list[str] = field(default_factory=list)  # dossier refs
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    encoding: str = ""
    delimiter: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    year: int
    data: DossierInput
    plan: list[FinancementInput]


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding name; raise a ValidationError when the bytes fit no known encoding."""
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError as exc:
            raise ValidationError(f"UTF-8 invalide (octet {exc.start})", field="fichier") from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "UTF-16"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"encodage non reconnu (ni UTF-8 ni Windows-1252, octet {exc.start}) ; "
            "réenregistrez le fichier en « CSV UTF-8 »",
            field="fichier",
        ) from None


def sniff_delimiter(text: str) -> str:
    """The header row decides: it holds no amounts, so a comma there is a separator."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    outside = re.sub(r'"[^"]*"', "", header)
    for candidate in (";", "\t", ","):
        if candidate in outside:
            return candidate
    return ";"


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


def _header(cells: list[str]) -> tuple[dict[int, str], dict[int, str]]:
    """Map column index → key, and column index → financeur code for ``demande_<code>``."""
    keys: dict[int, str] = {}
    financeurs: dict[int, str] = {}
    problems: list[str] = []
    for index, raw in enumerate(cells):
        name = raw.strip().lstrip("\ufeff")
        if not name:
            continue
        norm = _norm(name)
        if norm.startswith(DEMANDE_PREFIX + "_") or norm.startswith(DEMANDE_PREFIX + ":"):
            code = re.sub(r"^demande[\s_:]+", "", name.strip(), flags=re.IGNORECASE).strip()
            if not code:
                problems.append(f"« {name} » : code du financeur manquant (ex. demande_dcs)")
            elif code in financeurs.values():
                problems.append(f"financeur {code} en double")
            else:
                financeurs[index] = code
            continue
        key = COLUMNS.get(norm)
        if key is None:
            problems.append(f"colonne inconnue « {name} »")
        elif key in keys.values():
            problems.append(f"colonne « {name} » en double")
        else:
            keys[index] = key
    missing = [k for k in REQUIRED if k not in keys.values()]
    if missing:
        problems.append(f"colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}")
    if not financeurs:
        problems.append("aucune colonne demande_<code financeur> (ex. demande_dcs)")
    if problems:
        raise ValidationError(
            "; ".join(problems) + " — voir docs/dossiers-csv.md", field="ligne d'en-tête"
        )
    return keys, financeurs


def parse(raw: bytes, default_year: int | None) -> tuple[list[_Row], ImportReport]:
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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.delimiter)
    rows: list[_Row] = []
    keys: dict[int, str] | None = None
    financeurs: dict[int, str] = {}
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num  # a record may span lines
            if not any(c.strip() for c in cells):
                continue
            if keys is None:
                try:
                    keys, financeurs = _header(cells)
                except ValidationError as exc:
                    report.errors.append((line, str(exc)))
                    return [], report
                continue
            report.rows += 1
            try:
                rows.append(_row(line, cells, keys, financeurs, default_year))
            except RoadmapError as exc:
                report.errors.append((line, str(exc)))
    except csv.Error as exc:
        report.errors.append((reader.line_num, f"CSV illisible : {exc}"))
    if keys is None:
        report.errors.append((1, "fichier vide : la ligne d'en-tête manque"))
    return rows, report


def _row(
    line: int,
    cells: list[str],
    keys: dict[int, str],
    financeurs: dict[int, str],
    default_year: int | None,
) -> _Row:
    width = max([*keys, *financeurs]) + 1
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        raise ValidationError(
            f"{len(cells)} cellules pour {width} colonnes (séparateur dans une cellule non "
            "entre guillemets ?)",
            field="ligne",
        )
    cells = cells + [""] * (width - len(cells))
    value = {key: cells[i].strip() for i, key in keys.items()}
    year_text = value.get("campagne", "")
    if year_text:
        year = parse_year(year_text, "campagne")
    elif default_year is not None:
        year = default_year
    else:
        raise ValidationError("année absente (colonne campagne ou --campagne)", field="campagne")
    pillar = value.get("pilier", "")
    if pillar:
        if _norm(pillar) not in _PILLARS:
            allowed = ", ".join(p.value for p in Pillar)
            raise ValidationError(f"« {pillar} » inconnu ; attendu : {allowed}", field="pilier")
        pillar = _PILLARS[_norm(pillar)]
    plan = [
        FinancementInput(code, _amount_cell(cells[i], f"demande_{code}"))
        for i, code in financeurs.items()
        if cells[i].strip()
    ]
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
    return _Row(line, year, data, plan)


async def import_dossiers(
    actor: Actor,
    raw: bytes,
    *,
    campagne: int | str | None = None,
    partial: bool = False,
    territoire: str | None = None,
) -> ImportReport:
    """Check every row against the database, then create all of them in one transaction,
    or only the good ones with ``partial``; with an error and no ``partial``, nothing."""
    require_known(actor, "importer des dossiers")
    default_year = parse_year(campagne, "campagne") if campagne not in (None, "") else None
    rows, report = parse(raw, default_year)
    if report.errors and not rows and report.rows == 0:
        return report

    async def unit() -> ImportReport:
        result = ImportReport(
            rows=report.rows,
            errors=list(report.errors),
            encoding=report.encoding,
            delimiter=report.delimiter,
        )
        campagnes: dict[int, Campagne] = {}
        seen: dict[tuple[int, str, str], int] = {}
        ready: list[tuple[Campagne, CleanDossier, Resolved]] = []
        for row in rows:
            try:
                if row.year not in campagnes:
                    campagnes[row.year] = await campagne_by_year(row.year, territoire)
                c = campagnes[row.year]
                clean = clean_dossier(row.data)
                plan: dict[str, Decimal] = clean_financements(row.plan)
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
