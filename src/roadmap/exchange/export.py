"""``roadmap export``: read once, build every document, write each file atomically.

The database is read in one transaction (async); building and writing run in a thread
so a TUI worker never freezes input. ``progress`` is then called from that thread.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from roadmap.domain.errors import NotFound, StorageError
from roadmap.exchange import calendar
from roadmap.exchange.atomic import fsync_dir, write_if_changed
from roadmap.exchange.margins import margins_for
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.render import fingerprint, render, same_as_before
from roadmap.exchange.roadmap_doc import build_roadmap_document, dossier_roadmap_id
from roadmap.exchange.service_doc import ServiceIndex
from roadmap.exchange.service_files import helper, write_services
from roadmap.exchange.snapshot import Row, Snapshot, read_snapshot

# Below this many rows a helper process costs more (start-up, sending the rows) than it
# saves; the Métropole-scale bench has about 90,000.
PARALLEL_ROWS = 40_000
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
    documents: dict[str, dict[str, Any]] = {}

    def document(r: Row) -> dict[str, Any]:
        # Built on first use: without --ics and --roadmap, the helper process can start
        # on the service files before this process has built any roadmap document.
        if r["slug"] not in documents:
            dossiers = dossiers_by_roadmap.get(r["id"], [])
            documents[r["slug"]] = build_roadmap_document(snap, r, options, dossiers)
        return documents[r["slug"]]

    events: dict[calendar.EventKey, Any] = {}
    if options.ics:
        for r in roadmaps:
            events.update(calendar.roadmap_events(document(r), now))

    index = ServiceIndex(snap)
    if only is not None:
        roadmaps = [r for r in roadmaps if r["slug"] == only]
        mentioned = {s["code"] for s in document(roadmaps[0])["referentiel"].get("services", [])}
        services = [s for s in snap.rows("service") if s["code"] in mentioned]
    else:
        concerned = index.concerned()
        services = [s for s in snap.rows("service") if not s["archived"] or s["id"] in concerned]
    services.sort(key=lambda s: s["code"])
    for row in roadmaps:
        _check_name(row["slug"])
    for row in services:
        _check_name(row["code"])  # before any file is written, in either process

    per_file = 2 if options.ics else 1
    total = (len(roadmaps) + len(services)) * per_file
    result = ExportResult()
    done = 0

    def record(path: Path, written: bool) -> None:
        nonlocal done
        (result.written if written else result.unchanged).append(path)
        done += 1
        if progress is not None:
            progress(done, total, str(path.relative_to(out_dir)))

    def emit(path: Path, data: bytes) -> None:
        record(path, write_if_changed(path, data, sync_dir=False))

    def collect(chunks: Iterator[list[tuple[Path, bool]]]) -> None:
        for chunk in chunks:
            for path, written in chunk:
                record(path, written)

    parallel = sum(len(rows) for rows in snap.tables.values()) >= PARALLEL_ROWS
    with helper(snap, services, out_dir, options, events) if parallel else nullcontext() as aid:
        for r in roadmaps:
            path = out_dir / f"{r['slug']}.toml"
            doc = document(r)
            digest = fingerprint(doc)
            unchanged = not options.stamp and same_as_before(path, doc, digest)
            emit(path, path.read_bytes() if unchanged else render(doc, digest=digest))
            if options.ics:
                own = calendar.roadmap_events(doc, now)
                ics = calendar.calendar_bytes(r["title"], list(own.values()))
                emit(out_dir / f"{r['slug']}.ics", ics)
            if aid is not None:
                collect(aid.finished())
        mine = services if aid is None else aid.take_back()
        write_services(snap, index, mine, out_dir, options, events, emit)
        if aid is not None:
            collect(aid.finished(wait=True))
    for folder in {p.parent for p in result.written}:
        fsync_dir(folder)  # the renames are durable before the export reports success
    return result
