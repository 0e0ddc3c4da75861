"""An incremental export reads only the rows of the files it rebuilds (issue 15).

On a mixed base (the demo with its dossiers, relevé and baselines, plus a second roadmap
whose services and people are shared), each kind of edit is followed by an incremental
export, which must read a scope (not the whole base) and give the same bytes as a full
rebuild of the same set, journal heads included.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from roadmap import models as m
from roadmap.exchange import scoped_read
from roadmap.exchange.export import export
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.actions import set_action_status
from roadmap.usecases.demo import DEMO_SLUG
from roadmap.usecases.dossiers import set_financement
from roadmap.usecases.identity import Actor, actor_for
from roadmap.usecases.jalons import set_jalon_status
from roadmap.usecases.roadmaps import create_axe, set_roadmap_status
from tests.exchange.helpers import read_tree
from tests.exchange.seed import seed_roadmap
from tests.exchange.test_demo_example import DEMO_TODAY
from tests.roles import make_admin

SECOND = "pat-test"


async def _action(actor: Actor, slug: str) -> None:
    a = await m.Action.filter(roadmap__slug=slug).order_by("id").first()
    assert a is not None
    status = "bloquee" if a.status != "bloquee" else "en_cours"
    await set_action_status(actor, slug, a.ref, a.version, status)


async def _jalon(actor: Actor) -> None:
    j = await m.Jalon.filter(roadmap__slug=DEMO_SLUG).order_by("-id").first()
    assert j is not None
    status = "annule" if j.status != "annule" else "prevu"
    await set_jalon_status(actor, DEMO_SLUG, j.ref, j.version, status)


async def _financement(actor: Actor) -> None:
    line = (
        await m.FinancementLine.filter(dossier__state="en_instruction")
        .order_by("id")
        .prefetch_related("dossier", "financeur")
        .first()
    )
    if line is None:
        pytest.skip("la démo n'a plus de dossier en instruction")
    await set_financement(actor, line.dossier.ref, line.financeur.code, "1234.00", line.version)


async def _axe(actor: Actor) -> None:
    await create_axe(actor, SECOND, "Nouvel axe")  # a roadmap-wide change


async def _archive(actor: Actor) -> None:
    # Its items leave every service file that held them (only active roadmaps count there).
    r = await m.Roadmap.get(slug=SECOND)
    await set_roadmap_status(await actor_for("direction"), SECOND, r.version, "archivee")


EDITS: list[tuple[str, Callable[[Actor], Awaitable[None]]]] = [
    ("action de la démo", lambda actor: _action(actor, DEMO_SLUG)),
    ("action de l'autre feuille", lambda actor: _action(actor, SECOND)),
    ("jalon", _jalon),
    ("financement d'un dossier", _financement),
    ("axe créé", _axe),
    ("feuille archivée", _archive),
]


async def test_incremental_export_reads_a_scope_and_gives_the_full_bytes(
    db: DatabaseLocation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_roadmap(SECOND)
    # Its campaign year apart from the demo's (one territory per year without asking).
    await m.Campagne.all().update(year=2031)
    # Someone of the direction, who may archive it (test set-up, through the models).
    boss = await m.Person.create(
        login="direction", name="La direction", service=await m.Service.get(code="dsu")
    )
    await m.Membership.create(
        roadmap=await m.Roadmap.get(slug=SECOND), person=boss, role="direction", side="autre"
    )
    actor = await make_admin("cmartin")
    from roadmap.usecases.demo import build_demo

    await build_demo(actor, today=DEMO_TODAY)
    scopes: list[Any] = []
    read_changed = scoped_read.read_changed

    async def spy(*args: Any) -> Any:
        found = await read_changed(*args)
        scopes.append(found)
        return found

    monkeypatch.setattr(scoped_read, "read_changed", spy)
    compared: list[str] = []
    read_items = scoped_read.read_items

    async def both(reader: Any, whole: Any, roadmap_id: Any, dirty: Any) -> Any:
        """The items alone give the files the whole roadmaps named would give."""
        from roadmap.exchange import plan
        from roadmap.exchange.service_doc import ServiceIndex
        from roadmap.exchange.snapshot import Snapshot

        light = await read_items(reader, whole, roadmap_id, dirty)
        named = {roadmap_id[s] for s in dirty.roadmaps if s in roadmap_id}
        full = await scoped_read.read_scope(reader, whole, named, set(), dirty.dossiers)
        files = sorted(str(f.relative_to(out)) for f in out.rglob("*.toml"))
        found = [
            plan.targets(snap, ServiceIndex(snap), dirty, out, files)
            for snap in (Snapshot(light), Snapshot(full))
        ]
        assert found[0] == found[1]
        compared.append(str(found[0]))
        return light

    monkeypatch.setattr(scoped_read, "read_items", both)
    out, full = tmp_path / "exports", tmp_path / "full"
    await export(out)
    for label, edit in EDITS:
        scopes.clear()
        shutil.rmtree(full, ignore_errors=True)
        shutil.copytree(out, full)  # the same set, to redo in full (same list of changes)
        await edit(actor)
        result = await export(out)
        assert scopes and scopes[0] is not None, f"{label} : toute la base a été relue"
        _, targets = scopes[0]
        assert result.written, label
        assert len(targets.services) < len(list((out / "services").glob("*.toml"))), label
        await export(full, rebuild=True)
        assert read_tree(out, journal=True) == read_tree(full, journal=True), label
    assert len(compared) == 4  # the four single-item edits
