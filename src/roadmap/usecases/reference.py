"""Territories, services, people and QPV: reference data shared by every roadmap."""

from __future__ import annotations

from dataclasses import dataclass

from roadmap.domain import validation as v
from roadmap.domain.enums import ServiceKind
from roadmap.domain.errors import NotFound, ValidationError
from roadmap.models import Person, Qpv, Service, Territoire
from roadmap.usecases.admin import require_administrator
from roadmap.usecases.base import diff, journal, journal_changes, update_versioned, write_unit
from roadmap.usecases.identity import Actor


async def require_reference_editor(actor: Actor) -> None:
    """Reference data (territories, services, people, QPV) is kept by administrators."""
    await require_administrator(
        actor, "modifier les territoires, les services, les personnes et les QPV"
    )


async def service_by_code(code: str, field: str = "service") -> Service:
    service = await Service.get_or_none(code=(code or "").strip())
    if service is None:
        raise NotFound(f"service « {code} » inconnu", field=field)
    return service


async def person_by_login(login: str, field: str = "personne") -> Person:
    person = await Person.get_or_none(login=(login or "").strip())
    if person is None:
        raise NotFound(f"personne « {login} » inconnue", field=field)
    return person


async def qpv_by_code(code: str, field: str = "QPV") -> Qpv:
    qpv = await Qpv.get_or_none(code=(code or "").strip())
    if qpv is None:
        raise NotFound(f"QPV « {code} » inconnu", field=field)
    return qpv


@dataclass(frozen=True)
class ServiceInput:
    code: str
    name: str
    kind: str
    parent_code: str | None = None


async def create_service(actor: Actor, data: ServiceInput) -> Service:
    code = v.slug(data.code, "code")
    name = v.text(data.name, "nom")
    kind = ServiceKind.parse(data.kind, "type")

    async def unit() -> Service:
        await require_reference_editor(actor)
        if await Service.exists(code=code):
            raise ValidationError(f"le code « {code} » est déjà pris", field="code")
        parent = (
            await service_by_code(data.parent_code, "direction parente")
            if data.parent_code
            else None
        )
        service = await Service.create(
            code=code, name=name, kind=kind, parent=parent, updated_by=actor.login
        )
        await journal(actor, entity="service", ref=code, operation="création", new=name)
        return service

    return await write_unit(unit)


async def edit_service(actor: Actor, code: str, version: int, *, name: str, kind: str) -> None:
    values = {"name": v.text(name, "nom"), "kind": ServiceKind.parse(kind, "type")}

    async def unit() -> None:
        await require_reference_editor(actor)
        service = await service_by_code(code)
        changes = diff(service, values)
        await update_versioned(Service, service.id, version, actor, values)
        await journal_changes(actor, roadmap="", entity="service", ref=code, changes=changes)

    await write_unit(unit)


@dataclass(frozen=True)
class PersonInput:
    login: str
    name: str
    email: str = ""
    service_code: str | None = None


async def create_person(actor: Actor, data: PersonInput) -> Person:
    login = v.text(data.login, "identifiant", max_length=100)
    name = v.text(data.name, "nom")
    email = _email(data.email)

    async def unit() -> Person:
        await require_reference_editor(actor)
        if await Person.exists(login=login):
            raise ValidationError(f"l'identifiant « {login} » existe déjà", field="identifiant")
        service = await service_by_code(data.service_code, "service") if data.service_code else None
        person = await Person.create(
            login=login, name=name, email=email, service=service, updated_by=actor.login
        )
        await journal(actor, entity="personne", ref=login, operation="création", new=name)
        return person

    return await write_unit(unit)


@dataclass(frozen=True)
class PersonCard:
    """A person as a form shows it before an edit (the version the edit works from)."""

    login: str
    name: str
    email: str
    service_code: str
    version: int


