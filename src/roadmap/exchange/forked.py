"""Share an export's files between this process and one forked helper (Linux, issue 15).

The export is CPU-bound (building documents, then rendering them) and the target machine
has two cores. Once the snapshot is read and the service index built, the process forks:
the helper inherits them copy-on-write (nothing pickled, nothing re-imported, the index
built once). Both processes then take the next file from one shared list, ordered by
estimated cost, biggest first, so both stay busy to the end and the last files taken are
the smallest. The helper stages its files (hidden temporary files, see atomic.stage) and
reports each one through a pipe; this process records them (progress, manifest) and
renames the whole set once everything is ready, as in one process. Same function on both
sides: same bytes.

What the helper may touch. The export runs in a thread (asyncio.to_thread) of a process
with other threads (the event loop, the database driver's thread): only the forking thread
goes on in the child, and any lock another thread held at that moment stays held there
forever. So the child only builds documents from the inherited rows, renders them, writes
its files and the pipe, then leaves with os._exit: no database (the inherited connection
is never used, and os._exit runs no finalizer that would close or talk on it; SQLite's
fcntl locks belong to the parent and are not inherited), no logging, no print (their locks
may be held), no event loop, no import (everything it runs is imported before the fork).
gc.freeze() before the fork keeps the collector of either process from walking, and so
copying, the pages they share; it also keeps the child from ever finalizing an object of
the parent's (a socket, a connection). The child dies with the export (service_files
.die_with, RISKS 25): the kernel kills it when the forking thread ends, and it checks its
parent before each file.
"""

from __future__ import annotations

import gc
import mmap
import os
import pickle
import select
import signal
import struct
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from roadmap.domain.errors import StorageError
from roadmap.exchange.atomic import discard
from roadmap.exchange.service_files import Done, Emit, Staged, die_with, orphan_check, staged_emit

Job = Callable[[Emit], None]  # writes one roadmap's or one service's file(s) through emit
Record = Callable[[Staged], None]  # a staged file, recorded in this process


def available() -> bool:
    # Elsewhere "spawn" (service_files.helper): macOS system libraries do not survive fork.
    return sys.platform.startswith("linux") and hasattr(os, "fork")


class _Queue:
    """The next job to take, shared by both processes: a counter in shared memory, taken
    under a lock that is one byte in a pipe (whoever reads it holds the lock). Plain
    os primitives: importing multiprocessing before the fork costs 10 ms (issue 15)."""

    def __init__(self, order: list[int]) -> None:
        self.order = order
        self.memory = mmap.mmap(-1, mmap.PAGESIZE)  # anonymous and shared: seen by both
        self.token, self.back = os.pipe()
        os.write(self.back, b"\0")

    def take(self) -> int | None:
        os.read(self.token, 1)  # the lock: waits while the other process holds it
        try:
            (taken,) = struct.unpack_from("q", self.memory)
            if taken >= len(self.order):
                return None
            struct.pack_into("q", self.memory, 0, taken + 1)
        finally:
            os.write(self.back, b"\0")
        return self.order[taken]

    def close(self) -> None:
        os.close(self.token)
        os.close(self.back)
        self.memory.close()


class _Pipe:
    """Messages from the helper to this process: each pickled, its length first."""

    def __init__(self) -> None:
        self.reader, self.writer = os.pipe()

    def send(self, message: object) -> None:
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        view = memoryview(_LENGTH.pack(len(data)) + data)
        while view:
            view = view[os.write(self.writer, view) :]

    def poll(self) -> bool:
        return bool(select.select([self.reader], [], [], 0)[0])

    def recv(self) -> Any:
        head = self._read(_LENGTH.size)
        if not head:
            raise EOFError  # the helper has closed its end: it has finished
        (size,) = _LENGTH.unpack(head)
        data = self._read(size)
        if len(data) < size:
            raise EOFError
        return pickle.loads(data)

    def _read(self, size: int) -> bytes:
        parts, left = [], size
        while left:
            part = os.read(self.reader, left)
            if not part:
                break
            parts.append(part)
            left -= len(part)
        return b"".join(parts)

    def close_reader(self) -> None:
        if self.reader >= 0:
            os.close(self.reader)
            self.reader = -1

    def close_writer(self) -> None:
        if self.writer >= 0:
            os.close(self.writer)
            self.writer = -1


_LENGTH = struct.Struct("!Q")


def _fork() -> int:
    # Python 3.12+ warns that forking a multi-threaded process may deadlock the child: the
    # child here touches nothing another thread may hold (module docstring).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*fork", DeprecationWarning)
        return os.fork()


