"""``roadmap serve``: login → home screen painted, memory per session, 20 sessions at once.

Each figure is printed beside its floor measured in the same run: textual-serve serving a
bare Textual app (one Static), which is the least any served Textual app costs here.

    .venv/bin/python bench/bench_serve.py [--sessions 20] [--runs 5]

Targets (issue 16): login → home painted < 1.5 s, < 120 MB per session, 20 sessions served.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.web.helpers import (
    PASSWORDS,
    app_processes,
    free_port,
    prepare_demo,
    running_server,
)
from tests.web.session_client import WebSession

BARE_APP = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("Connecté : plancher")

    Bare().run()
    """
)


def rss_mb(pids: list[int]) -> list[float]:
    sizes = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
    return sizes


def pss_mb(pids: list[int]) -> list[float]:
    """Proportional set size: shared library pages split between the processes using them."""
    sizes = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
    return sizes


async def time_login_to_home(url: str, login: str, password: str, marker: str) -> float:
    session = WebSession(url)
    try:
        start = time.perf_counter()
        if login:
            await session.login(login, password)
        await session.open_app()
        if not await session.wait_for(marker, seconds=60):
            raise RuntimeError(f"écran d'accueil non reçu : {session.screen[-300:]!r}")
        return time.perf_counter() - start
    finally:
        await session.close()


async def bare_floor(runs: int, folder: Path) -> tuple[float, float]:
    """textual-serve serving the bare app: time to its text, and its process RSS."""
    from textual_serve.server import Server

    script = folder / "bare.py"
    script.write_text(BARE_APP)
    port = free_port()
    code = textwrap.dedent(
        f"""
        from textual_serve.server import Server
        Server({f"{sys.executable} {script}"!r}, host="127.0.0.1", port={port}).serve()
        """
    )
    del Server
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                await time_login_to_home(url, "", "", "plancher")
                break
            except Exception:
                await asyncio.sleep(0.2)
        times = [await time_login_to_home(url, "", "", "plancher") for _ in range(runs)]
        session = WebSession(url)
        await session.open_app()
        await session.wait_for("plancher")
        memory = max(rss_mb(_descendants(server.pid)) or [0.0])
        await session.close()
        return statistics.median(times), memory
    finally:
        server.terminate()
        await server.wait()


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, ValueError, IndexError):
                pass
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found


async def many_sessions(url: str, db: str, count: int) -> tuple[int, list[float], list[float]]:
    sessions = [WebSession(url) for _ in range(count)]
    logins = list(PASSWORDS.items())
    try:
        for index, session in enumerate(sessions):
            login, password = logins[index % len(logins)]
            await session.login(login, password)
        await asyncio.gather(*(s.open_app() for s in sessions))
        shown = await asyncio.gather(*(s.wait_for("Connecté :", seconds=120) for s in sessions))
        pids = app_processes(db)
        return sum(shown), rss_mb(pids), pss_mb(pids)
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-serve-") as tmp:
        folder = Path(tmp)
        db = folder / "roadmap.db"
        prepare_demo(db)
        floor_time, floor_rss = await bare_floor(args.runs, folder)
        with running_server(str(db), "--max-sessions", str(args.sessions + 2)) as url:
            login, password = next(iter(PASSWORDS.items()))
            times = [
                await time_login_to_home(url, login, password, "Connecté :")
                for _ in range(args.runs)
            ]
            served, rss, pss = await many_sessions(url, str(db), args.sessions)
    print(
        f"login → accueil affiché (médiane de {args.runs}) : {statistics.median(times):.2f} s"
        f"   plancher textual-serve + app nue : {floor_time:.2f} s"
        f"   (× {statistics.median(times) / floor_time:.1f}) ; cible < 1,5 s"
    )
    print(
        f"mémoire par session (RSS, médiane) : {statistics.median(rss):.0f} Mo"
        f"   plancher app nue : {floor_rss:.0f} Mo ; cible < 120 Mo"
    )
    print(f"mémoire par session (PSS, part des pages partagées) : {statistics.median(pss):.0f} Mo")
    print(f"sessions simultanées servies : {served}/{args.sessions} ; cible {args.sessions}")


if __name__ == "__main__":
    asyncio.run(main())