async def person_card(login: str) -> PersonCard:
    person = await person_by_login(login)
    code = await Service.filter(id=person.service_id).values_list("code", flat=True)  # type: ignore[attr-defined]
    return PersonCard(
        person.login, person.name, person.email, code[0] if code else "", person.version
    )


async def edit_person(
    actor: Actor,
    login: str,
    version: int,
    *,
    name: str,
    service_code: str | None,
    email: str | None = None,
    reason: str = "",
) -> int:
    """Rename someone, correct their e-mail (``None``: unchanged) or move them to another
    service (administrators, as for creating one); versioned, one journal row per changed
    field. Returns the new version."""
    values: dict[str, object] = {"name": v.text(name, "nom")}
    if email is not None:
        values["email"] = _email(email)
    why = v.no_control(reason.strip(), "motif", multiline=True)

    async def unit() -> int:
        await require_reference_editor(actor)
        person = await person_by_login(login)
        service = await service_by_code(service_code, "service") if service_code else None
        changes = diff(person, values)
        values["service_id"] = service.id if service else None
        old_id = person.service_id  # type: ignore[attr-defined]
        old_service = await Service.get_or_none(id=old_id) if old_id else None
        if old_id != values["service_id"]:
            changes["service"] = (
                old_service.code if old_service else "",
                service.code if service else "",
            )
        new_version = await update_versioned(Person, person.id, version, actor, values)
        await journal_changes(
            actor, roadmap="", entity="personne", ref=person.login, changes=changes, reason=why
        )
        return new_version

    return await write_unit(unit)


def _email(email: str) -> str:
    value = v.text(email, "courriel", required=False)
    if value and "@" not in value:
        raise ValidationError(
            "adresse de courriel invalide (attendu nom@domaine)", field="courriel"
        )
    return value


async def create_qpv(actor: Actor, code: str, name: str, commune: str = "") -> Qpv:
    code = v.text(code, "code QPV", max_length=20)
    name = v.text(name, "nom du QPV")

    async def unit() -> Qpv:
        await require_reference_editor(actor)
        if await Qpv.exists(code=code):
            raise ValidationError(f"le QPV « {code} » existe déjà", field="code QPV")
        qpv = await Qpv.create(
            code=code,
            name=name,
            commune=v.text(commune, "commune", required=False),
            updated_by=actor.login,
        )
        await journal(actor, entity="qpv", ref=code, operation="création", new=name)
        return qpv

    return await write_unit(unit)


async def territoire_by_code(code: str, field: str = "territoire") -> Territoire:
    territoire = await Territoire.get_or_none(code=(code or "").strip())
    if territoire is None:
        known = ", ".join(await Territoire.all().values_list("code", flat=True)) or "aucun"
        raise NotFound(f"territoire « {code} » inconnu (territoires : {known})", field=field)
    return territoire


async def create_territoire(actor: Actor, code: str, name: str) -> Territoire:
    """A contrat de ville territory: administrators only, journaled."""
    code = v.slug(code, "code du territoire")
    name = v.text(name, "nom du territoire")

    async def unit() -> Territoire:
        await require_reference_editor(actor)
        if await Territoire.exists(code=code):
            raise ValidationError(
                f"le territoire « {code} » existe déjà", field="code du territoire"
            )
        territoire = await Territoire.create(code=code, name=name, updated_by=actor.login)
        await journal(actor, entity="territoire", ref=code, operation="création", new=name)
        return territoire

    return await write_unit(unit)


async def rename_territoire(actor: Actor, code: str, version: int, name: str) -> int:
    values = {"name": v.text(name, "nom du territoire")}

    async def unit() -> int:
        await require_reference_editor(actor)
        territoire = await territoire_by_code(code)
        changes = diff(territoire, values)
        new_version = await update_versioned(Territoire, territoire.id, version, actor, values)
        await journal_changes(actor, roadmap="", entity="territoire", ref=code, changes=changes)
        return new_version

    return await write_unit(unit)
