"""An export folder holds one complete set, says so in its manifest, and is kept up cheaply.

Issue 14: the manifest is written last and lists every file with its fingerprint; a killed
export (process group included) leaves no process behind, and the next export removes its
temporary files and repairs the set. Issue 15: with nothing new in the journal an export
rewrites nothing; after one edit, only the files holding the edited item are rewritten,
with the same bytes as a full rebuild.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from roadmap import models as m
from roadmap.exchange import manifest
from roadmap.exchange.export import export
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.actions import set_action_status
from roadmap.usecases.identity import actor_for
from tests.exchange.helpers import read_tree
from tests.exchange.seed import seed_roadmap

SLUG = "pat-test"


def stats(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every file: a rewrite changes both (atomic rename)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def holders(folder: Path, ref: str) -> set[str]:
    """Service files whose actions include ``ref`` of the test roadmap."""
    found = set()
    for path in (folder / "services").glob("*.toml"):
        actions = tomllib.loads(path.read_text())["service"].get("actions", [])
        if any(a["feuille_de_route"] == SLUG and a["ref"] == ref for a in actions):
            found.add(str(path.relative_to(folder)))
    return found


async def edit_status(ref: str, status: str) -> None:
    action = await m.Action.get(ref=ref, roadmap__slug=SLUG)
    await set_action_status(await actor_for("cmartin"), SLUG, ref, action.version, status)


async def test_manifest_lists_every_file_and_is_written_last(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    tmp_path = tmp_path / "exports"  # apart from the database file
    await export(tmp_path)
    data = tomllib.loads((tmp_path / manifest.NAME).read_text())
    assert data["generation"]["type"] == "manifeste"
    assert data["generation"]["perimetre"] == "tout"
    assert data["journal"]["nombre"] == await m.JournalEntry.all().count()
    files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    listed = {f["chemin"]: f for f in data["fichiers"]}
    assert set(listed) == {str(p.relative_to(tmp_path)) for p in files} - {manifest.NAME}
    for path, content in files.items():
        if path.name == manifest.NAME:
            continue
        entry = listed[str(path.relative_to(tmp_path))]
        assert entry["octets"] == len(content)
        assert entry["empreinte"] == "sha256:" + hashlib.sha256(content).hexdigest()
        assert path.stat().st_mtime_ns <= (tmp_path / manifest.NAME).stat().st_mtime_ns
    assert manifest.verify(tmp_path) == []
    (tmp_path / f"{SLUG}.toml").write_bytes(b"# remplace\n")
    assert manifest.verify(tmp_path) == [f"{SLUG}.toml : contenu différent de celui du manifeste"]


async def test_nothing_changed_rewrites_no_file(db: DatabaseLocation, tmp_path: Path) -> None:
    await seed_roadmap()
    tmp_path = tmp_path / "exports"
    first = await export(tmp_path)
    before = stats(tmp_path)
    again = await export(tmp_path)
    assert again.written == [] and again.files == first.files
    assert stats(tmp_path) == before  # the manifest included


async def test_an_edit_rewrites_only_the_files_holding_it(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    out = tmp_path / "exports"
    await export(out)
    shutil.copytree(out, tmp_path / "full")
    expected = {f"{SLUG}.toml"} | holders(out, "A1")
    assert len(expected) >= 2  # the roadmap file and at least one service file
    before = stats(out)
    await edit_status("A1", "bloquee")
    result = await export(out)
    assert {str(p.relative_to(out)) for p in result.written} == expected
    after = stats(out)
    untouched = set(before) - expected - {manifest.NAME}
    assert {n: after[n] for n in untouched} == {n: before[n] for n in untouched}
    await export(tmp_path / "full", rebuild=True)  # the same set, redone in full
    # journal=True: the journal heads agree too (incremental and full, issue 10)
    assert read_tree(out, journal=True) == read_tree(tmp_path / "full", journal=True)
    assert manifest.verify(out) == []


async def test_stale_temporaries_are_removed_and_others_kept(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    tmp_path = tmp_path / "exports"
    await export(tmp_path)
    litter = [
        tmp_path / f".{SLUG}.toml.ab12cd_9.tmp",
        tmp_path / "services" / ".caf.toml.zz99yy00.tmp",
    ]
    kept = [tmp_path / ".gitkeep", tmp_path / "notes.tmp", tmp_path / "services" / ".caf.toml.tmp"]
    for path in litter + kept:
        path.write_bytes(b"partiel")
    result = await export(tmp_path)
    assert sorted(result.cleaned) == sorted(litter)
    assert not any(p.exists() for p in litter) and all(p.exists() for p in kept)


async def test_a_file_no_longer_produced_is_removed(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    tmp_path = tmp_path / "exports"
    await export(tmp_path)
    old = manifest.read(tmp_path)
    assert old is not None
    stale = tmp_path / "services" / "ancien.toml"
    stale.write_bytes(b"schema_version = 1\n")
    old.files["services/ancien.toml"] = manifest.FileEntry(19, manifest.digest_of(b""))
    manifest.write(tmp_path, old)  # as if a previous export had produced it
    await edit_status("A1", "bloquee")
    result = await export(tmp_path)
    assert result.removed == [stale] and not stale.exists()
    assert manifest.verify(tmp_path) == []


# --- a killed export ------------------------------------------------------------------

KILLED_EXPORT = """
import asyncio, sys, time
from pathlib import Path
from roadmap.exchange import export as E, service_files
from roadmap.storage.database import open_database
from roadmap.storage.location import parse_location

