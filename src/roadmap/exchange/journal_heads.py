"""The journal head each exported file carries (``generation.journal``).

The journal is one hash chain across all roadmaps, so the hash of any row vouches for the
whole history before it. A roadmap file carries the hash of the latest row of its roadmap.
A service file carries the latest row among those that concern what it holds: its items
(actions, jalons, dossiers, named by ref) and the roadmap-level changes of the roadmaps it
draws from. These are exactly the rows for which an incremental export rebuilds the file
(``plan.py`` uses ``ITEM_KINDS`` too), so an incremental and a full export agree byte for
byte, and an action change does not rewrite every service file of its roadmap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Journal entities that name one item of the exported files by its ref.
ITEM_KINDS = {
    "action": "actions",
    "jalon": "jalons",
    "dossier": "dossiers",
    "avis": "dossiers",
    "financement": "dossiers",
    "decision": "dossiers",
    "décision": "dossiers",
}

# The latest row of every (roadmap, entity, ref) that concerns a roadmap.
HEADS_SQL = (
    "SELECT j.roadmap_slug, j.entity, j.entity_ref, j.id, j.hash FROM journal j JOIN "
    "(SELECT max(id) AS id FROM journal WHERE roadmap_slug <> '' "
    "GROUP BY roadmap_slug, entity, entity_ref) last ON j.id = last.id"
)

Head = tuple[int, str]  # (row id, hash)


def _later(a: Head | None, b: Head | None) -> Head | None:
    if a is None:
        return b
    return a if b is None or a[0] >= b[0] else b


@dataclass
class JournalHeads:
    roadmaps: dict[str, Head] = field(default_factory=dict)  # any row of the roadmap
    whole: dict[str, Head] = field(default_factory=dict)  # roadmap-level rows only
    items: dict[tuple[str, str, str], Head] = field(default_factory=dict)  # (kind, slug, ref)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[Any, ...]]) -> JournalHeads:
        heads = cls()
        for slug, entity, ref, row_id, digest in rows:
            head: Head = (int(row_id), str(digest))
            slug, ref = str(slug), str(ref or "")
            heads.roadmaps[slug] = _later(heads.roadmaps.get(slug), head)  # type: ignore[assignment]
            kind = ITEM_KINDS.get(str(entity))
            if kind is None or not ref:
                heads.whole[slug] = _later(heads.whole.get(slug), head)  # type: ignore[assignment]
                continue
            key = (kind, "" if kind == "dossiers" else slug, ref)  # dossier refs are global
            heads.items[key] = _later(heads.items.get(key), head)  # type: ignore[assignment]
        return heads

    def for_roadmap(self, slug: str) -> str | None:
        return _text(self.roadmaps.get(slug))

    def for_service(
        self, sources: Iterable[str], held: dict[str, list[dict[str, Any]]]
    ) -> str | None:
        """``held``: the file's "actions", "jalons" and "dossiers" items."""
        latest: Head | None = None
        for slug in sources:
            latest = _later(latest, self.whole.get(slug))
        find = self.items.get
        for kind, items in held.items() if self.items else ():
            dossiers = kind == "dossiers"
            for item in items:
                slug = "" if dossiers else str(item.get("feuille_de_route", ""))
                found = find((kind, slug, str(item["ref"])))
                if found is not None and (latest is None or found[0] > latest[0]):
                    latest = found  # as _later: the later row, the first one on a tie
        return _text(latest)


def _text(head: Head | None) -> str | None:
    return f"sha256:{head[1]}" if head else None
