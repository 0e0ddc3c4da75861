"""An administrator removes the demo for good: its roadmap and the reference data it
invented go; real roadmaps and the services they use stay; every deletion journaled."""

from __future__ import annotations

from datetime import date

import pytest

from roadmap.domain.errors import NotFound, PermissionDenied
from roadmap.models import (
    Action,
    JournalEntry,
    Membership,
    Person,
    Qpv,
    Roadmap,
    Service,
    Territoire,
)
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import actions as act
from roadmap.usecases import first_start as fs
from roadmap.usecases.demo import DEMO_SLUG, PEOPLE, SERVICES, build_demo
from roadmap.usecases.demo_remove import preview_demo_removal, remove_demo
from roadmap.usecases.identity import actor_for
from tests.conftest import journal_actor
from tests.firstrun.test_first_start import START
from tests.roles import make_admin


async def _demo_then_real() -> str:
    admin = await make_admin("mdupont")
    await build_demo(admin, today=date(2026, 3, 2))
    started = await fs.first_start(await actor_for("mdupont"), START)
    # The real roadmap chose the demo's CAF for an action: a real use, kept on removal.
    await act.create_action(
        await actor_for("mdupont"),
        started.slug,
        act.ActionInput(
            title="Bilan santé CAF", pilot_service=started.services[0], contributors=["caf"]
        ),
    )
    return started.slug


async def test_removing_the_demo_keeps_the_real_roadmap(db: DatabaseLocation) -> None:
    slug = await _demo_then_real()
    before = await Action.filter(roadmap__slug=slug).count()
    preview = await preview_demo_removal()
    assert any("dossier" in line for line in preview.lines())
    assert not any("(s)" in line for line in preview.lines())
    with pytest.raises(PermissionDenied, match="administrateurs"):
        await remove_demo(await actor_for("cmartin"))  # the demo's trinôme is no admin
    assert await Roadmap.exists(slug=DEMO_SLUG)

    result = await remove_demo(await actor_for("mdupont"))
    assert not await Roadmap.exists(slug=DEMO_SLUG)
    assert await Roadmap.exists(slug=slug)
    assert await Action.filter(roadmap__slug=slug).count() == before
    assert "service caf" in result.kept and await Service.exists(code="caf")
    demo_codes = {code for code, *_ in SERVICES} - {"caf"}
    assert not await Service.filter(code__in=demo_codes).exists()
    assert not await Person.filter(login__in=[login for login, *_ in PEOPLE]).exists()
    assert not await Qpv.exists(code="QN01301M")
    assert not await Territoire.exists(code="amp")
    me = await Person.get(login="mdupont")  # the runner's real fiche stays, with their seat
    assert me.name == "Aïcha Benhamou"
    assert await Membership.exists(person_id=me.id, roadmap__slug=slug)
    who = await journal_actor("mdupont")
    assert await JournalEntry.filter(
        entity="service", entity_ref="dapat", operation="suppression", actor=who
    ).exists()
    with pytest.raises(NotFound, match="rien à retirer"):
        await remove_demo(await actor_for("mdupont"))


async def test_removing_the_demo_alone_leaves_an_empty_base(db: DatabaseLocation) -> None:
    admin = await make_admin("mdupont")
    await build_demo(admin, today=date(2026, 3, 2))
    await remove_demo(admin)
    assert await Roadmap.all().count() == 0
    assert await Service.all().count() == 0
    assert await Person.all().count() == 0  # the persona « Mathilde Roux » went with it
    assert await fs.needs_first_start(await actor_for("mdupont"))
