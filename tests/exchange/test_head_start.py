"""``roadmap export`` begins before the ORM loads (export.head_start, issue 15).

On a SQLite base with nothing to build on in the folder, the command reads the rows with
the standard library and forks its helper before opening the base: same files, same
bytes, and any failure still leaves no file and no temporary behind.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from roadmap.cli import main
from roadmap.exchange import export as export_module
from roadmap.exchange import forked, service_files
from roadmap.exchange import manifest as mf
from roadmap.exchange.export import head_start
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.snapshot import read_plain_snapshot
from roadmap.migrations import APP_LABEL as MIGRATIONS_APP
from roadmap.migrations import shipped
from roadmap.storage.config import APP_LABEL
from tests.exchange.helpers import read_tree
from tests.exchange.test_demo_example import DEMO_TODAY


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    assert main(["--db", str(db), "demo"]) == 0
    return db


@pytest.fixture
def expected_files(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo exported by the command begun with the ORM (no head start), into
    attendu, attendu-ics and attendu-une under the returned folder."""
    with monkeypatch.context() as patch:
        patch.setattr(export_module, "head_start", lambda *a, **k: None)
        assert _cli(demo_file, "--out", str(tmp_path / "attendu")) == 0
        assert _cli(demo_file, "--out", str(tmp_path / "attendu-ics"), "--ics") == 0
        une = ("--roadmap", "pat-salon-martigues")
        assert _cli(demo_file, "--out", str(tmp_path / "attendu-une"), *une) == 0
    return tmp_path


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[export_module.HeadStart]:
    """Each head start the command makes; every export large enough to fork."""
    monkeypatch.setattr(export_module, "PARALLEL_COST", 0)
    starts: list[export_module.HeadStart] = []
    real = export_module.head_start

    def spying(*args: object, **kwargs: object) -> export_module.HeadStart | None:
        head = real(*args, **kwargs)  # type: ignore[arg-type]
        if head is not None:
            starts.append(head)
        return head

    monkeypatch.setattr(export_module, "head_start", spying)
    return starts


def _cli(db: Path, *argv: str) -> int:
    return main(["--db", str(db), "export", *argv])


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ((), "attendu"),
        (("--ics",), "attendu-ics"),
        (("--roadmap", "pat-salon-martigues"), "attendu-une"),
    ],
    ids=["tout", "ics", "une"],
)
def test_same_files_as_the_export_begun_with_the_orm(
    demo_file: Path,
    expected_files: Path,
    tmp_path: Path,
    started: list[export_module.HeadStart],
    argv: tuple[str, ...],
    expected: str,
) -> None:
    out = tmp_path / "sortie"
    assert _cli(demo_file, "--out", str(out), *argv) == 0
    assert len(started) == 1 and started[0].job.shared is not None  # forked before the ORM
    assert read_tree(out) == read_tree(expected_files / expected)
    # A set to build on now: nothing begins early, nothing is rewritten.
    assert _cli(demo_file, "--out", str(out), *argv) == 0
    assert len(started) == 1
    # --complet: everything rebuilt from the rows, again from a head start.
    assert _cli(demo_file, "--out", str(out), "--complet", *argv) == 0
    assert len(started) == 2
    assert read_tree(out) == read_tree(expected_files / expected)


def test_no_head_start_where_it_does_not_apply(demo_file: Path, tmp_path: Path) -> None:
    assert _cli(demo_file, "--out", str(tmp_path / "attendu")) == 0
    options = ExportOptions()
    assert (
        head_start(demo_file, tmp_path / "a", options=ExportOptions(margins_on=DEMO_TODAY)) is None
    )
    assert head_start(demo_file, tmp_path / "b", roadmap="absente", options=options) is None
    missing = tmp_path / "absente.db"
    assert head_start(missing, tmp_path / "c", options=options) is None
    assert not missing.exists()  # never created by a look
    assert head_start(tmp_path / "attendu" / "manifeste.toml", tmp_path / "d") is None
    # A set it could build on: the normal export decides (nothing changed, a few files).
    assert head_start(demo_file, tmp_path / "attendu", options=options) is None
    assert not list((tmp_path / "attendu").glob(".*.tmp"))


def test_a_migration_not_applied_leaves_the_read_to_the_command(
    demo_file: Path,
) -> None:
    assert MIGRATIONS_APP == APP_LABEL
    assert read_plain_snapshot(demo_file, shipped()) is not None
    assert read_plain_snapshot(demo_file, {*shipped(), "9999_plus_tard"}) is None
    with sqlite3.connect(demo_file) as con:
        con.execute("DROP TABLE tortoise_migrations")
    assert read_plain_snapshot(demo_file, shipped()) is None


def test_given_up_before_the_base_opens(demo_file: Path, tmp_path: Path) -> None:
    """The base cannot be opened after the helper started: it is stopped, its staged
    files removed, the folder unlocked and left as it was."""
    out = tmp_path / "sortie"
    head = head_start(demo_file, out, options=ExportOptions())
    assert head is not None
    head.close()
    head.close()  # twice is harmless (the command's finally, then atexit)
    assert list(out.rglob("*")) in ([], [out / "services"])
    with mf.export_lock(out):  # free again
        pass


def test_a_failing_file_leaves_nothing(
    demo_file: Path,
    tmp_path: Path,
    started: list[export_module.HeadStart],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write = service_files.write_services

    def failing(*args: object) -> None:
        if args[2][0]["code"] == "dcs":  # type: ignore[index]
            raise OSError(28, "No space left on device")
        write(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(service_files, "write_services", failing)
    out = tmp_path / "sortie"
    assert _cli(demo_file, "--out", str(out)) == 4
    assert "écriture impossible" in capsys.readouterr().err
    assert len(started) == 1 and started[0].job.shared is not None
    assert [p for p in out.rglob("*") if p.is_file()] == []
    assert forked.available()


def test_interrupted_once_the_helper_runs(
    demo_file: Path,
    tmp_path: Path,
    started: list[export_module.HeadStart],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ctrl-C right after the fork: the helper is stopped, nothing is left, and the
    command says « interrompu » with code 130 (no traceback)."""
    start = export_module._Job.start_helper

    def interrupted(job: export_module._Job) -> None:
        start(job)
        assert job.shared is not None
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module._Job, "start_helper", interrupted)
    out = tmp_path / "sortie"
    assert _cli(demo_file, "--out", str(out)) == 130
    assert capsys.readouterr().err == "roadmap : interrompu\n"
    assert started == [] and [p for p in out.rglob("*") if p.is_file()] == []
    with mf.export_lock(out):
        pass
