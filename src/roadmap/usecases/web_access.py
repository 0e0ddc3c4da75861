"""Web access for ``roadmap serve``: passwords, invitations, and the login journal.

Passwords are set by an administrator (or chosen by the person through a one-time
invitation); only their Argon2 hash is stored. Every login, failure and logout is a
journal row written by the server (an administrator) with the login as reference: a
failed attempt may name someone unknown, who never writes, and the row still says who.
"""

from __future__ import annotations

from datetime import timedelta

from roadmap.domain import passwords
from roadmap.domain.errors import NotFound, ValidationError
from roadmap.domain.validation import printable
from roadmap.formatting import date_short
from roadmap.models import Person, WebAccess
from roadmap.usecases.admin import require_administrator
from roadmap.usecases.base import journal, now, write_unit
from roadmap.usecases.identity import Actor, actor_for

ENTITY = "session web"
INVITATION_DAYS = 7


async def _person(login: str) -> Person:
    person = await Person.get_or_none(login=login)
    if person is None:
        raise NotFound(f"aucune personne d'identifiant « {login} »", field="identifiant")
    if not person.active:
        raise ValidationError(f"« {login} » n'est plus active", field="identifiant")
    return person


async def set_password(actor: Actor, login: str, password: str) -> None:
    """An administrator sets (or resets) a person's password; any invitation is withdrawn."""
    await require_administrator(actor, "définir le mot de passe d'une personne")
    await _person(login)
    passwords.check_new_password(password, login)
    digest = passwords.hash_password(password)

    async def unit() -> None:
        access, created = await WebAccess.get_or_create(login=login)
        access.password_hash = digest
        access.invitation_digest = ""
        access.invitation_expires = None
        access.version += 1
        access.updated_by = actor.login
        await access.save()
        await journal(
            actor,
            entity=ENTITY,
            ref=login,
            operation="mot de passe",
            reason="défini par un administrateur" if not created else "premier mot de passe",
        )

    await write_unit(unit)


async def invite(actor: Actor, login: str, *, days: int = INVITATION_DAYS) -> str:
    """A one-time token for ``login`` to choose a password; returns the token (shown once)."""
    await require_administrator(actor, "inviter une personne")
    await _person(login)
    token, digest = passwords.new_token()
    expires = now() + timedelta(days=days)

    async def unit() -> None:
        access, _ = await WebAccess.get_or_create(login=login)
        access.invitation_digest = digest
        access.invitation_expires = expires
        access.version += 1
        access.updated_by = actor.login
        await access.save()
        await journal(
            actor,
            entity=ENTITY,
            ref=login,
            operation="invitation",
            reason=f"valable jusqu'au {date_short(expires)}",
        )

    await write_unit(unit)
    return token


async def invitation_login(token: str) -> str | None:
    """The login a still-valid invitation token is for, or None."""
    access = await WebAccess.get_or_none(invitation_digest=passwords.token_digest(token))
    if access is None or access.invitation_expires is None or access.invitation_expires < now():
        return None
    return str(access.login)


async def accept_invitation(token: str, password: str) -> str:
    """The invited person chooses their password; the token can never be used again."""
    login = await invitation_login(token)
    if login is None:
        raise ValidationError("invitation inconnue, déjà utilisée ou expirée", field="invitation")
    passwords.check_new_password(password, login)
    digest = passwords.hash_password(password)
    token_digest = passwords.token_digest(token)
    person = await actor_for(login)

    async def unit() -> None:
        updated = await WebAccess.filter(login=login, invitation_digest=token_digest).update(
            password_hash=digest, invitation_digest="", invitation_expires=None, updated_by=login
        )
        if updated == 0:
            raise ValidationError("invitation déjà utilisée", field="invitation")
        await journal(
            person,
            entity=ENTITY,
            ref=login,
            operation="mot de passe",
            reason="choisi par invitation",
        )

    await write_unit(unit)
    return login


async def check_password(login: str, password: str) -> bool:
    """True when ``login`` is an active person whose password matches (same cost otherwise).

    A login holding a control character names nobody: the text guard would refuse it even
    as a query value, so it is answered here as any unknown login (never a server error)."""
    if printable(login) != login or "\t" in login or "\n" in login:
        passwords.verify_password("", password)
        return False
    access = await WebAccess.get_or_none(login=login)
    stored = str(access.password_hash) if access is not None else ""
    if not passwords.verify_password(stored, password):
        return False
    person = await Person.get_or_none(login=login)
    return person is not None and bool(person.active)


async def record_event(
    server: Actor, login: str, operation: str, address: str, detail: str = ""
) -> None:
    """The server journals a login, failure, refusal, download, expiry or logout of ``login``.

    ``login`` is what the browser typed: a control character in it is journaled as U+FFFD
    (the journal is shown in terminals, where an escape sequence would act)."""
    login = printable(login).replace("\t", "\ufffd").replace("\n", "\ufffd")
    reason = printable(f"depuis {address}" + (f" : {detail}" if detail else ""))

    async def unit() -> None:
        await journal(server, entity=ENTITY, ref=login[:80], operation=operation, reason=reason)

    await write_unit(unit)
