"""``roadmap export``: read once, build the documents, stage the files, commit the set.

The database is read in one transaction (async); building and writing run in a thread
so a TUI worker never freezes input. ``progress`` is then called from that thread. A large
export shares its files with a helper process (forked.py; service_files.py where fork is
unavailable): same bytes as one process.

A set of files is written as one (issue 14): each changed file goes to a hidden temporary
file; once all are ready their data is made durable, the previous ``manifeste.toml`` is
withdrawn, the files are renamed into place, files of the previous set that are no longer
produced are removed, and the new manifest is written last (see manifest.py). Temporary
files an interrupted export left are removed first. With the journal where the manifest
left it (and the same options, files untouched), there is nothing to do; after a few
changes, only the files that may hold them are rebuilt (plan.py), from their rows alone
(scoped_read.py) (issue 15).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadmap.domain.errors import NotFound, StorageError
from roadmap.exchange import forked, plan, service_files
from roadmap.exchange import manifest as mf
from roadmap.exchange.atomic import clean_temps, commit, discard
from roadmap.exchange.margins import margins_for
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.render import render, render_body, same_as_before
from roadmap.exchange.roadmap_doc import (
    build_roadmap_document,
    dossier_roadmap_id,
    referentiel_services,
)
from roadmap.exchange.service_doc import ServiceIndex
from roadmap.exchange.service_files import Done, Emit, helper, staged_emit, write_services
from roadmap.exchange.snapshot import (
    Row,
    Scoping,
    Snapshot,
    read_plain_snapshot,
    read_position,
    read_snapshot,
)

if TYPE_CHECKING:  # icalendar (0.1 s to import) loads only when an export writes calendars
    from roadmap.exchange import calendar

# Below this estimated cost (records in the files to build, see _costs) a forked helper
# costs more than it saves (the fork, the pages it copies: a few ms; about 0.5 s of work
# here). The Métropole bench costs 134,000; one roadmap of 10,000 actions 48,000; one
# action edited at Métropole scale 2,500.
PARALLEL_COST = 20_000
# Where fork is unavailable, a helper started with "spawn" costs its start-up and the rows
# sent: below this many rows, or fewer files to build (an incremental export), one process.
PARALLEL_ROWS = 40_000
PARALLEL_FILES = 40
# A record costs about twice as much in a roadmap file as in a service file (measured at
# Métropole scale): the cost estimate that orders the files shared between the processes.
ROADMAP_RECORD = 2
Progress = Callable[[int, int, str], None]  # (files done, files in all, file just handled)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # files of the previous set, now gone
    cleaned: list[Path] = field(default_factory=list)  # temporary files an interruption left

    @property
    def files(self) -> list[Path]:
        return sorted(self.written + self.unchanged)


async def export(
    out_dir: Path,
    *,
    roadmap: str | None = None,
    options: ExportOptions | None = None,
    progress: Progress | None = None,
    rebuild: bool = False,
    head: HeadStart | None = None,
) -> ExportResult:
    """``rebuild``: ignore the previous manifest and build every file (after a change made
    outside the application, which the journal does not show). ``head``: the same export,
    started by head_start before the database was opened: it is finished here.

    The service files written are then kept by fingerprint (bases.py): a service that sends
    its file back is compared with what it was given (issue 17)."""
    from roadmap.exchange.bases import record_bases  # the ORM: not before head_start

    if head is not None:
        result = await _in_thread(head.finish)
    else:
        result = await _export_set(
            out_dir, roadmap=roadmap, options=options, progress=progress, rebuild=rebuild
        )
    await record_bases(result.files)
    return result


class HeadStart:
    """An export of a SQLite base begun before the ORM is loaded (head_start): the rows
    read, the files planned and, when worth it, the helper process already forked and
    writing; the folder stays locked until ``close``."""

    def __init__(self, stack: contextlib.ExitStack, job: _Job, cleaned: list[Path]) -> None:
        self.stack, self.job, self.cleaned = stack, job, cleaned

    def finish(self) -> ExportResult:
        try:
            result = self.job.finish()
        finally:
            self.close()
        result.cleaned = self.cleaned
        return result

    def close(self) -> None:
        """Give up if not finished (helper killed, its files removed), unlock the folder."""
        try:
            shared = self.job.shared
            if shared is not None and not shared.over:
                shared.cancel()
                # a file the helper was staging when killed, never reported
                out_dir = self.job.out_dir
                clean_temps([out_dir, out_dir / "services"])
        finally:
            self.stack.close()


def head_start(
    db_file: Path,
    out_dir: Path,
    *,
    roadmap: str | None = None,
    options: ExportOptions | None = None,
    rebuild: bool = False,
) -> HeadStart | None:
    """Begin an export of every file before the command loads the ORM (issue 15).

    Only when the export is plain: a SQLite base whose migrations are all applied, no
    marges (read through the ORM), and no previous set to build on in the folder. The rows
    are read in one transaction with the standard library, as read_snapshot does, and a
    large export forks its helper at once: it writes its share while this process loads
    the ORM and opens the base, then finishes with it (``export(head=...)``). None when
    this does not apply or anything goes wrong: the normal export then runs and reports.
    """
    options = _dated(options)
    if options.margins_on is not None:
        return None
    stack = contextlib.ExitStack()
    head = None
    try:
        stack.enter_context(mf.export_lock(out_dir))
        if _usable_previous(out_dir, roadmap or mf.ALL, options, rebuild) is not None:
            stack.close()
            return None
        from roadmap.migrations import shipped

        snap = read_plain_snapshot(db_file, shipped())
        if snap is None or (
            roadmap is not None and not any(r["slug"] == roadmap for r in snap.rows("roadmap"))
        ):
            stack.close()
            return None
        cleaned = clean_temps([out_dir, out_dir / "services"])
        head = HeadStart(stack, _Job(snap, out_dir, roadmap, options, None, None, None), cleaned)
        head.job.plan()
        head.job.start_helper()
    except BaseException as error:
        if head is not None:
            head.close()  # the helper, if forked, stopped and its files removed
        stack.close()
        if isinstance(error, Exception):
            return None  # the normal export meets it again and reports it
        raise
    return head


async def _export_set(
    out_dir: Path,
    *,
    roadmap: str | None,
    options: ExportOptions | None,
    progress: Progress | None,
    rebuild: bool,
) -> ExportResult:
    options = _dated(options)
    perimeter = roadmap or mf.ALL
    with mf.export_lock(out_dir):
        cleaned = clean_temps([out_dir, out_dir / "services"])
        previous = _usable_previous(out_dir, perimeter, options, rebuild)
        if previous is not None and previous.position == await read_position():
            result = ExportResult(unchanged=[out_dir / n for n in sorted(previous.files)])
            result.cleaned = cleaned
            return result
        incremental = (
            previous is not None
            and not options.ics  # a service's calendar takes events from every roadmap
            and options.margins_on is None  # a change can move every marge
            and perimeter == mf.ALL
            and "dernier" in previous.position
        )
        after = previous.position["dernier"] if incremental and previous else None
        scoping = None
        if after is not None and previous is not None:
            scoping = Scoping(out_dir, sorted(previous.files), previous.position.get("nombre", -1))
        snap = await read_snapshot(changes_after=after, scoping=scoping)
        if roadmap is not None and not any(r["slug"] == roadmap for r in snap.rows("roadmap")):
            raise NotFound(f"feuille de route « {roadmap} » introuvable", field="--roadmap")
        if options.margins_on is not None and options.margins is None:
            slugs = [r["slug"] for r in snap.rows("roadmap")]
            options = replace(options, margins=await margins_for(slugs, options.margins_on))
        dirty = None
        if previous is not None and snap.changes is not None:
            grown = snap.position["nombre"] - previous.position.get("nombre", -1)
            if grown == len(snap.changes):  # else a row committed late, below "dernier"
                dirty = plan.dirty_from(snap.changes)
        job = _Job(snap, out_dir, roadmap, options, progress, previous, dirty)
        result = await _in_thread(job.run)
        result.cleaned = cleaned
        return result


def _dated(options: ExportOptions | None) -> ExportOptions:
    """The options, with the generation time a stamped export writes in every file."""
    options = options or ExportOptions()
    if options.stamp and options.generated_at is None:
        options = replace(options, generated_at=datetime.now(UTC))
    return options


def _usable_previous(
    out_dir: Path, perimeter: str, options: ExportOptions, rebuild: bool
) -> mf.Manifest | None:
    """The folder's previous set, if this export can build on it (else redo every file)."""
    previous = None if rebuild else mf.read(out_dir)
    if previous is not None and not (
        not options.stamp
        and previous.perimeter == perimeter
        and previous.options == mf.options_key(options)
        and mf.files_untouched(out_dir, previous)
    ):
        return None
    return previous


