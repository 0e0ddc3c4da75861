"""A service file's journal head: the latest row about its roadmaps or any item it holds."""

from __future__ import annotations

import random
from typing import Any

from roadmap.exchange.journal_heads import JournalHeads, _later, _text


def _reference(heads: JournalHeads, sources: list[str], held: dict[str, Any]) -> str | None:
    """for_service as first written: _later over every head, in order."""
    latest = None
    for slug in sources:
        latest = _later(latest, heads.whole.get(slug))
    for kind, items in held.items():
        for item in items:
            slug = "" if kind == "dossiers" else str(item.get("feuille_de_route", ""))
            latest = _later(latest, heads.items.get((kind, slug, str(item["ref"]))))
    return _text(latest)


def test_for_service_takes_the_latest_head_first_on_a_tie() -> None:
    rnd = random.Random(3)
    for _ in range(300):
        slugs = ["a", "b"]
        heads = JournalHeads(
            whole={s: (rnd.randrange(5), f"w{s}") for s in slugs if rnd.random() < 0.5},
            items={
                (kind, "" if kind == "dossiers" else rnd.choice(slugs), f"R{n}"): (
                    rnd.randrange(5),  # ties: the first met wins, as _later keeps it
                    f"{kind}{n}",
                )
                for kind in ("actions", "jalons", "dossiers")
                for n in range(4)
                if rnd.random() < 0.6
            },
        )
        held = {
            kind: [
                {"feuille_de_route": rnd.choice(slugs), "ref": f"R{rnd.randrange(5)}"}
                for _ in range(rnd.randrange(4))
            ]
            for kind in ("actions", "jalons", "dossiers")
        }
        sources = [s for s in slugs if rnd.random() < 0.7]
        assert heads.for_service(sources, held) == _reference(heads, sources, held)
    assert JournalHeads().for_service(["a"], {"actions": [{"ref": "A1"}]}) is None