E.PARALLEL_COST = E.PARALLEL_ROWS = E.PARALLEL_FILES = 0  # a helper, whatever the size
service_files.CHUNK = 1
# Module level: the helper (forked, or started with "spawn" which imports this script too)
# is slow as well; left alone after the kill, it would go on writing for minutes.
_write = service_files.write_services

def slow_write(*args, **kwargs):
    time.sleep(30)
    return _write(*args, **kwargs)

service_files.write_services = slow_write

def progress(done, total, name):
    if done == 1:
        print("PRET", flush=True)
        time.sleep(600)  # killed here, the helper alive and the set half staged

async def main():
    await open_database(parse_location(sys.argv[1]))
    await E.export(Path(sys.argv[2]), progress=progress, rebuild=True)

if __name__ == "__main__":
    asyncio.run(main())
"""


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid``, from /proc (no psutil)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie runs nothing and writes nothing


def run_and_kill(script: Path, database: Path, out: Path, kill_group: bool) -> list[int]:
    """Start the export, kill it (-9) once its helper runs; the helpers' pids."""
    proc = subprocess.Popen(
        [sys.executable, str(script), str(database), str(out)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell job
    )
    helpers: list[int] = []
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "PRET"
        deadline = time.monotonic() + 60
        while not helpers and time.monotonic() < deadline:
            time.sleep(0.05)
            helpers = children_of(proc.pid)
    finally:
        if kill_group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait()
    deadline = time.monotonic() + 20  # well under the helper's 30 s per service
    while any(running(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    return helpers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl: Linux")
@pytest.mark.parametrize("kill_group", [False, True], ids=["parent-seul", "groupe"])
async def test_killed_export_leaves_no_process_and_next_one_repairs(
    sqlite_db: DatabaseLocation, tmp_path: Path, kill_group: bool
) -> None:
    await seed_roadmap()
    out = tmp_path / "exports"
    await export(out)
    await edit_status("A1", "bloquee")
    script = tmp_path / "killed_export.py"
    script.write_text(KILLED_EXPORT)
    assert sqlite_db.path is not None
    helpers = await asyncio.to_thread(run_and_kill, script, sqlite_db.path, out, kill_group)
    assert helpers, "the export started no helper process"
    assert not any(running(pid) for pid in helpers), "a helper outlived the killed export"

    result = await export(out)
    assert not [p for p in out.rglob(".*") if p.name.endswith(".tmp")]
    assert manifest.verify(out) == []
    assert all(b"bloquee" in (out / name).read_bytes() for name in holders(out, "A1"))
    assert result.files == sorted(
        p for p in out.rglob("*") if p.is_file() and p.name != manifest.NAME
    )


async def test_nothing_new_answers_without_loading_the_orm(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    """``roadmap export`` with nothing new: no Tortoise, no models, no file rewritten."""
    from tests.core.test_cli_imports import PROBE

    await seed_roadmap()
    out = tmp_path / "exports"
    first = await export(out)
    before = stats(out)
    argv = ["--db", str(sqlite_db.path), "export", "--out", str(out)]
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True
    )
    report = json.loads(done.stdout)
    assert f"{len(first.files)} inchangés" in report["out"]
    assert report["heavy"] == []
    assert stats(out) == before
    await edit_status("A1", "bloquee")  # now something is new: the normal path runs
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True
    )
    report = json.loads(done.stdout)
    assert "tortoise" in report["heavy"] and "écrit     " in report["out"]