def share(jobs: list[Job], costs: list[int], record: Record) -> None:
    """Run every job once, here or in the helper; ``record`` each staged file here."""
    start(jobs, costs).join(record)


class Shared:
    """The helper forked and taking jobs; this process joins in (``join``), or gives up
    (``cancel``: the helper killed, the files it staged removed)."""

    def __init__(self, jobs: list[Job], queue: _Queue, pipe: _Pipe, pid: int) -> None:
        self.jobs, self.queue, self.pipe, self.pid = jobs, queue, pipe, pid
        self.over = False

    def join(self, record: Record) -> None:
        """Take jobs beside the helper until none is left and it has finished."""
        self.over = True
        try:
            _work_beside(self.jobs, self.queue, self.pipe, record, self.pid)
        finally:
            self.pipe.close_reader()
            self.queue.close()
            gc.unfreeze()

    def cancel(self) -> None:
        if self.over:
            return
        self.over = True
        staged: list[Staged] = []
        try:
            os.kill(self.pid, signal.SIGKILL)
            while True:
                try:
                    kind, value = self.pipe.recv()
                except EOFError:
                    break
                except Exception:  # an exception the helper sent that cannot be rebuilt
                    continue
                if kind == "file":
                    staged.append(value)
        finally:
            os.waitpid(self.pid, 0)
            self.pipe.close_reader()
            self.queue.close()
            gc.unfreeze()
            discard([(tmp, path) for path, tmp, _, _ in staged if tmp is not None])


def start(jobs: list[Job], costs: list[int]) -> Shared:
    """Fork the helper, which starts on the jobs at once (biggest first)."""
    queue = _Queue(sorted(range(len(jobs)), key=lambda i: (-costs[i], i)))
    pipe = _Pipe()
    parent = os.getpid()
    gc.freeze()
    try:
        pid = _fork()
    except BaseException:
        pipe.close_reader()
        pipe.close_writer()
        queue.close()
        gc.unfreeze()
        raise
    if pid == 0:
        pipe.close_reader()
        _child(jobs, queue, pipe, parent)  # never returns
    pipe.close_writer()
    return Shared(jobs, queue, pipe, pid)


def _work_beside(jobs: list[Job], queue: _Queue, reader: _Pipe, record: Record, pid: int) -> None:
    failure: list[BaseException] = []

    def drain(block: bool) -> None:
        while block or reader.poll():
            try:
                kind, value = reader.recv()
            except EOFError:
                return
            except Exception as error:  # an exception the helper sent that cannot be rebuilt
                failure.append(StorageError(f"export interrompu : {error}"))
                return
            if kind == "file":
                record(value)
            else:
                failure.append(value)

    mine = _recorded(record)
    try:
        while not failure and (i := queue.take()) is not None:
            jobs[i](mine)
            drain(block=False)
        drain(block=True)  # until the helper closes its end: it has finished
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        drain(block=True)  # what it staged, to be discarded with the rest
        raise
    finally:
        _, status = os.waitpid(pid, 0)
    if failure:
        raise failure[0]
    if status != 0:
        code = os.waitstatus_to_exitcode(status)
        raise StorageError(f"export interrompu : le processus d'aide s'est arrêté ({code})")


def _recorded(record: Record) -> Emit:
    done: Done = []
    stage = staged_emit(done)

    def emit(path: Path, data: bytes) -> None:
        stage(path, data)
        record(done.pop())

    return emit


def _child(jobs: list[Job], queue: _Queue, writer: _Pipe, parent: int) -> None:
    code = 1
    try:
        die_with(parent)
        for sig in (signal.SIGINT, signal.SIGTERM):  # not the parent's handlers: they
            signal.signal(sig, signal.SIG_DFL)  # would talk to its event loop
        signal.set_wakeup_fd(-1)  # that loop's wake-up socket is shared with the parent
        done: Done = []
        stage = staged_emit(done)

        def emit(path: Path, data: bytes) -> None:
            orphan_check(parent)  # the export is gone: write nothing more
            stage(path, data)
            writer.send(("file", done.pop()))  # at once: discarded if the export fails

        while (i := queue.take()) is not None:
            jobs[i](emit)
        code = 0
    except BaseException as error:
        try:
            pickle.dumps(error)
        except Exception:
            error = StorageError(f"export interrompu : {error}")
        try:
            writer.send(("error", error))
        except BaseException:
            pass
    finally:
        os._exit(code)
