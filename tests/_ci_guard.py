"""Loaded by scripts/test (``-p tests._ci_guard``): under CI=true, a skipped PostgreSQL
or browser (Chromium) test is a failure, whatever the reason of the skip (conftest
already fails when no server answers; this also catches a ``pytest.skip`` inside a test
or fixture)."""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None]:
    outcome = yield
    report = outcome.get_result()
    guarded = item.get_closest_marker("postgres") or item.get_closest_marker("browser")
    if IN_CI and report.skipped and guarded is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true : un test {guarded.name} ne doit pas être sauté ({reason})"
