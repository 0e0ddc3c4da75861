"""Issue 10: ROADMAP_USER never borrows someone else's rights on a shared SQLite file.

Rule: honoured only when the OS user owns the database file (and its WAL) and no other
account can write it; a new file is created 0600, so it qualifies.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from roadmap.cli import main
from roadmap.domain.errors import PermissionDenied
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.identity import current_login, os_login


def test_a_new_database_file_is_private_to_its_creator(tmp_path: Path) -> None:
    db = tmp_path / "neuve.db"
    assert main(["--db", str(db), "whoami"]) == 0
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


async def test_roadmap_user_is_honoured_on_a_file_only_its_owner_can_write(
    sqlite_db: DatabaseLocation,
) -> None:
    assert await current_login() == "testeur"


async def test_roadmap_user_is_refused_on_a_group_writable_file(
    sqlite_db: DatabaseLocation, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sqlite_db.path is not None
    sqlite_db.path.chmod(0o664)
    with pytest.raises(PermissionDenied) as refused:
        await current_login()
    message = str(refused.value)
    assert "ROADMAP_USER=testeur refusé" in message
    assert "modifiable par d'autres comptes (-rw-rw-r--)" in message
    assert os_login() in message
    monkeypatch.setenv("ROADMAP_USER", os_login())  # naming oneself borrows nothing
    assert await current_login() == os_login()
    monkeypatch.delenv("ROADMAP_USER")
    assert await current_login() == os_login()


@pytest.mark.skipif(os.geteuid() != 0, reason="donner un fichier à un autre compte demande root")
async def test_roadmap_user_is_refused_on_someone_elses_file(sqlite_db: DatabaseLocation) -> None:
    assert sqlite_db.path is not None
    os.chown(sqlite_db.path, 54321, -1)
    with pytest.raises(PermissionDenied, match="appartient à un autre compte"):
        await current_login()


def test_the_cli_refuses_with_exit_3_and_a_french_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "partagee.db"
    assert main(["--db", str(db), "whoami"]) == 0
    db.chmod(0o660)
    capsys.readouterr()
    assert main(["--db", str(db), "whoami"]) == 3
    err = capsys.readouterr().err
    assert "refusé : ROADMAP_USER=testeur refusé" in err and "chmod go-w" in err
    assert "Traceback" not in err
