"""A service file sent back: what it proposes, compared with the file it was exported as.

Pure: the caller gives the returned document and its base (the exported file found by the
fingerprint). A service may propose, for the items of its file only: the status and the
dates of an action it pilots or contributes to (a moved date needs ``motif``), who of its
people is responsable of an action it pilots, its own commitments (amount or ETP, a new
one, one withdrawn), a comment on a jalon it is invited to (``commentaire``), the name and
e-mail of its own contact people. Any other difference is refused with its key path: a
proposal, never a command (docs/export-format.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from roadmap.domain import validation as v
from roadmap.domain.enums import ActionStatus, AvisValue, EngagementKind
from roadmap.domain.errors import ValidationError
from roadmap.domain.proposals import (
    ADD_ENGAGEMENT,
    ENGAGEMENT_KEYS,
    REMOVE_ENGAGEMENT,
    engagement_text,
)
from roadmap.exchange.problems import Problems
from roadmap.exchange.values import AmountError, money, parse_money

# The keys a returned file may add or change, besides the fields proposed.
REPLY_KEY = "reponse"  # optional table: auteur = "…"
_ACTION_FIELDS = ("statut", "debut", "fin", "responsable")
_ACTION_REASON = ("motif", "nature_motif")
_JALON_FIELDS = ("commentaire",)
_EDITING_ROLES = {"pilote", "contributeur"}
NATURES = ("contrainte", "opportunite")
# Lists a service may add to its file: new dated entries (issue 17).
NEW_ENTRIES = ("valeurs_indicateurs", "observations", "nouveaux_contacts")
_DRAFT = ("avis_propose", "avis_commentaire")  # keys a dossier may gain: a draft avis
_ENTRY_KEYS = {
    "valeurs_indicateurs": {"feuille_de_route", "indicateur", "date", "valeur", "commentaire"},
    "observations": {"feuille_de_route", "date", "texte", "source"},
    "nouveaux_contacts": {"login", "nom", "courriel"},
}
# Parts of the file that are not the service's to change (read-only information).
_IGNORED_TOP = {"schema_version", "generation", "changements", REPLY_KEY}


@dataclass(frozen=True)
class Proposed:
    roadmap: str
    kind: str  # action, jalon
    ref: str
    field: str  # the file's key
    base: str  # "" when the base had no value
    value: str
    reason: str = ""
    reason_kind: str = ""
    path: str = ""
    engagement: dict[str, Any] | None = None  # the commitment as exported (montant, retrait)


def shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _key(item: Any) -> tuple[str, str] | None:
    if not isinstance(item, dict):
        return None
    slug, ref = item.get("feuille_de_route"), item.get("ref")
    if not isinstance(slug, str) or not isinstance(ref, str):
        return None
    return slug, ref


def _first_difference(path: str, new: Any, old: Any) -> str:
    """The key path of the first difference between two values (for a clear refusal)."""
    if isinstance(new, dict) and isinstance(old, dict):
        for k in sorted(set(new) | set(old), key=str):
            if new.get(k) != old.get(k):
                return _first_difference(f"{path}.{k}", new.get(k), old.get(k))
    if isinstance(new, list) and isinstance(old, list):
        for i in range(max(len(new), len(old))):
            a = new[i] if i < len(new) else None
            b = old[i] if i < len(old) else None
            if a != b:
                return _first_difference(f"{path}[{i}]", a, b)
    return path


def compare(returned: dict[str, Any], base: dict[str, Any], problems: Problems) -> list[Proposed]:
    """The proposals of ``returned`` against ``base``; refusals go to ``problems``."""
    for k in sorted(set(returned) | set(base)):
        if k not in _IGNORED_TOP and k != "service" and returned.get(k) != base.get(k):
            problems.add(_first_difference(k, returned.get(k), base.get(k)), "non modifiable")
    new, old = returned.get("service"), base.get("service", {})
    if not isinstance(new, dict):
        problems.add("service", "table attendue (le fichier d'origine en a une)")
        return []
    for k in sorted(set(new) | set(old)):
        editable = ("actions", "jalons", "dossiers", "contacts", *NEW_ENTRIES)
        if k not in editable and new.get(k) != old.get(k):
            path = _first_difference(f"service.{k}", new.get(k), old.get(k))
            problems.add(path, "non modifiable par un service (information seulement)")
    proposed = _actions(new.get("actions", []), old.get("actions", []), problems)
    proposed += _jalons(new.get("jalons", []), old.get("jalons", []), problems)
    proposed += _dossiers(new.get("dossiers", []), old.get("dossiers", []), problems)
    listed = set(base.get("generation", {}).get("feuilles_de_route", []))
    if new.get("contacts") != old.get("contacts"):
        proposed += _contacts(new.get("contacts"), old, sorted(listed), problems)
    for k in NEW_ENTRIES:
        if k in new and new.get(k) != old.get(k):
            proposed += _new_entries(k, new[k], listed, problems)
    return proposed


def _items(
    section: str, new: Any, old: list[dict[str, Any]], problems: Problems
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(path, returned item, base item) for the items of ``section`` found in the base."""
    if not isinstance(new, list):
        problems.add(f"service.{section}", "liste attendue")
        return []
    base = {_key(i): i for i in old}
    found = []
    for n, item in enumerate(new):
        path = f"service.{section}[{n}]"
        key = _key(item)
        if key is None or key not in base:
            problems.add(path, "élément inconnu de votre fichier (feuille_de_route et ref)")
            continue
        found.append((path, item, base[key]))
    return found


