"""Atomic writes: an interrupted write leaves the old file intact and no temp file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from roadmap.exchange import atomic, manifest
from roadmap.exchange.export import export
from roadmap.storage.location import DatabaseLocation
from tests.exchange.seed import seed_roadmap


def test_interrupted_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f.toml"
    atomic.write_atomic(target, b"ancien")

    def crash(fd: int) -> None:
        raise KeyboardInterrupt  # the user hits Ctrl-C after the data went to the temp file

    monkeypatch.setattr(atomic.os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomic(target, b"nouveau contenu " * 1000)
    assert target.read_bytes() == b"ancien"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.toml"]


def test_failed_rename_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f.toml"
    atomic.write_atomic(target, b"ancien")
    monkeypatch.setattr(
        atomic.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "plein"))
    )
    with pytest.raises(OSError):
        atomic.write_atomic(target, b"nouveau")
    assert target.read_bytes() == b"ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["f.toml"]


async def test_export_interrupted_midway(
    sqlite_db: DatabaseLocation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_roadmap()
    out = tmp_path / "exports"
    await export(out)
    before = {p: p.read_bytes() for p in out.rglob("*.toml") if p.name != manifest.NAME}
    from roadmap import models as m

    await m.Service.filter(code__in=["caf", "dsu", "pat"]).update(name="Renommé")
    real_replace = os.replace
    calls = {"n": 0}

    def replace_then_die(src: str, dst: str) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace_then_die)
    with pytest.raises(KeyboardInterrupt):
        await export(out, rebuild=True)  # the update above bypassed the journal
    leftovers = [p.name for p in out.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
    for path, data in before.items():  # every file is whole: old or new, never cut
        now = path.read_bytes()
        assert now == data or b"Renomm" in now
    assert sum(p.read_bytes() != d for p, d in before.items()) == 1
    # A mixed set, and it says so: no manifest until an export completes the set.
    assert not (out / manifest.NAME).exists()
    assert manifest.verify(out)
    monkeypatch.undo()
    await export(out)
    assert manifest.verify(out) == []
    assert all(b"Renomm" in p.read_bytes() for p in before if "services" not in p.parts)
