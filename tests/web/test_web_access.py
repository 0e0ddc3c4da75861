"""Web access use cases, on both databases: who may set passwords, invitations, logins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roadmap.domain.errors import NotFound, PermissionDenied, ValidationError
from roadmap.models import Administrator, JournalEntry, Person, Service, WebAccess
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import web_access
from roadmap.usecases.identity import actor_for
from tests.conftest import journal_actor


async def _people() -> None:
    service = await Service.create(code="caf", name="CAF", kind="partenaire")
    for login in ("ladmin", "sgarcia", "jrey"):
        await Person.create(login=login, name=login.title(), service=service)
    await Administrator.create(login="ladmin", added_at=datetime.now(UTC))


async def _counts() -> tuple[int, int]:
    return await WebAccess.all().count(), await JournalEntry.all().count()


async def test_only_an_administrator_sets_passwords(db: DatabaseLocation) -> None:
    await _people()
    for login in ("sgarcia", "jrey", "inconnu"):
        before = await _counts()
        with pytest.raises(PermissionDenied, match="administrateurs"):
            await web_access.set_password(await actor_for(login), "sgarcia", "un-bon-mot-2026")
        with pytest.raises(PermissionDenied, match="administrateurs"):
            await web_access.invite(await actor_for(login), "sgarcia")
        assert await _counts() == before  # nothing written when refused
    admin = await actor_for("ladmin")
    await web_access.set_password(admin, "sgarcia", "un-bon-mot-2026")
    stored = await WebAccess.get(login="sgarcia")
    assert stored.password_hash.startswith("$argon2id$")
    assert "un-bon-mot-2026" not in stored.password_hash
    row = await JournalEntry.filter(entity="session web").order_by("-id").first()
    assert row is not None and (row.actor, row.entity_ref, row.operation) == (
        await journal_actor("ladmin"),
        "sgarcia",
        "mot de passe",
    )
    assert "un-bon-mot" not in f"{row.old_value}{row.new_value}{row.reason}"


async def test_password_rules_name_the_field(db: DatabaseLocation) -> None:
    await _people()
    admin = await actor_for("ladmin")
    for bad, expected in (
        ("court", "au moins 10"),
        ("sgarcia", "au moins 10"),
        ("SGARCIA   ", "identifiant"),
        ("bien\x00long-mot", "contrôle"),
    ):
        with pytest.raises(ValidationError, match=expected) as refused:
            await web_access.set_password(admin, "sgarcia", bad)
        assert refused.value.field == "mot de passe"
    with pytest.raises(NotFound, match="aucune personne"):
        await web_access.set_password(admin, "personne", "un-bon-mot-2026")
    assert await WebAccess.all().count() == 0


async def test_check_password(db: DatabaseLocation) -> None:
    await _people()
    await web_access.set_password(await actor_for("ladmin"), "jrey", "jardins-partages")
    assert await web_access.check_password("jrey", "jardins-partages")
    assert not await web_access.check_password("jrey", "jardins-partageS")
    assert not await web_access.check_password("sgarcia", "jardins-partages")  # no password
    assert not await web_access.check_password("personne", "jardins-partages")
    await Person.filter(login="jrey").update(active=False)
    assert not await web_access.check_password("jrey", "jardins-partages")


async def test_invitation_is_used_once_and_expires(db: DatabaseLocation) -> None:
    await _people()
    admin = await actor_for("ladmin")
    token = await web_access.invite(admin, "sgarcia")
    assert await web_access.invitation_login(token) == "sgarcia"
    assert token not in str(await WebAccess.all().values_list("invitation_digest", flat=True))
    with pytest.raises(ValidationError, match="au moins 10"):
        await web_access.accept_invitation(token, "court")
    assert await web_access.accept_invitation(token, "caf-martigues-13") == "sgarcia"
    assert await web_access.check_password("sgarcia", "caf-martigues-13")
    assert await web_access.invitation_login(token) is None
    with pytest.raises(ValidationError, match="invitation"):
        await web_access.accept_invitation(token, "un-autre-mot-13")
    row = await JournalEntry.filter(entity="session web").order_by("-id").first()
    assert row is not None
    assert (row.actor, row.reason) == (await journal_actor("sgarcia"), "choisi par invitation")

    late = await web_access.invite(admin, "jrey")
    await WebAccess.filter(login="jrey").update(
        invitation_expires=datetime.now(UTC) - timedelta(minutes=1)
    )
    assert await web_access.invitation_login(late) is None
    with pytest.raises(ValidationError, match="expirée"):
        await web_access.accept_invitation(late, "un-autre-mot-13")


async def test_login_events_are_journaled_by_the_server(db: DatabaseLocation) -> None:
    await _people()
    server = await actor_for("ladmin")  # the administrator who runs `roadmap serve`
    await web_access.record_event(server, "jrey", "connexion", "192.0.2.7")
    await web_access.record_event(server, "inconnu", "échec", "192.0.2.8", "mot de passe refusé")
    rows = (
        await JournalEntry.filter(entity="session web")
        .order_by("id")
        .values_list("entity_ref", "operation", "reason")
    )
    assert rows[-2:] == [
        ("jrey", "connexion", "depuis 192.0.2.7"),
        ("inconnu", "échec", "depuis 192.0.2.8 : mot de passe refusé"),
    ]
