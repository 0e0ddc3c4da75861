"""Which files an export rebuilds: all of them, or those the journal says may have changed.

After a complete export (manifest present, same options, files untouched), the journal rows
since its position tell what changed. An action, a jalon or a dossier names its roadmap and
its ref: its roadmap file is rebuilt, and the service files that hold the item now (from the
snapshot) or held it before (found in the previous files' bytes). Any other change within a
roadmap rebuilds every file that mentions that roadmap; a change with no roadmap (services,
people, campaigns, QPV…) rebuilds everything. Rebuilding too much costs time, never bytes:
a rebuilt file whose bytes are the same is not rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from roadmap.exchange.journal_heads import ITEM_KINDS
from roadmap.exchange.service_doc import ServiceIndex
from roadmap.exchange.snapshot import JournalChange, Snapshot
from roadmap.exchange.toml_writer import string

_ITEMS = ITEM_KINDS  # the same rows move the journal heads (journal_heads.py)


@dataclass
class Dirty:
    roadmaps: set[str] = field(default_factory=set)  # every roadmap a change names
    whole: set[str] = field(default_factory=set)  # roadmaps changed beyond single items
    actions: set[tuple[str, str]] = field(default_factory=set)  # (slug, ref)
    jalons: set[tuple[str, str]] = field(default_factory=set)
    dossiers: set[str] = field(default_factory=set)  # refs


def dirty_from(changes: list[JournalChange]) -> Dirty | None:
    """What the journal rows touch; None when they may touch everything."""
    dirty = Dirty()
    for change in changes:
        if not change.roadmap:
            return None
        dirty.roadmaps.add(change.roadmap)
        kind = _ITEMS.get(change.entity)
        if kind is None or not change.ref:
            dirty.whole.add(change.roadmap)
        elif kind == "actions":
            dirty.actions.add((change.roadmap, change.ref))
        elif kind == "jalons":
            dirty.jalons.add((change.roadmap, change.ref))
        else:
            dirty.dossiers.add(change.ref)
    return dirty


@dataclass
class Targets:
    roadmaps: set[str]  # slugs whose file is rebuilt
    services: set[str]  # codes whose file is rebuilt


def _patterns(dirty: Dirty) -> tuple[list[bytes], list[bytes]]:
    """Byte patterns of the changed items (service files, roadmap files).

    Loose on purpose: a pattern found where the item is not only costs a rebuild.
    """
    services: list[bytes] = []
    for slug in dirty.whole:
        services.append(f"feuille_de_route = {string(slug)}".encode())
    for slug, ref in dirty.actions | dirty.jalons:
        services.append(f"feuille_de_route = {string(slug)}\nref = {string(ref)}\n".encode())
        services.append(f"feuille_de_route = {string(slug)}, ref = {string(ref)},".encode())
    roadmaps = [f"ref = {string(ref)}\n".encode() for ref in dirty.dossiers]
    services += roadmaps
    return services, roadmaps


def _holders(out_dir: Path, names: list[str], patterns: list[bytes]) -> set[str]:
    """Files among ``names`` (relative paths) whose bytes hold one of ``patterns``."""
    found = set()
    if not patterns:
        return found
    for name in names:
        try:
            data = (out_dir / name).read_bytes()
        except OSError:
            found.add(name)  # cannot tell: rebuild it
            continue
        if any(p in data for p in patterns):
            found.add(name)
    return found


def targets(
    snap: Snapshot, index: ServiceIndex, dirty: Dirty, out_dir: Path, previous: list[str]
) -> Targets:
    """The files to rebuild, from the new snapshot and the previous files (``previous``)."""
    slug_of = snap.column("roadmap", "slug")
    roadmap_ids = {slug: rid for rid, slug in slug_of.items() if slug in dirty.roadmaps}
    code_of = snap.column("service", "code")
    roadmaps = set(dirty.roadmaps)
    services: set[str] = set()
    # Holders now, from the snapshot.
    actions = {
        a["id"]
        for a in snap.rows("action")
        if a["roadmap_id"] in roadmap_ids.values()
        and (
            slug_of.get(a["roadmap_id"]) in dirty.whole
            or (slug_of.get(a["roadmap_id"]), a["ref"]) in dirty.actions
        )
    }
    jalons = {
        j["id"]
        for j in snap.rows("jalon")
        if j["roadmap_id"] in roadmap_ids.values()
        and (
            slug_of.get(j["roadmap_id"]) in dirty.whole
            or (slug_of.get(j["roadmap_id"]), j["ref"]) in dirty.jalons
        )
    }
    whole_ids = {roadmap_ids[s] for s in dirty.whole if s in roadmap_ids}
    dossiers = set()
    for d in snap.rows("dossier"):
        rid = index.dossier_roadmap.get(d["id"])
        if d["ref"] in dirty.dossiers or rid in whole_ids:
            dossiers.add(d["id"])
            if rid is not None and rid in slug_of:
                roadmaps.add(slug_of[rid])  # the roadmap it belongs to now
    for by_service, wanted in (
        (index.actions, actions),
        (index.jalons, jalons),
        (index.dossiers, dossiers),
    ):
        for sid, items in by_service.items():
            if sid in code_of and not wanted.isdisjoint(items):
                services.add(code_of[sid])
    # Holders before, from the previous files' bytes.
    service_patterns, roadmap_patterns = _patterns(dirty)
    service_files = [n for n in previous if n.startswith("services/") and n.endswith(".toml")]
    for name in _holders(out_dir, service_files, service_patterns):
        services.add(name.removeprefix("services/").removesuffix(".toml"))
    roadmap_files = [n for n in previous if "/" not in n and n.endswith(".toml")]
    for name in _holders(out_dir, roadmap_files, roadmap_patterns):
        roadmaps.add(name.removesuffix(".toml"))
    return Targets(roadmaps, services)
