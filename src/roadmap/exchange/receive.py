"""``roadmap propositions recevoir``: a service file sent back becomes proposals.

The file names its base by its fingerprint (generation.empreinte); the base is the file as
exported (bases.py). Every difference is checked first (returned.py): one refusal and
nothing is recorded. Each proposed value is then compared with the current data: a value
the trinôme changed since the export is a conflict, kept with the three values.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from roadmap.domain.enums import Role
from roadmap.domain.errors import PermissionDenied, ValidationError
from roadmap.domain.permissions import Capability, allowed
from roadmap.domain.proposals import (
    ADD_ENGAGEMENT,
    AMOUNT,
    CONTACT_FIELDS,
    REMOVE_ENGAGEMENT,
    parse_engagement,
)
from roadmap.exchange.bases import base_text
from roadmap.exchange.drop import guard_read
from roadmap.exchange.problems import ImportRefused, Problems
from roadmap.exchange.returned import REPLY_KEY, Proposed, compare, shown
from roadmap.exchange.toml_input import load_toml
from roadmap.exchange.values import money
from roadmap.models import (
    Action,
    Engagement,
    Indicator,
    Membership,
    Person,
    Proposition,
    Roadmap,
)
from roadmap.usecases.base import authorize, journal, now, role_in, write_unit
from roadmap.usecases.identity import Actor

_ACTION_COLUMNS = {"statut": "status", "debut": "start_date", "fin": "end_date"}


@dataclass
class Received:
    service: str
    author: str
    recorded: list[Proposition] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # same value now, or already received

    def conflicts(self) -> list[Proposition]:
        return [p for p in self.recorded if p.current_value != p.base_value]


def _refused(path: Path, message: str) -> ImportRefused:
    return ImportRefused([f"{path.name} : {message}"])


async def _base(path: Path, document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    generation = document.get("generation")
    if not isinstance(generation, dict) or generation.get("type") != "service":
        raise _refused(path, "generation.type : ce n'est pas le fichier d'un service")
    digest = generation.get("empreinte")
    if not isinstance(digest, str):
        raise _refused(path, "generation.empreinte : absente, impossible de trouver l'original")
    found = await base_text(digest)
    if found is None:
        raise _refused(
            path,
            "generation.empreinte : base inconnue (fichier jamais exporté depuis cette base, "
            "ou empreinte modifiée) ; renvoyez le dernier fichier reçu sans toucher à [generation]",
        )
    code, text = found
    service = document.get("service")
    said = [generation.get("service"), service.get("code") if isinstance(service, dict) else None]
    if any(s != code for s in said):
        raise _refused(path, f"fichier d'un autre service : l'empreinte est celle de « {code} »")
    return code, tomllib.loads(text)


def _author(document: dict[str, Any], declared: str | None, problems: Problems) -> str:
    if declared:
        return declared.strip()
    reply = document.get(REPLY_KEY, {})
    author = reply.get("auteur", "") if isinstance(reply, dict) else None
    if not isinstance(author, str):
        problems.add(f"{REPLY_KEY}.auteur", "texte attendu (nom ou identifiant de l'auteur)")
        return ""
    return author.strip()


async def _current(p: Proposed, service: str) -> str:
    """The value stored now for the proposed field (a comment is always new)."""
    if p.kind == "personne" and p.field in CONTACT_FIELDS:
        person = await Person.get_or_none(login=p.ref)
        return str(getattr(person, CONTACT_FIELDS[p.field])) if person else ""
    if p.kind != "action":
        return p.base
    if p.field.startswith(AMOUNT):
        found = await Engagement.get_or_none(id=int(p.field.removeprefix(AMOUNT)))
        return money(found.amount) or "" if found else ""
    if p.field.startswith(REMOVE_ENGAGEMENT):  # still there: as exported; gone: done already
        gone = not await Engagement.exists(id=int(p.field.removeprefix(REMOVE_ENGAGEMENT)))
        return "" if gone else p.base
    if p.field == ADD_ENGAGEMENT:  # the same commitment already recorded: nothing to do
        return p.value if await _has_engagement(p, service) else ""
    action = await Action.get_or_none(roadmap__slug=p.roadmap, ref=p.ref)
    if action is None:
        return ""
    if p.field == "responsable":
        owner = await Person.get_or_none(id=action.owner_id) if action.owner_id else None
        return owner.login if owner else ""
    return shown(getattr(action, _ACTION_COLUMNS[p.field]))


async def _has_engagement(p: Proposed, service: str) -> bool:
    e = parse_engagement(p.value)
    rows = await Engagement.filter(
        action__roadmap__slug=p.roadmap, action__ref=p.ref, service__code=service,
        kind=e["nature"], period_start=e.get("debut"), period_end=e.get("fin"),
        description=e.get("description", ""),
    ).values_list("amount", flat=True)  # fmt: skip
    return any(money(a) == e["montant"] for a in rows)


async def _may_receive(actor: Actor, slugs: set[str], listed: list[str]) -> None:
    """Trinôme or direction of each roadmap proposed to (of one of the file's, if none)."""
    if actor.person_id is None:
        raise PermissionDenied(f"« {actor.login} » n'est pas une personne connue de cette base")
    for slug in sorted(slugs):
        await authorize(actor, slug, Capability.EDIT)
    if not slugs:
        for roadmap in await Roadmap.filter(slug__in=listed).order_by("slug"):
            if allowed(await role_in(actor, roadmap), Capability.EDIT):
                return
        raise PermissionDenied(
            "recevoir le fichier d'un service demande le rôle trinôme ou direction dans une "
            "de ses feuilles de route"
        )


async def _engagements(proposed: list[Proposed], code: str, problems: Problems) -> list[Proposed]:
    """Name each commitment whose amount is proposed or whose withdrawal is proposed by its
    id (``montant:<id>``, ``retrait_engagement:<id>``): the one of this service on that
    action with the nature, period and description exported."""
    out = []
    for p in proposed:
        if p.engagement is None:
            out.append(p)
            continue
        e = p.engagement
        rows = await Engagement.filter(
            action__roadmap__slug=p.roadmap, action__ref=p.ref, service__code=code,
            kind=e.get("nature"), period_start=e.get("debut"), period_end=e.get("fin"),
            description=e.get("description", ""),
        ).values_list("id", "amount")  # fmt: skip
        found = [i for i, _ in rows]
        if len(found) > 1:  # identical but for the amount: the one exported
            found = [i for i, amount in rows if money(amount) == e.get("montant")][:1]
        if not found and p.field == REMOVE_ENGAGEMENT:
            found = [0]  # withdrawn already: no such row, reported as already done
        if len(found) != 1:
            problems.add(
                p.path, "engagement introuvable ou ambigu : modifiez-le dans l'application"
            )
            continue
        prefix = AMOUNT if p.field == "montant" else p.field
        out.append(replace(p, field=f"{prefix}{found[0]}", engagement=None))
    return out


async def _may_receive_any(actor: Actor) -> None:
    """Said before the file is read: a browser session never gets a server file parsed."""
    if actor.person_id is None:
        raise PermissionDenied(f"« {actor.login} » n'est pas une personne connue de cette base")
    roles = await Membership.filter(person_id=actor.person_id).values_list("role", flat=True)
    if not any(allowed(Role(r), Capability.EDIT) for r in roles):
        raise PermissionDenied(
            "recevoir le fichier d'un service demande le rôle trinôme ou direction dans une "
            "feuille de route"
        )


async def check_deposit(actor: Actor, name: str, text: str) -> str:
    """Whether ``actor`` may send this returned file back through the browser: the file's
    service code, or the refusal the CLI would give (not a service file, unknown base,
    another service). A service's own people deposit its file; a person who may receive
    (trinôme or direction) deposits any service's file, e.g. one received by e-mail."""
    if actor.person_id is None:
        raise PermissionDenied(f"« {actor.login} » n'est pas une personne connue de cette base")
    document = tomllib.loads(text)
    try:
        code, _ = await _base(Path(name), document)
    except ImportRefused as exc:  # nothing is imported here: say what is wrong, plainly
        raise ValidationError("fichier refusé : " + " ; ".join(exc.problems)) from None
    person = await Person.get_or_none(id=actor.person_id).prefetch_related("service")
    own = getattr(getattr(person, "service", None), "code", None)
    if own == code:
        return code
    try:
        await _may_receive_any(actor)
    except PermissionDenied:
        raise PermissionDenied(
            f"{name} : fichier du service « {code} » ; vous ne pouvez renvoyer que celui de "
            f"votre service ({own or 'aucun'})"
        ) from None
    return code


RECEIVE_REFUSED = "fichier refusé, aucune proposition enregistrée"


async def receive_file(actor: Actor, path: Path, *, declared_author: str | None = None) -> Received:
    """Every proposal of a returned service file, or none (the refusal lists why)."""
    try:
        return await _receive(actor, path, declared_author)
    except ImportRefused as exc:  # the file is not imported: say what did not happen
        raise ImportRefused(exc.problems, RECEIVE_REFUSED) from None


async def _receive(actor: Actor, path: Path, declared_author: str | None) -> Received:
    await _may_receive_any(actor)
    guard_read(path)
    document, index = load_toml(path)
    code, base = await _base(path, document)
    problems = Problems(path, index)
    author = _author(document, declared_author, problems)
    proposed = compare(document, base, problems)
    problems.raise_if_any()
    proposed = await _engagements(proposed, code, problems)
    for p in proposed:
        if p.kind == "indicateur" and not await Indicator.exists(
            roadmap__slug=p.roadmap, ref=p.ref
        ):
            problems.add(f"{p.path}.indicateur", f"indicateur {p.ref} inconnu de {p.roadmap}")
        if p.kind == "personne" and p.field == "contact" and await Person.exists(login=p.ref):
            problems.add(f"{p.path}.login", f"l'identifiant « {p.ref} » existe déjà")
        if p.field == "responsable" and not await Person.exists(
            login=p.value, service__code=code, active=True
        ):
            problems.add(
                f"{p.path}.responsable",
                f"« {p.value} » n'est pas une personne (active) de {code} ; une personne "
                "nouvelle : [[service.nouveaux_contacts]] d'abord",
            )
    problems.raise_if_any()
    slugs = {p.roadmap for p in proposed}
    listed = [str(x) for x in base.get("generation", {}).get("feuilles_de_route", [])]

    async def unit() -> Received:
        await _may_receive(actor, slugs, listed)
        result = Received(code, author)
        emails_exported = bool(base.get("generation", {}).get("avec_contacts"))
        for p in proposed:
            current = await _current(p, code)
            if p.field == "courriel" and not p.base and not emails_exported:
                p = replace(p, base=current)  # the file never showed it: no conflict to flag
            if current == p.value:
                result.already.append(f"{p.roadmap} {p.ref} {p.field} : déjà « {p.value} »")
                continue
            twin = await Proposition.filter(
                service_code=code, roadmap_slug=p.roadmap, item_kind=p.kind, item_ref=p.ref,
                field=p.field, proposed_value=p.value, status="en_attente",
            ).first()  # fmt: skip
            if twin is not None:
                result.already.append(f"{p.roadmap} {p.ref} {p.field} : déjà reçue (n° {twin.id})")
                continue
            row = await Proposition.create(
                service_code=code, author=author, fingerprint=document["generation"]["empreinte"],
                roadmap_slug=p.roadmap, item_kind=p.kind, item_ref=p.ref, field=p.field,
                base_value=p.base, proposed_value=p.value, current_value=current,
                reason=p.reason, reason_kind=p.reason_kind, received_by=actor.login,
                received_at=now(),
            )  # fmt: skip
            result.recorded.append(row)
            conflict = f" ; conflit, valeur actuelle « {current} »" if current != p.base else ""
            await journal(
                actor, roadmap=p.roadmap, entity=p.kind, ref=p.ref,
                operation="proposition reçue", field=p.field, old=p.base, new=p.value,
                reason=f"n° {row.id}, proposé par {code} ({author or 'auteur non précisé'})"
                f"{conflict}" + (f" : {p.reason}" if p.reason else ""),
            )  # fmt: skip
        return result

    return await write_unit(unit)