def _actions(new: Any, old: list[dict[str, Any]], problems: Problems) -> list[Proposed]:
    out: list[Proposed] = []
    for path, item, was in _items("actions", new, old, problems):
        may_edit = bool(_EDITING_ROLES & set(was.get("roles", [])))
        for k in sorted(set(item) | set(was)):
            if k in _ACTION_REASON or item.get(k) == was.get(k):
                continue
            if k == "engagements":
                out += _engagements(f"{path}.{k}", item.get(k), was, problems)
            elif k not in _ACTION_FIELDS:
                problems.add(f"{path}.{k}", "non modifiable par un service")
            elif k == "responsable":
                out += _owner(path, item, was, problems)
            elif not may_edit:
                problems.add(
                    f"{path}.{k}", "votre service ne pilote ni ne contribue à cette action"
                )
            elif k == "statut" and item.get(k) not in {s.value for s in ActionStatus}:
                allowed = ", ".join(s.value for s in ActionStatus)
                problems.add(f"{path}.{k}", f"statut attendu parmi : {allowed}")
            elif k in ("debut", "fin") and not isinstance(item.get(k), date):
                problems.add(f"{path}.{k}", "date attendue (AAAA-MM-JJ, sans guillemets)")
            else:
                out.append(_proposed(path, item, was, k, "action", problems))
        moved = [p for p in out if p.path == path and p.field in ("debut", "fin")]
        if not moved:
            for k in _ACTION_REASON:
                if k in item:
                    problems.add(f"{path}.{k}", "un motif accompagne une date déplacée seulement")
    return out


def _proposed(
    path: str, item: dict[str, Any], was: dict[str, Any], k: str, kind: str, problems: Problems
) -> Proposed:
    reason, nature = "", ""
    if k in ("debut", "fin"):
        reason = item.get("motif", "")
        nature = item.get("nature_motif", "contrainte")
        if not isinstance(reason, str) or not reason.strip():
            problems.add(f"{path}.motif", "une date déplacée demande son motif (texte)")
            reason = ""
        if nature not in NATURES:
            problems.add(f"{path}.nature_motif", "attendu : contrainte ou opportunite")
    return Proposed(
        was["feuille_de_route"], kind, was["ref"], k, shown(was.get(k)), shown(item.get(k)),
        reason.strip() if isinstance(reason, str) else "", str(nature), path,
    )  # fmt: skip


