"""A real ``roadmap serve`` in a subprocess, on a free local port, and what tests read back."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ANSI = re.compile(
    r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>]"
)
PASSWORDS = {
    "jrey": "jardins-partages-13",
    "sgarcia": "caf-martigues-2026",
    "molivier": "prefecture-13-ok",
}


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ROADMAP_USER", "ROADMAP_DB_ROLE")}
    env.update(extra)
    return env


def roadmap(
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "roadmap", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env or clean_env(),
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(db: str, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``roadmap --db DB serve`` and yield its URL; stop it (and its group) after."""
    port = free_port()
    env = dict(env or clean_env())
    # The sessions' settings (theme, « Premiers pas » seen) stay out of the real user's.
    config = tempfile.mkdtemp(prefix="roadmap-serve-config-")
    env.setdefault("XDG_CONFIG_HOME", config)
    process = subprocess.Popen(
        [sys.executable, "-m", "roadmap", "--db", db, "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"roadmap serve s'est arrêté : {process.stderr.read()}")
            try:
                urllib.request.urlopen(f"{url}/connexion", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("roadmap serve ne répond pas") from None
                time.sleep(0.2)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        process.stdout.close()
        process.stderr.close()
        shutil.rmtree(config, ignore_errors=True)


def app_processes(db: str) -> list[int]:
    """Pids of application processes started for sessions on this database."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [w.decode(errors="replace") for w in cmdline if w]
        if "-m" in words and "roadmap" in words and db in words and "serve" not in words:
            pids.append(int(entry.name))
    return pids


def wait_until(predicate, timeout: float = 20.0, step: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def journal_rows(db: str, entity: str | None = None) -> list[tuple[str, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        query = (
            "SELECT actor, entity, entity_ref, operation, field, old_value, new_value, reason "
            "FROM journal"
        )
        rows = conn.execute(
            query + (" WHERE entity = ?" if entity else "") + " ORDER BY id",
            (entity,) if entity else (),
        ).fetchall()
    return [tuple(str(v) for v in row) for row in rows]


def prepare_demo(db: Path) -> None:
    """A demo database (its creator, the test's OS user, is its administrator) with passwords."""
    result = roadmap("--db", str(db), "demo")
    assert result.returncode == 0, result.stderr
    for login, password in PASSWORDS.items():
        result = roadmap(
            "--db", str(db), "acces", "mot-de-passe", login, "--stdin", stdin=password + "\n"
        )
        assert result.returncode == 0, result.stderr
