"""``roadmap export``: read once, build every document, write each file atomically.

The database is read in one transaction (async); building and writing run in a thread
so a TUI worker never freezes input. ``progress`` is then called from that thread.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from roadmap.domain.errors import NotFound, StorageError
from roadmap.exchange import calendar
from roadmap.exchange.atomic import fsync_dir, write_if_changed
from roadmap.exchange.changes import CHANGES_KEY, diff, read_previous
from roadmap.exchange.margins import margins_for
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.render import fingerprint, previous_fingerprint, render
from roadmap.exchange.roadmap_doc import build_roadmap_document, dossier_roadmap_id
from roadmap.exchange.service_doc import ServiceIndex, build_service_document
from roadmap.exchange.snapshot import Row, Snapshot, read_snapshot

Progress = Callable[[int, int, str], None]  # (files done, files in all, file just handled)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return sorted(self.written + self.unchanged)


async def export(
    out_dir: Path,
    *,
    roadmap: str | None = None,
    options: ExportOptions | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    options = options or ExportOptions()
    if options.stamp and options.generated_at is None:
        options = replace(options, generated_at=datetime.now(UTC))
    snap = await read_snapshot()
    if roadmap is not None and not any(r["slug"] == roadmap for r in snap.rows("roadmap")):
        raise NotFound(f"feuille de route « {roadmap} » introuvable", field="--roadmap")
    if options.margins_on is not None and options.margins is None:
        slugs = [r["slug"] for r in snap.rows("roadmap")]
        options = replace(options, margins=await margins_for(slugs, options.margins_on))
    return await asyncio.to_thread(_build_and_write, snap, out_dir, roadmap, options, progress)


def _check_name(name: str) -> str:
    if not _SAFE_NAME.match(name):
        raise StorageError(f"nom de fichier refusé pour l'export : « {name} »")
    return name


def _build_and_write(
    snap: Snapshot,
    out_dir: Path,
    only: str | None,
    options: ExportOptions,
    progress: Progress | None,
) -> ExportResult:
    now = options.generated_at if options.stamp else None
    dossiers_by_roadmap: dict[int | None, list[Row]] = {}
    for d in snap.rows("dossier"):
        dossiers_by_roadmap.setdefault(dossier_roadmap_id(snap, d), []).append(d)
    roadmaps = sorted(snap.rows("roadmap"), key=lambda r: r["slug"])
    documents = {
        r["slug"]: build_roadmap_document(snap, r, options, dossiers_by_roadmap.get(r["id"], []))
        for r in roadmaps
    }
    events: dict[calendar.EventKey, Any] = {}
    if options.ics:
        for document in documents.values():
            events.update(calendar.roadmap_events(document, now))

    index = ServiceIndex(snap)
    if only is not None:
        mentioned = {s["code"] for s in documents[only]["referentiel"].get("services", [])}
        services = [s for s in snap.rows("service") if s["code"] in mentioned]
        roadmaps = [r for r in roadmaps if r["slug"] == only]
    else:
        concerned = index.concerned()
        services = [s for s in snap.rows("service") if not s["archived"] or s["id"] in concerned]
    services.sort(key=lambda s: s["code"])

    per_file = 2 if options.ics else 1
    total = (len(roadmaps) + len(services)) * per_file
    result = ExportResult()
    done = 0

    def emit(path: Path, data: bytes) -> None:
        nonlocal done
        written = write_if_changed(path, data, sync_dir=False)
        (result.written if written else result.unchanged).append(path)
        done += 1
        if progress is not None:
            progress(done, total, str(path.relative_to(out_dir)))

    for r in roadmaps:
        name = _check_name(r["slug"])
        path = out_dir / f"{name}.toml"
        document = documents[r["slug"]]
        unchanged = not options.stamp and previous_fingerprint(path) == fingerprint(document)
        emit(path, path.read_bytes() if unchanged else render(document))
        if options.ics:
            own = calendar.roadmap_events(documents[r["slug"]], now)
            emit(out_dir / f"{name}.ics", calendar.calendar_bytes(r["title"], list(own.values())))

    for s in services:
        name = _check_name(s["code"])
        path = out_dir / "services" / f"{name}.toml"
        document = build_service_document(snap, index, s, options)
        emit(path, _with_changes(path, document, options))
        if options.ics:
            service_events = calendar.service_events(document, events, now)
            emit(
                out_dir / "services" / f"{name}.ics",
                calendar.calendar_bytes(f"{s['name']} — feuilles de route", service_events),
            )
    for folder in {p.parent for p in result.written}:
        fsync_dir(folder)  # the renames are durable before the export reports success
    return result


def _with_changes(path: Path, document: dict[str, Any], options: ExportOptions) -> bytes:
    """The new bytes; the previous file's bytes when its content has not changed.

    Keeping the previous file (and its list of changes) when nothing moved makes a second
    export of the same data byte-identical, and the changes stay visible until the next one.
    """
    if previous_fingerprint(path) == fingerprint(document):
        if not options.stamp:
            return path.read_bytes()
        previous = read_previous(path) or {}
        kept = {CHANGES_KEY: previous[CHANGES_KEY]} if CHANGES_KEY in previous else None
        return render(document, kept)
    previous = read_previous(path)
    if previous is None:
        return render(document)
    changes = diff(previous, document)
    return render(document, {CHANGES_KEY: {"elements": changes}} if changes else None)