def _owner(
    path: str, item: dict[str, Any], was: dict[str, Any], problems: Problems
) -> list[Proposed]:
    """Who pilots the action for the service: only on an action it pilots; the person must
    be one of its people (checked against the base in ``receive``)."""
    value = item.get("responsable")
    if "pilote" not in was.get("roles", []):
        problems.add(f"{path}.responsable", "seul le service pilote propose le responsable")
    elif not isinstance(value, str) or not value.strip():
        problems.add(f"{path}.responsable", "identifiant attendu (login d'une personne du service)")
    else:
        return [_proposed(path, {**item, "responsable": value.strip()}, was, "responsable",
                          "action", problems)]  # fmt: skip
    return []


def _identity(e: dict[str, Any]) -> tuple[str, ...]:
    """A commitment is known by all but its amount: nature, period, description."""
    return tuple(shown(e.get(k)) for k in ENGAGEMENT_KEYS if k != "montant")


def _engagements(path: str, new: Any, was: dict[str, Any], problems: Problems) -> list[Proposed]:
    """The service's own commitments on an action. An entry found in the base (same nature,
    period and description) may change its ``montant`` (an amount, or ETP for ``etp``); a new
    entry is a commitment to add; an entry gone is one to withdraw."""
    old = list(was.get("engagements", []))
    if not isinstance(new, list):
        problems.add(path, "liste attendue ([[service.actions.engagements]])")
        return []
    slug, ref = was["feuille_de_route"], was["ref"]
    left = list(range(len(old)))
    out: list[Proposed] = []
    for n, e in enumerate(new):
        where = f"{path}[{n}]"
        if not isinstance(e, dict):
            problems.add(where, "table attendue")
            continue
        match = next((i for i in left if _identity(old[i]) == _identity(e)), None)
        if match is None:
            out += _new_engagement(where, e, slug, ref, problems)
            continue
        left.remove(match)
        before = old[match]
        if e.get("montant") == before.get("montant"):
            continue
        amount = _amount(where, e, problems)
        if amount is not None:
            out.append(
                Proposed(slug, "action", ref, "montant", str(before.get("montant", "")), amount,
                         path=f"{where}.montant", engagement=before)
            )  # fmt: skip
    for i in left:
        gone = old[i]
        out.append(
            Proposed(slug, "action", ref, REMOVE_ENGAGEMENT, engagement_text(gone), "",
                     path=path, engagement=gone)
        )  # fmt: skip
    return out


def _amount(where: str, e: dict[str, Any], problems: Problems) -> str | None:
    """Read as the import reads it: « 30.000 » is refused as ambiguous, never 30 €."""
    try:
        return money(v.amount(parse_money(e.get("montant")), "montant")) or ""
    except AmountError as exc:
        problems.add(f"{where}.montant", str(exc))
        return None
    except ValidationError as exc:
        hint = '"0.5" ETP' if e.get("nature") == "etp" else '"12500.00"'
        problems.add(f"{where}.montant", f"{exc} (ex. {hint})")
        return None


def _new_engagement(
    where: str, e: dict[str, Any], slug: str, ref: str, problems: Problems
) -> list[Proposed]:
    """A commitment the service adds: nature, montant, and optionally period and description."""
    for k in sorted(set(e) - set(ENGAGEMENT_KEYS)):
        problems.add(f"{where}.{k}", f"clé inconnue (attendu : {', '.join(ENGAGEMENT_KEYS)})")
    kinds = {k.value for k in EngagementKind}
    if e.get("nature") not in kinds:
        problems.add(f"{where}.nature", f"nature attendue parmi : {', '.join(sorted(kinds))}")
    amount = _amount(where, e, problems)
    for k in ("debut", "fin"):
        if k in e and not isinstance(e[k], date):
            problems.add(f"{where}.{k}", "date attendue (AAAA-MM-JJ, sans guillemets)")
    start, end = e.get("debut"), e.get("fin")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        problems.add(f"{where}.fin", "la fin de période précède son début")
    if not isinstance(e.get("description", ""), str):
        problems.add(f"{where}.description", "texte attendu")
    if amount is None or e.get("nature") not in kinds:
        return []
    clean = {**e, "montant": amount}
    return [Proposed(slug, "action", ref, ADD_ENGAGEMENT, "", engagement_text(clean), path=where)]


