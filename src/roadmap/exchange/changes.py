"""What changed since the previous export, for a service file, by comparing documents."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

CHANGES_KEY = "changements"  # a table: {elements = [...]}
_KEYS = {
    "actions": ("feuille_de_route", "ref"),
    "jalons": ("feuille_de_route", "ref"),
    "dossiers": ("ref",),
    "echeances_aap": ("campagne", "territoire"),
    "contacts": ("login",),
}


def read_previous(path: Path) -> dict[str, Any] | None:
    """The previous export at ``path``, or None when absent or unreadable."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, RecursionError, UnicodeDecodeError):
        return None


def _key(section: str, item: dict[str, Any]) -> str:
    return "/".join(str(item.get(k, "")) for k in _KEYS[section])


def diff(previous: dict[str, Any], document: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per item added, removed or modified (with the keys that changed)."""
    old_service = previous.get("service", {})
    new_service = document.get("service", {})
    if not isinstance(old_service, dict):
        old_service = {}
    changes: list[dict[str, Any]] = []
    changed = sorted(
        k
        for k in (set(old_service) | set(new_service)) - set(_KEYS)
        if old_service.get(k) != new_service.get(k)
    )
    if changed:
        changes.append({"section": "service", "changement": "modifie", "champs": changed})
    for section in _KEYS:
        old = {_key(section, i): i for i in old_service.get(section, []) if isinstance(i, dict)}
        new = {_key(section, i): i for i in new_service.get(section, [])}
        for key in sorted(set(old) | set(new)):
            if key not in old:
                changes.append({"section": section, "cle": key, "changement": "nouveau"})
            elif key not in new:
                changes.append({"section": section, "cle": key, "changement": "retire"})
            elif old[key] != new[key]:
                fields = sorted(
                    k for k in set(old[key]) | set(new[key]) if old[key].get(k) != new[key].get(k)
                )
                changes.append(
                    {"section": section, "cle": key, "changement": "modifie", "champs": fields}
                )
    return changes
