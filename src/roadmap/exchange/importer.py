"""``roadmap import``: check the whole file, then apply it in one transaction.

Two cases, decided by the slug:
- **restoration**: the roadmap is not in the base (migration, backup). The file is
  written as it is, history included with its original authors, for someone allowed
  to create a roadmap (see ``import_rights``).
- **update**: the roadmap exists. The file is compared with it and each difference
  goes through the use cases the forms call, as the importer; past acts (decisions,
  avis, adjustments, observations) must be in the file as they are in the base.

Either way nothing is written unless everything passes: problems are collected with
their key path first, then the whole import runs in one write unit. ``dry_run`` runs
the same unit and rolls it back, so it shows exactly what would change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError

from roadmap import models as m
from roadmap.domain.enums import AdjustmentKind
from roadmap.domain.errors import PermissionDenied, StorageError
from roadmap.exchange.apply import apply_plan
from roadmap.exchange.changeset import ItemChange, Plan, compare, strip_import_only
from roadmap.exchange.copil_import import check_update
from roadmap.exchange.drop import refuse_in_web
from roadmap.exchange.import_itinerary import ImportItinerary, after_import, before_import
from roadmap.exchange.import_rights import require_roadmap_creator
from roadmap.exchange.integrity import check_header, check_references
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.problems import Problems
from roadmap.exchange.reference_data import check_reference, create_missing
from roadmap.exchange.restore import check_restore, restore, restore_territory
from roadmap.exchange.roadmap_doc import build_roadmap_document
from roadmap.exchange.schema import DOCUMENT, check_table
from roadmap.exchange.snapshot import read_snapshot
from roadmap.exchange.toml_input import MAX_FILE_BYTES, load_toml, oversized_integers
from roadmap.formatting import gendered, moment, plural
from roadmap.usecases.base import journal, retired_refs, write_unit
from roadmap.usecases.check import contradicted_dependencies
from roadmap.usecases.identity import Actor

# Prefix of a new item's reference → journal entity of its deleted ones (never given again).
_RETIRED = {"A": "action", "J": "jalon", "I": "indicateur"}


@dataclass
class ImportResult:
    slug: str
    created: bool  # restored into a base that did not have it
    counts: dict[str, int] = field(default_factory=dict)
    new_reference: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # "action A1 : titre : « a » → « b »"
    count: int = 0  # one per field changed, item created or removed
    dry_run: bool = False
    contradicted: list[str] = field(default_factory=list)  # dependencies the dates now contradict
    itinerary: ImportItinerary | None = None  # what the file's dates move (update only)

    def summary(self) -> str:
        if not self.created:
            return plural(self.count, "changement") if self.changes else "rien à changer"
        parts = ", ".join(f"{n} {k}" for k, n in self.counts.items() if n)
        return parts or "rien"


class _DryRun(Exception):
    """Raised at the end of a dry run so the write unit rolls everything back."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


async def _read(path: Path, max_bytes: int) -> tuple[dict[str, Any], Problems]:
    doc, index = load_toml(path, max_bytes=max_bytes)
    out = Problems(path, index)
    for key_path in oversized_integers(doc):
        out.add(key_path, "entier trop grand (64 bits au plus)")
    out.raise_if_any()
    if not check_header(doc, out):
        out.raise_if_any()
    check_table(doc, DOCUMENT, "", out)
    out.raise_if_any()
    await check_references(doc, out)
    out.raise_if_any()
    return doc, out


async def validate_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """Parse and check everything; raise ImportRefused listing every problem found."""
    doc, _ = await _read(path, max_bytes)
    return doc


async def import_file(
    actor: Actor,
    path: Path,
    *,
    motif: str = "",
    nature: str = "",
    dry_run: bool = False,
    territoire: str = "",
    max_bytes: int = MAX_FILE_BYTES,
    shift_dependents: bool | None = None,
) -> ImportResult:
    """``territoire``: for a file that does not name one (schema 1) in a base holding
    several territories; a file that names one must agree with it.

    ``shift_dependents``: what to do with the items that depend on dates the file moves
    (True: shift them, False: keep their dates, None: refuse if any would be contradicted;
    a dry run then shows both)."""
    refused = refuse_in_web(
        "importer un fichier", "un administrateur importe par « roadmap import » sur le serveur"
    )
    if refused:
        raise PermissionDenied(refused)
    if nature:
        nature = AdjustmentKind.parse(nature, "--nature").value  # type: ignore[union-attr]
    doc, out = await _read(path, max_bytes)

    async def unit() -> ImportResult:
        slug = doc["feuille_de_route"]["slug"]
        existing = await m.Roadmap.get_or_none(slug=slug)
        if existing is None:
            result = await _restore(actor, doc, path.name, out, territoire)
        else:
            await _same_territory(existing, doc["feuille_de_route"], territoire, out)
            choice = _Choice(shift_dependents, motif.strip(), nature, dry_run)
            result = await _update(actor, doc, path.name, out, choice)
        # Read in the import's own transaction: a dry run shows them before anything is kept.
        result.contradicted = await contradicted_dependencies(slug)
        if dry_run:
            raise _DryRun(result)
        return result

    try:
        return await write_unit(unit)
    except _DryRun as rolled_back:
        rolled_back.result.dry_run = True
        return rolled_back.result
    except IntegrityError as exc:
        # Checked beforehand; only a concurrent writer can get here. The transaction rolled back.
        raise StorageError(
            f"import de {path.name} annulé, rien n'a été écrit : une autre écriture a créé "
            f"les mêmes éléments entre-temps ({exc}) ; relancez l'import"
        ) from None


