"""Start-up in a real pseudo-terminal: the home screen with its roadmaps vs a bare Textual app.

    .venv/bin/python bench/bench_startup.py [--runs 7]

Each program is spawned on a new pty (120×40, TERM=xterm-256color); the clock stops when
the expected text shows in what it wrote (escape sequences removed), then the program is
killed. Prints medians beside their floors measured in the same run (issue 15):
- ``roadmap`` to the home screen listing the demo roadmap vs a bare Textual app painting one
  Static (target ≤ 2×);
- ``roadmap --version`` and ``--help`` vs ``python -c pass`` (target ≤ 0.05 s).
Everything lives in a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
ROADMAP = VENV_BIN / "roadmap"
ROWS, COLS = 40, 120
ANSI = re.compile(  # CSI, OSC, DCS… sequences, and two-byte escapes
    rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)"
)
BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("BARE-APP-READY")

Bare().run()
"""


def in_pty(
    argv: list[str],
    marker: bytes,
    env: dict[str, str],
    limit: float = 60.0,
    keys: list[tuple[bytes, bytes]] = (),  # type: ignore[assignment]
) -> float:
    """Seconds from spawn until ``marker`` is on screen (the program is then killed).

    ``keys``: (text to wait for, keys to type then) before waiting for ``marker``.
    """
    steps = list(keys)
    seen_upto = 0  # where the text after the last typed keys starts
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    try:
        while True:
            left = limit - (time.perf_counter() - start)
            if left <= 0:
                raise TimeoutError(f"{argv[0]}: « {marker.decode()} » jamais affiché")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the program ended
                tail = ANSI.sub(b"", seen)[-500:]
                raise RuntimeError(f"{argv[0]} s'est arrêté : {tail!r}") from None
            seen += chunk
            text = ANSI.sub(b"", seen)
            if steps:
                if steps[0][0] in text[seen_upto:]:
                    os.write(master, steps.pop(0)[1])
                    seen_upto = len(text)
                continue
            if marker in text[seen_upto:]:
                return time.perf_counter() - start
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        os.close(master)


def run_plain(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def median_of(runs: int, measure: object) -> float:
    return statistics.median(measure() for _ in range(runs))  # type: ignore[operator]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-startup-") as tmp:
        folder = Path(tmp)
        db = folder / "demo.db"
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": str(COLS),
            "LINES": str(ROWS),
            "ROADMAP_USER": "cmartin",  # a member of the demo roadmap
            "ROADMAP_DB": str(db),
            "XDG_CONFIG_HOME": str(folder / "config"),
            "XDG_DATA_HOME": str(folder / "data"),
        }
        env.pop("TEXTUAL", None)
        subprocess.run(
            [str(ROADMAP), "demo", "--force"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        bare = folder / "bare.py"
        bare.write_text(BARE_APP)
        python = str(VENV_BIN / "python")
        # One run of each first: the OS caches the files, as for a user's second start.
        in_pty([python, str(bare)], b"BARE-APP-READY", env)
        in_pty([str(ROADMAP)], b"PAT \xc3\x97 politique", env)
        figures: dict[str, list[float]] = {"bare": [], "home": []}
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            figures["bare"].append(in_pty([python, str(bare)], b"BARE-APP-READY", env))
            figures["home"].append(in_pty([str(ROADMAP)], b"PAT \xc3\x97 politique", env))
        bare_s, home_s = (statistics.median(figures[k]) for k in ("bare", "home"))
        floor = median_of(args.runs, lambda: run_plain([python, "-c", "pass"], env))
        version = median_of(args.runs, lambda: run_plain([str(ROADMAP), "--version"], env))
        helps = median_of(args.runs, lambda: run_plain([str(ROADMAP), "--help"], env))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Démarrage dans un pseudo-terminal {COLS}×{ROWS} (médiane de {args.runs}) :")
    ratio = home_s / bare_s
    print(f"  accueil avec ses feuilles de route {home_s:6.3f} s   "
          f"app Textual nue : {bare_s:6.3f} s   rapport {ratio:4.2f}× (cible ≤ 2×) "
          f"{'OK' if ratio <= 2 else 'AU-DELÀ'}")  # fmt: skip
    for label, value in (("roadmap --version", version), ("roadmap --help", helps)):
        verdict = "OK" if value <= 0.05 else "AU-DELÀ"
        print(f"  {label:<34} {value:6.3f} s   python -c pass : {floor:6.3f} s   "
              f"(cible ≤ 0,05 s) {verdict}")  # fmt: skip
    print(f"  charge moyenne : {load} sur {os.cpu_count()} cœurs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
