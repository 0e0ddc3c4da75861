"""Write ``services/<code>.toml`` (and ``.ics``); the export's helper process where fork is
unavailable; what both kinds of helper share (staging, dying with the export).

On Linux the export forks its helper (forked.py). Elsewhere the service files go to one
helper started with "spawn" while this process writes the roadmap files: it gets the
snapshot's rows once (pickled at start) and then takes chunks of service codes; each chunk
returns the files it staged (hidden temporary files, renamed by the caller once the whole
set is ready), so the caller reports progress as chunks finish, and takes back the chunks
not yet started when it runs out of work of its own. Both sides run the same function:
same bytes. Either helper dies with the export's process (die_with): a killed export
leaves no process behind.

"spawn" re-imports the caller's main module: a script that exports a large database needs
the usual ``if __name__ == "__main__":`` guard (the ``roadmap`` command and the bench have
it).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadmap.exchange.atomic import stage_if_changed
from roadmap.exchange.changes import CHANGES_KEY, diff, read_previous
from roadmap.exchange.journal_heads import JournalHeads
from roadmap.exchange.manifest import digest_of
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.render import render, render_body, same_as_before
from roadmap.exchange.service_doc import ServiceIndex, build_service_document
from roadmap.exchange.snapshot import Row, Snapshot

if TYPE_CHECKING:  # icalendar loads only when an export writes calendars
    from concurrent.futures import Future, ProcessPoolExecutor

    from roadmap.exchange import calendar

Emit = Callable[[Path, bytes], None]
# (file, staged temporary or None when unchanged, size, sha256) in the order handled
Staged = tuple[Path, Path | None, int, str]
Done = list[Staged]
CHUNK = 25  # service files per task: small enough to rebalance, big enough to be cheap


def write_services(
    snap: Snapshot,
    index: ServiceIndex,
    services: list[Row],
    out_dir: Path,
    options: ExportOptions,
    events: dict[calendar.EventKey, Any],
    emit: Emit,
) -> None:
    now = options.generated_at if options.stamp else None
    for s in services:
        path = out_dir / "services" / f"{s['code']}.toml"
        document = build_service_document(snap, index, s, options)
        emit(path, _with_changes(path, document, options))
        if options.ics:
            from roadmap.exchange import calendar

            service_events = calendar.service_events(document, events, now, snap.instance)
            emit(
                out_dir / "services" / f"{s['code']}.ics",
                calendar.calendar_bytes(f"{s['name']} — feuilles de route", service_events),
            )


def _with_changes(path: Path, document: dict[str, Any], options: ExportOptions) -> bytes:
    """The new bytes; the previous file's bytes when its content has not changed.

    Keeping the previous file (and its list of changes) when nothing moved makes a second
    export of the same data byte-identical, and the changes stay visible until the next one.
    """
    body = render_body(document)
    if same_as_before(path, document, body.digest):
        if not options.stamp:
            return path.read_bytes()
        previous = read_previous(path) or {}
        kept = {CHANGES_KEY: previous[CHANGES_KEY]} if CHANGES_KEY in previous else None
        return render(document, kept, body=body)
    previous = read_previous(path)
    if previous is None:
        return render(document, body=body)
    changes = diff(previous, document)
    extra = {CHANGES_KEY: {"elements": changes}} if changes else None
    return render(document, extra, body=body)


# --- the helper process -------------------------------------------------------------

_state: dict[str, Any] = {}  # the helper's snapshot, index, options, events, parent pid


def die_with(parent: int) -> None:
    """End this helper when the export's process ends, even killed (RISKS 25, issue 14).

    On Linux the kernel sends SIGKILL at the parent's death (PR_SET_PDEATHSIG: when the
    thread that started the helper ends, which outlives the helper: it waits for it);
    elsewhere, and as a second guard, each file first checks that the parent is still ours.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    orphan_check(parent)  # the parent may have died before prctl


def orphan_check(parent: int) -> None:
    if os.getppid() != parent:
        os._exit(1)  # re-parented: the export is gone, write nothing more


def staged_emit(done: Done) -> Emit:
    """An ``emit`` that stages each file (see atomic.stage) and notes it in ``done``."""

    def emit(path: Path, data: bytes) -> None:
        done.append((path, stage_if_changed(path, data), len(data), digest_of(data)))

    return emit


def _start(
    tables: dict[str, list[Row]],
    heads: JournalHeads,
    options: ExportOptions,
    events: Any,
    parent: int,
) -> None:
    die_with(parent)
    _state["parent"] = parent
    snap = Snapshot(tables, journal=heads)
    _state.update(snap=snap, index=ServiceIndex(snap), options=options, events=events)
    # The rows live until the helper exits: keep the collector from traversing them again
    # and again while the documents are built (measured: 5 to 10 % of the helper's time).
    gc.freeze()


def _chunk(services: list[Row], out_dir: Path) -> Done:
    done: Done = []
    emit = staged_emit(done)

    def checked(path: Path, data: bytes) -> None:
        orphan_check(_state["parent"])
        emit(path, data)

    snap, index = _state["snap"], _state["index"]
    write_services(snap, index, services, out_dir, _state["options"], _state["events"], checked)
    return done


class Helper:
    """Chunks of service files handed to one helper process."""

    def __init__(self, pool: ProcessPoolExecutor, services: list[Row], out_dir: Path) -> None:
        self.pending: list[tuple[list[Row], Future[Done]]] = [
            (chunk, pool.submit(_chunk, chunk, out_dir))
            for chunk in (services[i : i + CHUNK] for i in range(0, len(services), CHUNK))
        ]

    def finished(self, wait: bool = False) -> Iterator[Done]:
        """The results of the chunks done so far (all of them when ``wait``), in order."""
        while self.pending and (wait or self.pending[0][1].done()):
            yield self.pending.pop(0)[1].result()

    def take_back(self) -> list[Row]:
        """Services of the last chunks the helper has not started, for this process to do."""
        mine: list[Row] = []
        while self.pending and self.pending[-1][1].cancel():
            mine[:0] = self.pending.pop()[0]
        return mine


def _service_tables(snap: Snapshot) -> dict[str, list[Row]]:
    # Every table: a subset chosen by hand went stale as service files grew (the territory,
    # the relevé), and a large export then crashed or wrote other bytes than one process.
    return dict(snap.tables)


@contextmanager
def helper(
    snap: Snapshot,
    services: list[Row],
    out_dir: Path,
    options: ExportOptions,
    events: dict[calendar.EventKey, Any],
) -> Iterator[Helper]:
    # "spawn": used where fork is not (forked.py says how the forked helper stays safe).
    # Imported here: an export that forks has no use for them (10 ms, issue 15).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(_service_tables(snap), snap.journal, options, events, os.getpid()),
    )
    try:
        yield Helper(pool, services, out_dir)
    finally:
        # Normally every chunk is done by now; after an error, drop the ones not started.
        pool.shutdown(wait=True, cancel_futures=True)