def _contacts(
    new: Any, old_service: dict[str, Any], listed: list[str], problems: Problems
) -> list[Proposed]:
    """The name and e-mail of the service's own contact people (``service`` = its code);
    a new person goes in ``[[service.nouveaux_contacts]]``."""
    code = old_service.get("code")
    if not isinstance(new, list):
        problems.add("service.contacts", "liste attendue")
        return []
    base = {c.get("login"): c for c in old_service.get("contacts", [])}
    out: list[Proposed] = []
    for n, item in enumerate(new):
        path = f"service.contacts[{n}]"
        was = base.get(item.get("login")) if isinstance(item, dict) else None
        if was is None:
            problems.add(path, "contact inconnu de votre fichier (un nouveau contact : "
                         "[[service.nouveaux_contacts]])")  # fmt: skip
            continue
        for k in sorted(set(item) | set(was)):
            if item.get(k) == was.get(k):
                continue
            if k not in ("nom", "courriel"):
                problems.add(f"{path}.{k}", "non modifiable par un service (nom, courriel)")
            elif was.get("service") != code:
                problems.add(f"{path}.{k}", f"contact d'un autre service ({was.get('service')})")
            elif not isinstance(item.get(k), str) or (k == "nom" and not item[k].strip()):
                problems.add(f"{path}.{k}", "texte attendu")
            elif k == "courriel" and item[k].strip() and "@" not in item[k]:
                problems.add(f"{path}.{k}", "adresse attendue (nom@domaine)")
            elif not listed:
                problems.add(path, "votre fichier ne concerne aucune feuille de route")
            else:
                base_value, value = shown(was.get(k)), item[k].strip()
                out.append(
                    Proposed(listed[0], "personne", was["login"], k, base_value, value, path=path)
                )
    return out  # a contact removed from the list is not a proposal (ignored, as an item)


def _dossiers(new: Any, old: list[dict[str, Any]], problems: Problems) -> list[Proposed]:
    """A draft avis (``avis_propose`` + ``avis_commentaire``) on a dossier the service
    instructs: a member of the service confirms it in the application (never the file)."""
    if not isinstance(new, list):
        problems.add("service.dossiers", "liste attendue")
        return []
    base = {d.get("ref"): d for d in old}
    out = []
    for n, item in enumerate(new):
        path = f"service.dossiers[{n}]"
        was = base.get(item.get("ref")) if isinstance(item, dict) else None
        if was is None:
            problems.add(path, "dossier inconnu de votre fichier (ref)")
            continue
        for k in sorted(set(item) | set(was)):
            if k not in _DRAFT and item.get(k) != was.get(k):
                hint = " (proposez avis_propose)" if k == "avis_du_service" else ""
                problems.add(f"{path}.{k}", f"non modifiable par un service{hint}")
        if "avis_propose" not in item:
            if "avis_commentaire" in item:
                problems.add(f"{path}.avis_commentaire", "accompagne avis_propose seulement")
            continue
        value, comment = item["avis_propose"], item.get("avis_commentaire", "")
        if "instructeur" not in was.get("roles", []):
            problems.add(f"{path}.avis_propose", "votre service n'instruit pas ce dossier")
        elif value not in {a.value for a in AvisValue}:
            allowed = ", ".join(a.value for a in AvisValue)
            problems.add(f"{path}.avis_propose", f"avis attendu parmi : {allowed}")
        elif not isinstance(comment, str):
            problems.add(f"{path}.avis_commentaire", "texte attendu")
        elif not was.get("feuille_de_route"):
            problems.add(path, "dossier rattaché à aucune feuille de route")
        else:
            out.append(Proposed(was["feuille_de_route"], "avis", was["ref"], "avis",
                                str(was.get("avis_du_service", "")), value, comment.strip(),
                                path=path))  # fmt: skip
    return out


