"""A demo database with web passwords, prepared once per test session and copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.web.helpers import prepare_demo


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-template") / "roadmap.db"
    prepare_demo(path)
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "roadmap.db"
    shutil.copyfile(demo_template, target)
    return str(target)
