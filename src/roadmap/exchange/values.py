"""Normalise database values for TOML: the same data gives the same bytes on every backend.

tomli-w writes Decimal as a float and refuses None (RISKS 13): money becomes a string,
missing values are left out, datetimes are UTC-aware.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from roadmap.exchange import toml_writer

_CENT = Decimal("0.01")
_DIGITS = re.compile(r"(\d+)")
_split = _DIGITS.split
_T = TypeVar("_T")


# SQLite hands dates, datetimes and amounts back as text, and the same few texts repeat
# across thousands of rows (an AAP's deadline, a batch import's timestamp): each is parsed
# once per process. Only exact ``str`` keys: equal texts give equal values, whereas equal
# Decimals or datetimes may print differently ("-0.00", another time zone).
_CACHE_LIMIT = 50_000


def _parsed_once(parse: Callable[[Any], _T]) -> Callable[[Any], _T]:
    """``parse``, remembering its result for each text (a closure: no extra call per value
    on the export's hot path)."""
    cache: dict[str, _T] = {}

    def parsed(value: Any) -> _T:
        if value.__class__ is str:
            found = cache.get(value)
            if found is None and value not in cache:
                found = parse(value)
                if len(cache) < _CACHE_LIMIT:
                    cache[value] = found
            return found  # type: ignore[return-value]
        return parse(value)

    return parsed


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> datetime | None:
    """UTC-aware; SQLite hands back text, PostgreSQL aware datetimes."""
    if value is None or value == "":
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # Tortoise stores UTC (use_tz=True)
    return value.astimezone(UTC)


def _money(value: Any) -> str | None:
    """An amount as a string with two decimals ("12500.00")."""
    if value is None or value == "":
        return None
    return f"{Decimal(str(value)).quantize(_CENT):f}"


as_date = _parsed_once(_as_date)
as_datetime = _parsed_once(_as_datetime)  # UTC-aware
money = _parsed_once(_money)  # two decimals ("12500.00")


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
        [(0, int(part), part) if part.isdigit() else (1, 0, part) for part in _split(ref) if part]
    )


def sorted_few(items: list[Any], key: Any) -> list[Any]:
    """``sorted(items, key=key)``, without computing the key of a lone item (most lists in
    a document hold one: a dossier's avis, an action's engagement). ``items`` is a list
    the caller just built: it may come back as is."""
    return sorted(items, key=key) if len(items) > 1 else items


def prune(mapping: dict[str, Any]) -> dict[str, Any]:
    """Drop None values and empty strings/lists: TOML has no null, readers test presence.

    In place: ``mapping`` is changed and returned, so pass a dict built for the purpose
    (removing a few keys costs a quarter of building a new dict of the kept ones).
    """
    # Truth first (most values are non-empty), then exact class checks: comparing a date
    # with "" or [] on every key is measurably slow. False and 0 are kept.
    empty = [
        k
        for k, v in mapping.items()
        if not v and (v is None or v.__class__ is str or v.__class__ is list)
    ]
    for k in empty:
        del mapping[k]
    return mapping


def dumps(document: dict[str, Any]) -> bytes:
    """tomli-w's bytes (``multiline_strings=False``), from the faster writer."""
    return toml_writer.dumps(document).encode("utf-8")


# --- amounts written by hand in a TOML file ---------------------------------------------

_SPACES = str.maketrans("", "", " \xa0\u202f")
_PLAIN = re.compile(r"^\d+([.,]\d{1,2})?$")  # 25000 · 25000.50 · 25000,5
_GROUPED = re.compile(r"^\d{1,3}( \d{3})+([.,]\d{1,2})?$")  # 25 000 · 25 000,00 (French)
MONEY_EXAMPLE = '"25000.50", "25 000,50" ou 25000.5'


class AmountError(ValueError):
    """A hand-written amount that cannot be read without guessing; the message says why."""


def parse_money(value: object) -> Decimal:
    """A TOML amount: a number, or a string in plain or French form when unambiguous.

    Accepted: 25000, 25000.5, "25000.50", "25 000,00", "8 000 €". Refused: "12.500" and
    "25,000" (thousands or decimals?), "1.234,56", more than two decimals, negatives.
    """
    if isinstance(value, bool):
        raise AmountError(f"attendu un montant, trouvé {value!r} ; ex. {MONEY_EXAMPLE}")
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().removesuffix("€").rstrip().replace("\xa0", " ").replace("\u202f", " ")
        if text.startswith("-"):
            raise AmountError(f"« {value} » : montant négatif ; un montant positif est attendu")
        if re.fullmatch(r"\d{1,3}([.,])\d{3}", text.translate(_SPACES)) and " " not in text:
            raise AmountError(
                f"« {value} » est ambigu (milliers ou décimales ?) ; écrivez {MONEY_EXAMPLE}"
            )
        if _GROUPED.match(text):
            text = text.translate(_SPACES)
        if not _PLAIN.match(text):
            raise AmountError(f"« {value} » n'est pas un montant lisible ; écrivez {MONEY_EXAMPLE}")
        result = Decimal(text.replace(",", "."))
    else:
        raise AmountError(f"attendu un montant ; écrivez {MONEY_EXAMPLE}")
    if not result.is_finite() or result < 0:
        raise AmountError(f"« {value} » : montant négatif ; un montant positif est attendu")
    if result != result.quantize(_CENT):
        raise AmountError(f"« {value} » : deux décimales au plus ; ex. {MONEY_EXAMPLE}")
    if result >= Decimal("1e12"):
        raise AmountError(f"« {value} » : montant trop grand")
    return result.quantize(_CENT)