def _new_entries(
    section: str, entries: Any, listed: set[str], problems: Problems
) -> list[Proposed]:
    """``valeurs_indicateurs``: {feuille_de_route, indicateur, date, valeur, commentaire};
    ``observations``: {feuille_de_route, date, texte, source} (qualitative)."""
    if not isinstance(entries, list):
        problems.add(f"service.{section}", "liste attendue")
        return []
    out = []
    allowed = _ENTRY_KEYS[section]
    for n, e in enumerate(entries):
        path = f"service.{section}[{n}]"
        if not isinstance(e, dict):
            problems.add(path, "table attendue")
            continue
        for k in sorted(set(e) - allowed):
            problems.add(f"{path}.{k}", f"clé inconnue (attendu : {', '.join(sorted(allowed))})")
        if section == "nouveaux_contacts":
            out += _contact(path, e, sorted(listed), problems)
            continue
        slug, when = e.get("feuille_de_route"), e.get("date")
        if slug not in listed:
            problems.add(f"{path}.feuille_de_route", "une des feuilles de route de votre fichier")
            continue
        if not isinstance(when, date):
            problems.add(f"{path}.date", "date attendue (AAAA-MM-JJ, sans guillemets)")
            continue
        if section == "valeurs_indicateurs":
            ref, raw, note = e.get("indicateur"), e.get("valeur"), e.get("commentaire", "")
            if not isinstance(ref, str) or not ref:
                problems.add(f"{path}.indicateur", "référence d'indicateur attendue (ex. I1)")
                continue
            try:
                number = Decimal(str(raw).strip().replace(",", "."))
                if isinstance(raw, bool) or not number.is_finite():
                    raise ArithmeticError
            except (ArithmeticError, ValueError):
                problems.add(f"{path}.valeur", "nombre attendu (ex. 12.5)")
                continue
            if not isinstance(note, str):
                problems.add(f"{path}.commentaire", "texte attendu")
                continue
            out.append(Proposed(slug, "indicateur", ref, f"valeur:{when.isoformat()}", "",
                                f"{number.normalize():f}", note.strip(), path=path))  # fmt: skip
        else:
            text, source = e.get("texte"), e.get("source", "")
            if not isinstance(text, str) or not text.strip():
                problems.add(f"{path}.texte", "texte attendu")
                continue
            if not isinstance(source, str):
                problems.add(f"{path}.source", "texte attendu")
                continue
            out.append(Proposed(slug, "qualitatif", "", f"observation:{when.isoformat()}", "",
                                text.strip(), source.strip(), path=path))  # fmt: skip
    return out


def _contact(path: str, e: dict[str, Any], listed: list[str], problems: Problems) -> list[Proposed]:
    """A new contact person of the service (created in the referential once accepted)."""
    login, name, mail = e.get("login"), e.get("nom"), e.get("courriel", "")
    for key, value in (("login", login), ("nom", name)):
        if not isinstance(value, str) or not value.strip():
            problems.add(f"{path}.{key}", "texte attendu")
            return []
    if not isinstance(mail, str) or (mail and "@" not in mail):
        problems.add(f"{path}.courriel", "adresse attendue (nom@domaine)")
        return []
    if not listed:
        problems.add(path, "votre fichier ne concerne aucune feuille de route")
        return []
    return [Proposed(listed[0], "personne", login.strip(), "contact", "", name.strip(),
                     mail.strip(), path=path)]  # fmt: skip


def _jalons(new: Any, old: list[dict[str, Any]], problems: Problems) -> list[Proposed]:
    out: list[Proposed] = []
    for path, item, was in _items("jalons", new, old, problems):
        for k in sorted(set(item) | set(was)):
            if item.get(k) == was.get(k):
                continue
            if k not in _JALON_FIELDS:
                problems.add(f"{path}.{k}", "non modifiable par un service")
            elif not isinstance(item.get(k), str) or not item[k].strip():
                problems.add(f"{path}.{k}", "texte attendu")
            else:
                out.append(
                    Proposed(was["feuille_de_route"], "jalon", was["ref"], k, "", item[k].strip(),
                             path=path)
                )  # fmt: skip
    return out