async def _in_thread(work: Callable[[], ExportResult]) -> ExportResult:
    import asyncio  # here: head_start runs before asyncio is loaded

    return await asyncio.to_thread(work)


def _check_name(name: str) -> str:
    if not _SAFE_NAME.match(name):
        raise StorageError(f"nom de fichier refusé pour l'export : « {name} »")
    return name


class _Job:
    """One export's build and write, run in a thread."""

    def __init__(
        self,
        snap: Snapshot,
        out_dir: Path,
        only: str | None,
        options: ExportOptions,
        progress: Progress | None,
        previous: mf.Manifest | None,
        dirty: plan.Dirty | None,
    ) -> None:
        self.snap, self.out_dir, self.only, self.options = snap, out_dir, only, options
        self.progress = progress
        self.previous = previous
        self.dirty = dirty
        self.documents: dict[str, dict[str, Any]] = {}
        self.staged: Done = []
        self.result = ExportResult()
        self.done = 0
        self.total = 0
        self.shared: forked.Shared | None = None  # the helper process, once forked
        self.dossiers_by_roadmap: dict[int | None, list[Row]] = {}
        for d in snap.rows("dossier"):
            self.dossiers_by_roadmap.setdefault(dossier_roadmap_id(snap, d), []).append(d)

    def document(self, r: Row) -> dict[str, Any]:
        # Built on first use, by the job writing its file (without --ics): the helper
        # process can start on the service files before any roadmap document is built.
        if r["slug"] not in self.documents:
            dossiers = self.dossiers_by_roadmap.get(r["id"], [])
            self.documents[r["slug"]] = build_roadmap_document(self.snap, r, self.options, dossiers)
        return self.documents[r["slug"]]

    def run(self) -> ExportResult:
        self.plan()
        return self.finish()

    def plan(self) -> None:
        """Which files to build, and the jobs building them (before any file is written)."""
        snap, options = self.snap, self.options
        now = options.generated_at if options.stamp else None
        roadmaps = sorted(snap.rows("roadmap"), key=lambda r: r["slug"])
        events: dict[calendar.EventKey, Any] = {}
        if options.ics:
            from roadmap.exchange import calendar

            for r in roadmaps:
                events.update(calendar.roadmap_events(self.document(r), now, snap.instance))
        index = ServiceIndex(snap)
        if self.only is not None:
            roadmaps = [r for r in roadmaps if r["slug"] == self.only]
            # The services its référentiel lists, known without building its document:
            # the helper process starts on their files while this one builds it.
            dossiers = self.dossiers_by_roadmap.get(roadmaps[0]["id"], [])
            codes = snap.column("service", "code")
            mentioned = {codes[i] for i in referentiel_services(snap, roadmaps[0], dossiers)}
            services = [s for s in snap.rows("service") if s["code"] in mentioned]
        else:
            concerned = index.concerned()
            services = [
                s for s in snap.rows("service") if not s["archived"] or s["id"] in concerned
            ]
            if snap.targets is not None:  # only the target services' rows were read
                known = set(self.previous.files) if self.previous else set()
                ids = {s["id"] for s in services}
                services = [
                    s
                    for s in snap.rows("service")
                    if (s["id"] in ids and s["code"] in snap.targets.services)
                    or (
                        s["code"] not in snap.targets.services
                        and f"services/{s['code']}.toml" in known
                    )
                ]
        services.sort(key=lambda s: s["code"])
        for row in roadmaps:
            _check_name(row["slug"])
        for row in services:
            _check_name(row["code"])  # before any file is written, in either process
        self.expected = self._names(roadmaps, services)
        self.roadmaps, self.services = self._to_build(index, roadmaps, services)
        self.index, self.events, self.now = index, events, now
        per_file = 2 if options.ics else 1
        self.total = (len(self.roadmaps) + len(self.services)) * per_file
        self.jobs: list[forked.Job] = [partial(self._write_roadmap, r, now) for r in self.roadmaps]
        self.jobs += [
            partial(service_files.write_services, snap, index, [s], self.out_dir, options, events)
            for s in self.services
        ]

    def start_helper(self) -> None:
        """Fork the helper process now, if the files are worth sharing (Linux): what
        _build does, done early by head_start."""
        if self.shared is not None or not forked.available():
            return
        costs = self._costs(self.roadmaps, self.services, self.index)
        if len(self.jobs) > 1 and sum(costs) >= PARALLEL_COST:
            self.shared = forked.start(self.jobs, costs)

    def finish(self) -> ExportResult:
        """Build the planned files (with the helper, if any), then commit the set."""
        try:
            self._build()
        except BaseException:
            if self.shared is not None:
                self.shared.cancel()  # if it was never joined
            discard([(tmp, path) for path, tmp, _, _ in self.staged if tmp is not None])
            raise
        self._commit(self.expected)
        return self.result

    def _names(self, roadmaps: list[Row], services: list[Row]) -> set[str]:
        suffixes = (".toml", ".ics") if self.options.ics else (".toml",)
        names = {f"{r['slug']}{s}" for r in roadmaps for s in suffixes}
        names |= {f"services/{s['code']}{x}" for s in services for x in suffixes}
        return names

    def _to_build(
        self, index: ServiceIndex, roadmaps: list[Row], services: list[Row]
    ) -> tuple[list[Row], list[Row]]:
        """Every file, or only those the journal says may have changed (plan.py)."""
        if self.previous is None or self.dirty is None:
            return roadmaps, services
        known = set(self.previous.files)
        wanted = self.snap.targets or plan.targets(
            self.snap, index, self.dirty, self.out_dir, sorted(known)
        )
        return (
            [r for r in roadmaps
             if r["slug"] in wanted.roadmaps or f"{r['slug']}.toml" not in known],
            [s for s in services
             if s["code"] in wanted.services or f"services/{s['code']}.toml" not in known],
        )  # fmt: skip

    def _record(self, item: tuple[Path, Path | None, int, str]) -> None:
        self.staged.append(item)
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total, str(item[0].relative_to(self.out_dir)))

    def _build(self) -> None:
        snap, out_dir = self.snap, self.out_dir
        roadmaps, services, jobs = self.roadmaps, self.services, self.jobs
        if self.shared is not None:  # forked by head_start
            self.shared.join(self._record)
            jobs = []
        elif forked.available():
            costs = self._costs(roadmaps, services, self.index)
            if len(jobs) > 1 and sum(costs) >= PARALLEL_COST:
                forked.share(jobs, costs, self._record)
                jobs = []
        elif (
            sum(len(rows) for rows in snap.tables.values()) >= PARALLEL_ROWS
            and len(jobs) >= PARALLEL_FILES
        ):
            self._spawned(jobs[: len(roadmaps)], services, self.index, self.events)
            jobs = []
        mine = self._emitter()
        for job in jobs:  # in this process alone
            job(mine)
        # Listed in the order of one process, whichever process wrote each file.
        suffixes = (".toml", ".ics")
        rank = {out_dir / f"{r['slug']}{x}": k for k, r in enumerate(roadmaps) for x in suffixes}
        rank |= {
            out_dir / "services" / f"{s['code']}{x}": len(roadmaps) + k
            for k, s in enumerate(services)
            for x in suffixes
        }
        self.staged.sort(key=lambda item: (rank[item[0]], item[0].suffix == ".ics"))

    def _emitter(self) -> Emit:
        mine: Done = []
        stage = staged_emit(mine)

        def emit(path: Path, data: bytes) -> None:
            stage(path, data)
            self._record(mine.pop())

        return emit

    def _spawned(
        self,
        roadmap_jobs: list[forked.Job],
        services: list[Row],
        index: ServiceIndex,
        events: dict[calendar.EventKey, Any],
    ) -> None:
        """Where fork is unavailable: the service files in a helper started with "spawn"
        (service_files.helper), the roadmap files here, then the chunks not yet started."""
        snap, options, out_dir = self.snap, self.options, self.out_dir
        emit = self._emitter()
        with helper(snap, services, out_dir, options, events) as aid:
            for job in roadmap_jobs:
                job(emit)
                for chunk in aid.finished():
                    for item in chunk:
                        self._record(item)
            write_services(snap, index, aid.take_back(), out_dir, options, events, emit)
            for chunk in aid.finished(wait=True):
                for item in chunk:
                    self._record(item)

    def _write_roadmap(self, r: Row, now: datetime | None, emit: Emit) -> None:
        snap, options, out_dir = self.snap, self.options, self.out_dir
        path = out_dir / f"{r['slug']}.toml"
        doc = self.document(r)
        body = render_body(doc)
        unchanged = not options.stamp and same_as_before(path, doc, body.digest)
        emit(path, path.read_bytes() if unchanged else render(doc, body=body))
        if options.ics:
            from roadmap.exchange import calendar

            own = calendar.roadmap_events(doc, now, snap.instance)
            ics = calendar.calendar_bytes(r["title"], list(own.values()))
            emit(out_dir / f"{r['slug']}.ics", ics)
        if self.only is None:
            del self.documents[r["slug"]]  # written: let its memory go

    def _costs(self, roadmaps: list[Row], services: list[Row], index: ServiceIndex) -> list[int]:
        """Each file's estimated cost, from the records it holds (for sharing the work)."""
        held: dict[int, int] = {}
        for table in ("action", "jalon"):
            for row in self.snap.rows(table):
                held[row["roadmap_id"]] = held.get(row["roadmap_id"], 0) + 1
        costs = [
            ROADMAP_RECORD * (held.get(r["id"], 0) + len(self.dossiers_by_roadmap.get(r["id"], [])))
            for r in roadmaps
        ]
        return costs + [
            sum(
                len(items.get(s["id"], ()))
                for items in (index.actions, index.jalons, index.dossiers)
            )
            for s in services
        ]

    def _commit(self, expected: set[str]) -> None:
        """Rename the staged files into place, remove the obsolete ones, manifest last."""
        out_dir, previous, result = self.out_dir, self.previous, self.result
        entries: dict[str, mf.FileEntry] = {}
        if previous is not None:  # files not rebuilt keep their entry (checked untouched)
            entries = {n: e for n, e in previous.files.items() if n in expected}
        renames = []
        for path, tmp, size, digest in self.staged:
            entries[str(path.relative_to(out_dir))] = mf.FileEntry(size, digest)
            (result.unchanged if tmp is None else result.written).append(path)
            if tmp is not None:
                renames.append((tmp, path))
        rebuilt = {p for p, _, _, _ in self.staged}
        result.unchanged += [out_dir / n for n in entries if out_dir / n not in rebuilt]
        obsolete = self._obsolete(expected)
        old = mf.read(out_dir)
        if renames or obsolete or old is None or old.files != entries:
            mf.withdraw(out_dir)
        commit(renames, out_dir)
        for path in obsolete:
            path.unlink(missing_ok=True)
            result.removed.append(path)
        manifest = mf.Manifest(
            position=dict(self.snap.position),
            perimeter=self.only or mf.ALL,
            options=mf.options_key(self.options),
            files=entries,
        )
        if old is None or mf.render(old) != mf.render(manifest):
            mf.write(out_dir, manifest)

    def _obsolete(self, expected: set[str]) -> list[Path]:
        """Files of the previous complete set that this export no longer produces.

        Only after an export of everything, and only files of the kinds it writes: a
        roadmap archived or a service no longer concerned leaves no stale file behind.
        """
        if self.only is not None:
            return []
        old = mf.read(self.out_dir)
        if old is None or old.perimeter != mf.ALL:
            return []
        suffixes = (".toml", ".ics") if self.options.ics else (".toml",)
        return [
            self.out_dir / name
            for name in sorted(old.files)
            if name not in expected and name.endswith(suffixes) and ".." not in name
        ]
