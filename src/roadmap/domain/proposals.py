"""The fields a service proposes through its returned file, as stored in ``Proposition``
(issue 17): names shared by the comparison (exchange.returned) and the acceptance
(usecases.proposition_apply)."""

from __future__ import annotations

import tomllib
from typing import Any

DATE_FIELDS = ("debut", "fin")
ADD_ENGAGEMENT = "ajout_engagement"
REMOVE_ENGAGEMENT = "retrait_engagement:"
AMOUNT = "montant:"
CONTACT_FIELDS = {"nom": "name", "courriel": "email"}
ENGAGEMENT_KEYS = ("nature", "montant", "debut", "fin", "description")


def is_date_move(kind: str, field: str) -> bool:
    return kind == "action" and field in DATE_FIELDS


def engagement_text(e: dict[str, Any]) -> str:
    """A commitment as a TOML inline table, the syntax of the service's own file."""
    parts = []
    for k in ENGAGEMENT_KEYS:
        value = e.get(k)
        if value in (None, ""):
            continue
        shown = value.isoformat() if hasattr(value, "isoformat") else _quoted(str(value))
        parts.append(f"{k} = {shown}")
    return "{ " + ", ".join(parts) + " }"


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def parse_engagement(text: str) -> dict[str, Any]:
    value = tomllib.loads(f"v = {text}")["v"]
    assert isinstance(value, dict)
    return value


def engagement_of(field: str, base: str, proposed: str) -> dict[str, Any] | None:
    """The commitment an engagement proposal is about, from its own values (a withdrawal
    carries the withdrawn one, an addition the new one); None for an amount (``montant:<id>``
    names the stored row: its caller looks it up) and for any other field."""
    text = base if field.startswith(REMOVE_ENGAGEMENT) else proposed
    if field.startswith(REMOVE_ENGAGEMENT) or field == ADD_ENGAGEMENT:
        try:
            found = parse_engagement(text)
        except (tomllib.TOMLDecodeError, AssertionError):
            return None
        return {k: v for k, v in found.items() if k != "montant"}
    return None


def engagement_id(field: str) -> int | None:
    """The stored commitment an amount or a withdrawal names (``montant:12``)."""
    for prefix in (AMOUNT, REMOVE_ENGAGEMENT):
        if field.startswith(prefix) and field.removeprefix(prefix).isdigit():
            return int(field.removeprefix(prefix))
    return None


def public_field(field: str) -> str:
    """The field as a service reads it: never a stored row's number."""
    if field.startswith(AMOUNT):
        return "montant"
    if field.startswith(REMOVE_ENGAGEMENT):
        return "retrait_engagement"
    return field


def engagement_words(e: dict[str, Any] | None) -> str:
    """« subvention 01/01/2026 → 31/12/2026 « Épicerie » »: what a service officer recognises."""
    if not e:
        return ""
    parts = [str(e.get("nature") or "engagement")]
    start, end = (_day(e.get(k)) for k in ("debut", "fin"))
    if start or end:
        parts.append(f"{start or '…'} → {end or '…'}")
    if e.get("description"):
        parts.append(f"« {e['description']} »")
    return " ".join(parts)


def _day(value: Any) -> str:
    if value in (None, ""):
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%d/%m/%Y"))
    text = str(value)
    return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if len(text) == 10 else text
