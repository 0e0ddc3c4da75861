"""Large exports share their files with a helper process: same bytes as one process.

On Linux the helper is forked and takes roadmap and service files from a shared list;
elsewhere it is started with "spawn" and takes chunks of service files (both tested here).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from roadmap.exchange import export as export_module
from roadmap.exchange import forked, service_files
from roadmap.exchange.export import export
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.service_files import Emit
from roadmap.storage.location import DatabaseLocation
from tests.exchange.helpers import read_tree
from tests.exchange.test_demo_example import DEMO_TODAY
from tests.roles import make_admin


@pytest.mark.parametrize("fork", [True, False], ids=["fork", "spawn"])
async def test_helper_process_gives_the_same_files(
    sqlite_db: DatabaseLocation,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    recwarn: pytest.WarningsRecorder,
    fork: bool,
) -> None:
    from roadmap.usecases.demo import build_demo

    await build_demo(await make_admin("cmartin"), today=DEMO_TODAY)
    options = ExportOptions(ics=True)
    alone = await export(tmp_path / "alone", options=options)
    # Every export goes parallel, in chunks of 2 services, so the helper's chunks, the
    # chunks taken back and the progress from both processes are all exercised.
    monkeypatch.setattr(export_module, "PARALLEL_COST", 0)  # fork
    monkeypatch.setattr(export_module, "PARALLEL_ROWS", 0)  # spawn
    monkeypatch.setattr(export_module, "PARALLEL_FILES", 0)
    monkeypatch.setattr(service_files, "CHUNK", 2)
    if not fork or not forked.available():
        monkeypatch.setattr(forked, "available", lambda: False)
    pids = tmp_path / "pids"
    share = forked.share

    def slow_share(jobs: list[forked.Job], costs: list[int], record: forked.Record) -> None:
        def slowed(job: forked.Job) -> forked.Job:
            def run(emit: Emit) -> None:
                time.sleep(0.05)  # long enough for the helper to take its share
                with pids.open("a") as handle:
                    handle.write(f"{os.getpid()}\n")
                job(emit)

            return run

        share([slowed(job) for job in jobs], costs, record)

    monkeypatch.setattr(forked, "share", slow_share)
    seen: list[tuple[int, int]] = []
    both = await export(
        tmp_path / "both", options=options, progress=lambda d, t, _: seen.append((d, t))
    )
    assert read_tree(tmp_path / "both") == read_tree(tmp_path / "alone")
    assert both.files == [
        tmp_path / "both" / p.relative_to(tmp_path / "alone") for p in alone.files
    ]
    total = len(alone.files)
    assert seen == [(n, total) for n in range(1, total + 1)]
    assert both.written == [tmp_path / "both" / p.relative_to(tmp_path / "alone")
                            for p in alone.written]  # listed in the same order  # fmt: skip
    # Python 3.12+ warns about forking a process with threads (this one has the database's
    # and the export's): the export says why its helper is safe, and no warning shows.
    assert not [w for w in recwarn if "fork" in str(w.message)]
    workers = set(pids.read_text().split()) if pids.exists() else set()
    assert len(workers) == (2 if fork and forked.available() else 0)
    again = await export(tmp_path / "both", options=options)
    assert again.written == [] and len(again.unchanged) == total


@pytest.mark.skipif(not forked.available(), reason="fork: Linux")
@pytest.mark.parametrize("where", ["helper", "parent"])
async def test_a_file_failing_in_either_process_fails_the_export_cleanly(
    sqlite_db: DatabaseLocation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    from roadmap.usecases.demo import build_demo

    await build_demo(await make_admin("cmartin"), today=DEMO_TODAY)
    out = tmp_path / "exports"
    await export(out)
    before = read_tree(out, manifest=True)
    monkeypatch.setattr(export_module, "PARALLEL_COST", 0)
    test_process = os.getpid()
    write = service_files.write_services

    def failing(*args: Any) -> None:
        if (os.getpid() == test_process) == (where == "parent"):
            raise OSError(28, "No space left on device")
        time.sleep(0.05)  # the other process goes on meanwhile
        write(*args)

    monkeypatch.setattr(service_files, "write_services", failing)
    helpers: list[int] = []
    fork = forked._fork
    monkeypatch.setattr(forked, "_fork", lambda: helpers.append(fork()) or helpers[-1])
    with pytest.raises(OSError, match="No space left"):
        await export(out, rebuild=True)
    assert read_tree(out, manifest=True) == before  # the set as it was
    assert not [p for p in out.rglob(".*") if p.name.endswith(".tmp")]
    assert helpers
    with pytest.raises(ChildProcessError):
        os.waitpid(helpers[0], os.WNOHANG)  # noqa: ASYNC222 (the helper is gone, waited for)
