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
