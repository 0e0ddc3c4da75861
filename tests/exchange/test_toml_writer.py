"""The export's TOML writer gives tomli-w's bytes, whole or as joined record fragments.

``exchange/toml_writer.py`` replaces ``tomli_w.dumps`` on the export path for speed (issue
15); the contract is the same bytes. Compared here on real export documents (demo, seeded
roadmap, a large synthetic one) and on awkward values chosen to hit every layout decision.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from roadmap.exchange import toml_writer
from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.roadmap_doc import build_roadmap_document
from roadmap.exchange.service_doc import ServiceIndex, build_service_document
from roadmap.exchange.snapshot import read_snapshot
from roadmap.storage.location import DatabaseLocation
from tests.exchange.generate import large_roadmap_document
from tests.exchange.test_demo_example import DEMO_TODAY


def reference(document: dict[str, Any]) -> str:
    return tomli_w.dumps(document, multiline_strings=False)


class Colour(StrEnum):
    ROUGE = "rouge"


class Level(IntEnum):
    HAUT = 3


AWKWARD_STRINGS = [
    "",
    "simple",
    'guillemets "doubles" et \\ barre',
    "tab\tici",
    "ligne\nsuivante\r\n",
    "nul\x00 bell\x07 esc\x1b del\x7f",
    "\b\f",
    "accents éàç — « chevrons » €",
    "emoji 🎉",
    "x" * 120,
]


def awkward_document() -> dict[str, Any]:
    short = [{"a": 1, "b": "court"}, {"a": 2, "b": "aussi"}]
    long_one = [{"a": 1, "b": "y" * 95}]
    mixed = [{"a": 1}, {"a": 2, "liste": [1, 2]}]
    return {
        "schema_version": 1,
        "chaines": AWKWARD_STRINGS,
        "clé accentuée": "valeur",
        "clé avec espace": True,
        "": "clé vide",
        "vrai": True,
        "faux": False,
        "zero": 0,
        "negatif": -12,
        "flottant": 1.5,
        "date": date(2026, 3, 2),
        "instant": datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        # The same instant in another zone, and naive: equal or alike, printed apart (the
        # writer remembers how dates and datetimes print).
        "instants": [
            datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
            datetime(2026, 3, 2, 10, 30, tzinfo=timezone(timedelta(hours=1))),
            datetime(2026, 3, 2, 9, 30),
            date(2026, 3, 2),
        ],
        "instant_paris": datetime(2026, 3, 2, 10, 30, tzinfo=timezone(timedelta(hours=1))),
        "enum_texte": Colour.ROUGE,
        "enum_nombre": Level.HAUT,
        "decimal": Decimal("12.50"),
        "tuple": (1, "deux"),
        "liste_vide": [],
        "table_vide": {},
        "imbrique": [[1, 2], [], ["a", ["b"]]],
        "tables_courtes": short,
        "tables_longues": long_one,
        "tables_melangees": mixed,
        "liste_mixte": [{"a": 1}, 2],
        "table_en_ligne_imbriquee": [{"t": {"u": 1}}],
        "section": {
            "k": "v",
            "sous": {"x": 1, "liste": [{"p": "q" * 200, "r": [1]}]},
            "vide": {},
        },
        "sections": [
            {"n": i, "texte": AWKWARD_STRINGS[i % 10], "dans": {"z": i}} for i in range(5)
        ],
    }


def test_awkward_values() -> None:
    document = awkward_document()
    assert toml_writer.dumps(document) == reference(document)


def test_random_documents() -> None:
    rnd = random.Random(15)
    atoms: list[Any] = [*AWKWARD_STRINGS, 0, 7, True, False, date(2026, 1, 1), 2.5]

    def value(depth: int) -> Any:
        roll = rnd.random()
        if depth > 3 or roll < 0.5:
            return rnd.choice(atoms)
        if roll < 0.7:
            return [value(depth + 1) for _ in range(rnd.randrange(4))]
        if roll < 0.85:
            return [table(depth + 1) for _ in range(rnd.randrange(1, 4))]
        return table(depth + 1)

    def table(depth: int) -> dict[str, Any]:
        return {rnd.choice(["a", "b c", "é", "k-1", "x_y"]) + str(i): value(depth) for i in
                range(rnd.randrange(1, 6))}  # fmt: skip

    for _ in range(300):
        document = table(0)
        assert toml_writer.dumps(document) == reference(document)


def test_large_synthetic_roadmap() -> None:
    document = large_roadmap_document()
    assert toml_writer.dumps(document) == reference(document)


def test_fragments_joined_give_the_full_dump() -> None:
    """Rendering each record once and joining (RISKS 26) gives the whole document's bytes."""
    document = large_roadmap_document(actions=50, jalons=10, dossiers=60)
    body = document["feuille_de_route"]
    head = {k: v for k, v in body.items() if k not in ("actions", "jalons", "dossiers")}
    parts = [toml_writer.fragment("feuille_de_route", head, in_aot=False)]
    for section in ("actions", "jalons", "dossiers"):
        name = f"feuille_de_route.{section}"
        parts += [toml_writer.fragment(name, record) for record in body[section]]
    # The full dump orders sub-tables after the plain values: rebuild in that order.
    ordered = {**head, **{s: body[s] for s in ("actions", "jalons", "dossiers")}}
    assert "\n".join(parts) == reference({"feuille_de_route": ordered})


@pytest.mark.parametrize("seeded", ["demo", "seed"])
async def test_export_documents(sqlite_db: DatabaseLocation, tmp_path: Path, seeded: str) -> None:
    from roadmap.usecases.demo import build_demo
    from roadmap.usecases.identity import actor_for
    from tests.exchange.seed import seed_roadmap

    if seeded == "demo":
        await build_demo(await actor_for("testeur"), today=DEMO_TODAY)
    else:
        await seed_roadmap()
    snap = await read_snapshot()
    options = ExportOptions(with_contacts=True, stamp=True)
    documents = [build_roadmap_document(snap, r, options) for r in snap.rows("roadmap")]
    index = ServiceIndex(snap)
    documents += [build_service_document(snap, index, s, options) for s in snap.rows("service")]
    assert documents
    for document in documents:
        assert toml_writer.dumps(document) == reference(document)
