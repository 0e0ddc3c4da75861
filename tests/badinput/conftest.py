"""A demo database built once per session (seconds); each test gets its own copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from roadmap.storage.location import DatabaseLocation
from tests.instruction.conftest import World, build_world

DATA = Path(__file__).parent / "data"
ROADMAP = [sys.executable, "-m", "roadmap"]


def cli_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ROADMAP_USER="testeur", XDG_DATA_HOME=str(tmp / "xdg"), **extra)
    env.pop("ROADMAP_DB", None)
    return env


def roadmap(
    tmp: Path, *argv: str, env: dict[str, str] | None = None, **options: object
) -> subprocess.CompletedProcess[str]:
    """Run the real command in a process, as a script or a service would."""
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*ROADMAP, *argv], text=True, env=env or cli_env(tmp), timeout=120, **options
    )


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.db"
    done = roadmap(folder, "--db", str(path), "demo")
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def demo_db(demo_master: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo.db"
    for suffix in ("", "-wal"):
        source = demo_master.with_name(demo_master.name + suffix)
        if source.exists():
            shutil.copyfile(source, copy.with_name(copy.name + suffix))
    return copy


@pytest.fixture
async def world(db: DatabaseLocation) -> World:
    """The instruction tests' small world, on SQLite and PostgreSQL."""
    return await build_world()