def _journal_key(change: ItemChange) -> tuple[str, str]:
    if change.kind == "financement":
        return "financement", change.item["dossier"]
    if change.kind == "campagne":
        return "campagne", f"AAP{change.ref}"
    return change.kind, change.ref


async def _changed_since(slug: str, plan: Plan, generated: datetime, out: Problems) -> None:
    """The version rule for a stamped file: an item changed in the base since the export
    is not overwritten by the file's older copy (as a form refuses a stale version)."""
    for change in plan.changes:
        if change.op == "création":
            continue
        entity, ref = _journal_key(change)
        later = (
            await m.JournalEntry.filter(
                roadmap_slug=slug, entity=entity, entity_ref=ref, at__gt=generated
            )
            .exclude(operation__in=["import", "restauration"])
            .order_by("-id")
            .first()
        )
        if later is not None:
            when = moment(later.at)
            out.add(
                change.path,
                f"{change.kind} {change.ref} {gendered(change.kind, 'modifié')} dans la base par "
                f"{later.actor} le {when}, "
                "après l'export de ce fichier : rien n'a été écrasé ; réexportez, reportez vos "
                "changements, puis réimportez",
            )


async def _same_territory(
    roadmap: m.Roadmap, road: dict[str, Any], chosen: str, out: Problems
) -> None:
    """An update never moves a roadmap to another territory (its campaigns are there)."""
    tid = roadmap.territoire_id  # type: ignore[attr-defined]
    stored = (await m.Territoire.get(id=tid)).code if tid else None
    for path, given in (
        ("feuille_de_route.territoire", road.get("territoire")),
        ("--territoire", chosen),
    ):
        if given and given != stored:
            out.add(
                path,
                f"la feuille de route {roadmap.slug} relève du territoire « {stored or 'aucun'} » "
                f"dans la base, pas de « {given} » : un import ne la change pas de territoire",
            )


async def _restore(
    actor: Actor, doc: dict[str, Any], filename: str, out: Problems, chosen: str
) -> ImportResult:
    road = doc["feuille_de_route"]
    await require_roadmap_creator(actor, road["slug"])
    await check_reference(doc, out)
    territoire = await restore_territory(road, chosen, out)
    await check_restore(road, territoire, out)
    out.raise_if_any()
    counts, new_reference = await restore(actor, doc, filename, territoire)
    return ImportResult(road["slug"], True, counts, new_reference)


@dataclass(frozen=True)
class _Choice:
    shift_dependents: bool | None
    motif: str
    nature: str
    dry_run: bool


async def _update(
    actor: Actor, doc: dict[str, Any], filename: str, out: Problems, choice: _Choice
) -> ImportResult:
    motif, nature = choice.motif, choice.nature
    slug = doc["feuille_de_route"]["slug"]
    snap = await read_snapshot(within_write=True)
    row = next(r for r in snap.rows("roadmap") if r["slug"] == slug)
    stored = build_roadmap_document(snap, row, ExportOptions())["feuille_de_route"]
    plan = compare(
        strip_import_only(doc["feuille_de_route"]),
        stored,
        motif=motif,
        nature=nature,
        dossier_refs=[str(d["ref"]) for d in snap.rows("dossier")],
        retired={p: await retired_refs(slug, e) for p, e in _RETIRED.items()},
    )
    check_update(doc["feuille_de_route"], stored, out)  # baselines and relevé: not by file
    await check_reference(doc, out)
    for key_path, message in plan.problems:
        out.add(key_path, message)
    generated = doc["generation"].get("genere_le")
    if generated is not None:
        await _changed_since(slug, plan, generated, out)
    out.raise_if_any()
    result = ImportResult(slug, False, changes=plan.lines(), count=plan.count())
    if not plan.changes:
        return result  # nothing to write, for anyone
    result.new_reference = await create_missing(actor, doc, filename)
    before = await before_import(slug, plan)
    await apply_plan(actor, slug, plan)
    result.changes = plan.lines()  # removals now say what they did (deleted or kept closed)
    if before is not None:
        result.itinerary = await after_import(
            actor, slug, before, choice.shift_dependents, motif=motif, nature=nature,
            filename=filename, dry_run=choice.dry_run,
        )  # fmt: skip
    await journal(
        actor,
        roadmap=slug,
        entity="feuille de route",
        ref=slug,
        operation="import",
        new=plural(result.count, "changement"),
        reason=f"import de {filename} (chaque champ est journalisé à part)",
    )
    return result
