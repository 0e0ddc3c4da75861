"""Normalise database values for TOML: the same data gives the same bytes on every backend.

tomli-w writes Decimal as a float and refuses None (RISKS 13): money becomes a string,
missing values are left out, datetimes are UTC-aware.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from roadmap.exchange import toml_writer

_CENT = Decimal("0.01")
_DIGITS = re.compile(r"(\d+)")


def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_datetime(value: Any) -> datetime | None:
    """UTC-aware; SQLite hands back text, PostgreSQL aware datetimes."""
    if value is None or value == "":
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # Tortoise stores UTC (use_tz=True)
    return value.astimezone(UTC)


def money(value: Any) -> str | None:
    """An amount as a string with two decimals ("12500.00")."""
    if value is None or value == "":
        return None
    return f"{Decimal(str(value)).quantize(_CENT):f}"


def number(value: Any) -> str | None:
    """An indicator value as the shortest exact decimal string ("12.5", "300")."""
    if value is None or value == "":
        return None
    d = Decimal(str(value)).normalize()
    return f"{d:f}"


@lru_cache(maxsize=1 << 16)  # the same refs are sorted in the roadmap and service files
def natural_key(ref: str) -> tuple[tuple[int, int, str], ...]:
    """A2 before A10: refs sort by their numbers, not as plain text."""
    return tuple(
        (0, int(part), part) if part.isdigit() else (1, 0, part)
        for part in _DIGITS.split(ref)
        if part
    )


def prune(mapping: dict[str, Any]) -> dict[str, Any]:
    """Drop None values and empty strings/lists: TOML has no null, readers test presence."""
    # Truth first (most values are non-empty), then exact class checks: comparing a date
    # with "" or [] on every key is measurably slow. False and 0 are kept.
    return {
        k: v
        for k, v in mapping.items()
        if v or (v is not None and v.__class__ is not str and v.__class__ is not list)
    }


def dumps(document: dict[str, Any]) -> bytes:
    """tomli-w's bytes (``multiline_strings=False``), from the faster writer."""
    return toml_writer.dumps(document).encode("utf-8")
