"""The demo's export, committed in exports/demo/, is a living example of the format.

The test rebuilds the demo at a fixed date with a frozen use-case clock, exports it and
compares every byte with the committed files. To refresh the example after a deliberate
change: ``ROADMAP_UPDATE_EXAMPLE=1 .venv/bin/pytest tests/exchange/test_demo_example.py``.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import date
from pathlib import Path

from roadmap.exchange.export import export
from roadmap.exchange.importer import import_file
from roadmap.exchange.metadata import ExportOptions
from roadmap.storage.location import DatabaseLocation
from tests.exchange.helpers import read_tree, without_journal
from tests.roles import make_admin

EXAMPLE = Path(__file__).resolve().parents[2] / "exports" / "demo"
DEMO_TODAY = date(2026, 3, 2)
SLUG = "pat-salon-martigues"


async def build_example(out: Path) -> None:
    """The demo is byte-stable by itself: build_demo stamps everything at ``today`` 09:00."""
    from roadmap.usecases.demo import build_demo

    await build_demo(await make_admin("cmartin"), today=DEMO_TODAY)
    await export(out, options=ExportOptions(ics=True))


_INSTANCE = re.compile(rb"@[0-9a-z]+\.feuille-de-route")
_ICS_ENTRY = re.compile(rb'(chemin = "[^"]+\.ics"\noctets = \d+\nempreinte = )"[^"]+"')


def _same_instance(files: dict[str, bytes]) -> dict[str, bytes]:
    """Calendar UIDs carry the base's instance id (drawn once per base, migration 0010): two
    bases holding the same demo differ by it alone, and so do the .ics fingerprints."""
    out = {}
    for name, raw in files.items():
        if name.endswith(".ics"):
            unfolded = raw.replace(b"\r\n ", b"")  # RFC 5545 folds lines at 75 octets
            raw = _INSTANCE.sub(b"@INSTANCE.feuille-de-route", unfolded)
        elif name == "manifeste.toml":
            raw = _ICS_ENTRY.sub(rb'\1"sha256:ics"', raw)
        out[name] = raw
    return out


async def test_committed_example_matches_the_code(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    await build_example(tmp_path / "demo")
    fresh = _same_instance(read_tree(tmp_path / "demo", manifest=True, journal=True))
    if os.environ.get("ROADMAP_UPDATE_EXAMPLE") == "1":
        shutil.rmtree(EXAMPLE, ignore_errors=True)
        shutil.copytree(tmp_path / "demo", EXAMPLE)
    committed = (
        _same_instance(read_tree(EXAMPLE, manifest=True, journal=True)) if EXAMPLE.exists() else {}
    )
    drifted = sorted(n for n in set(fresh) | set(committed) if fresh.get(n) != committed.get(n))
    assert not drifted, (
        f"exports/demo/ ne correspond plus au code ({', '.join(drifted[:5])}…) ; "
        "régénérez : ROADMAP_UPDATE_EXAMPLE=1 .venv/bin/pytest tests/exchange/test_demo_example.py"
    )


async def test_demo_round_trip_on_each_backend(db: DatabaseLocation, tmp_path: Path) -> None:
    source = EXAMPLE / f"{SLUG}.toml"
    await import_file(await make_admin("testeur"), source)
    await export(tmp_path, options=ExportOptions(ics=True))
    # Same content; the journal head is this database's own history (the import).
    exported = (tmp_path / f"{SLUG}.toml").read_bytes()
    assert without_journal(exported) == without_journal(source.read_bytes())
    assert re.search(rb'^journal = "sha256:[0-9a-f]{64}"$', exported, re.MULTILINE)
    name = f"{SLUG}.ics"
    ics = {n: (folder / name).read_bytes() for n, folder in (("a", tmp_path), ("b", EXAMPLE))}
    assert _same_instance({name: ics["a"]}) == _same_instance({name: ics["b"]})
