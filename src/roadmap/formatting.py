"""French formatting for every door: the screens, the command line and the report.

Dates, numbers, euros, plurals and stored codes read the same everywhere. Built on Babel
(CLDR data): the separators French typography expects (narrow no-break space before
thousands, decimal comma) come from the locale, not from hand-written replacements.
Pure functions, no Textual: the core and the CLI use them too.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache

from roadmap.domain.enums import label_of

LOCALE = "fr_FR"
NNBSP = "\u202f"  # narrow no-break space: thousands, and before « € » in short amounts


def date_short(value: date | datetime | None) -> str:
    """``29/11/2026``; empty for no date."""
    if value is None:
        return ""
    day = value.astimezone().date() if isinstance(value, datetime) else value
    return day.strftime("%d/%m/%Y")


def date_long(value: date | datetime | None) -> str:
    """``29 novembre 2026``; empty for no date."""
    if value is None:
        return ""
    day = value.astimezone().date() if isinstance(value, datetime) else value
    return _long(day)


@cache
def _long(day: date) -> str:
    from babel.dates import format_date  # imported on first use: start-up time (RISKS 15)

    return str(format_date(day, "long", locale=LOCALE))


@cache
def month_short(value: date) -> str:
    """``nov. 2026``."""
    from babel.dates import format_date

    return str(format_date(value, "MMM y", locale=LOCALE))


def moment(value: datetime | None) -> str:
    """A journal time in the local zone: ``29/11/2026 09:30``."""
    if value is None:
        return ""
    local = value.astimezone() if value.tzinfo else value
    return local.strftime("%d/%m/%Y %H:%M")


def number(value: float | Decimal | int, digits: int | None = None) -> str:
    """``0,15``, ``12 500`` (decimal comma, narrow no-break space for thousands)."""
    if digits is None and type(value) is int:  # a count: what babel gives, without loading
        return f"{value:,}".replace(",", NNBSP)  # it (10 ms at a command's end, issue 15)
    from babel.numbers import format_decimal

    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return _spaces(str(format_decimal(value, format=pattern, locale=LOCALE)))


def amount(value: Decimal | float | int | None) -> str:
    """Euros: ``45 000 €``, ``12 500,50 €``; ``—`` for no amount."""
    from babel.numbers import format_currency

    if value is None:
        return "—"
    value = Decimal(str(value))
    whole = value == value.to_integral_value()
    text = format_currency(
        value,
        "EUR",
        format="#,##0\xa0¤" if whole else "#,##0.00\xa0¤",
        locale=LOCALE,
        currency_digits=False,
    )
    return _spaces(str(text))


def _spaces(text: str) -> str:
    # CLDR French uses U+202F for thousands and U+00A0 before the symbol: one kind, narrow.
    return text.replace("\xa0", NNBSP)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 jardin``, ``2 jardins``, ``0 jardin`` (French: 0 and 1 take the singular)."""
    word = singular if abs(count) < 2 else (plural_form or _plural_of(singular))
    return f"{number(count)} {word}"


def agree(count: int, singular: str, plural_form: str | None = None) -> str:
    """The word alone, agreed with ``count``: ``agree(2, "manquant")`` → ``manquants``."""
    return singular if abs(count) < 2 else (plural_form or _plural_of(singular))


# Nouns of the app whose participles take an « e » (« action modifiée », « jalon modifié »).
FEMININE = {"action", "observation", "valeur", "décision", "campagne", "personne", "référence"}


def gendered(noun: str, participle: str) -> str:
    """``gendered("action", "modifié")`` → ``modifiée``: no « modifié(e) » in messages."""
    first = noun.split(" ")[0].lower()
    return participle + "e" if first in FEMININE or noun.startswith("une ") else participle


def _plural_of(word: str) -> str:
    # Regular French plurals; irregular ones are passed in by the caller.
    last = word.split(" ")[0]
    rest = word[len(last) :]
    if last.endswith(("s", "x", "z")):
        return word
    if last.endswith(("au", "eu")):
        return f"{last}x{rest}"
    if last.endswith("al"):
        return f"{last[:-2]}aux{rest}"
    return f"{last}s{rest}"


MONEY_WORDS = ("montant", "accordé", "demandé", "budget", "financement")


def code(value: str | None, *, money: bool = False) -> str:
    """A stored value as words: ``en_instruction`` → ``En instruction``, ISO dates and
    numbers in French (``money``: in euros)."""
    if not value:
        return ""
    label = label_of(value)
    if label != value:
        return label
    try:
        return date_short(date.fromisoformat(value))
    except ValueError:
        pass
    numeric = value.replace(".", "", 1).lstrip("-").isdigit()
    if numeric and money:
        return amount(Decimal(value))
    # Decimals only: a bare integer may be a year or a count, kept as typed.
    if numeric and "." in value:
        return number(Decimal(value))
    return value


def is_money(*words: str) -> bool:
    """Whether a journal entry's entity or field speaks of euros."""
    text = " ".join(words).casefold()
    return any(w in text for w in MONEY_WORDS)


def what_changed(operation: str, field: str) -> str:
    """``état`` rather than ``état état``; ``avis : dcs`` rather than ``avis avis dcs``."""
    head = operation.strip()
    seen = {w.casefold() for w in head.replace("'", " ").split()}
    rest = [w for w in field.split() if w.casefold() not in seen]
    return f"{head} : {' '.join(rest)}" if rest and head else head or " ".join(rest)


def entry_text(entity: str, operation: str, field: str) -> str:
    """``avis : dcs`` rather than ``avis : avis : dcs``; ``dossier : état``."""
    what = what_changed(operation, field)
    if not entity or what.casefold().startswith(entity.casefold()):
        return what
    return f"{entity} : {what}"


def change(old: str | None, new: str | None, *, money: bool = False) -> str:
    """``En instruction → Avis rendus``, or the single value set or removed."""
    before, after = code(old, money=money), code(new, money=money)
    if before and after:
        return f"{before} → {after}"
    return after or (f"{before} → (retiré)" if before else "")


def person(name: str, login: str) -> str:
    """``Julien Rey (jrey)`` in details; the name alone where space is short."""
    if name and login and name != login:
        return f"{name} ({login})"
    return name or login
