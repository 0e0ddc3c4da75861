"""Input checks shared by every use case; each failure names the field in French."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from roadmap.domain.errors import ValidationError

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$|^[a-z0-9]$")
MAX_AMOUNT = Decimal("999999999999.99")


# Control characters (C0, DEL, C1) and lone surrogates: invisible, they break the ICS, the
# GraphML (invalid XML), the report and the terminal. Tab and newline only in long texts.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
MULTILINE_FROM = 1000  # texts allowed this long are paragraphs: tab and newline welcome


def printable(value: str) -> str:
    """Text for a file a service reads (ICS, GraphML, DOT, report): a control character a
    database may still hold (stored before the doors refused it, or by direct SQL) becomes
    U+FFFD, visible and valid everywhere; tab and newline stay."""
    return _CONTROL.sub("\ufffd", value) if _CONTROL.search(value) else value


def no_control(value: str, field: str, *, multiline: bool = False) -> str:
    """Refuse control characters, naming the first one; CRLF becomes a newline in a text."""
    if multiline:
        value = value.replace("\r\n", "\n")
    found = (_CONTROL if multiline else _CONTROL_ONE_LINE).search(value)
    if found is not None:
        char = found.group()
        name = {"\t": "tabulation", "\n": "retour à la ligne", "\r": "retour chariot"}.get(
            char, "caractère de contrôle"
        )
        allowed = "" if multiline else " ; ce champ tient sur une ligne"
        raise ValidationError(
            f"{name} U+{ord(char):04X} refusé (position {found.start() + 1}){allowed} ; "
            "retirez-le (il vient souvent d'un copier-coller)",
            field=field,
        )
    return value


def text(
    value: str | None,
    field: str,
    *,
    max_length: int = 200,
    required: bool = True,
    multiline: bool | None = None,
) -> str:
    """A trimmed text; ``multiline`` defaults to long texts (descriptions, observations)."""
    if multiline is None:
        multiline = max_length >= MULTILINE_FROM
    cleaned = no_control((value or "").strip(), field, multiline=multiline)
    if required and not cleaned:
        raise ValidationError("ne peut pas être vide", field=field)
    if len(cleaned) > max_length:
        raise ValidationError(
            f"trop long ({len(cleaned)} caractères, {max_length} au plus)", field=field
        )
    return cleaned


def slug(value: str | None, field: str) -> str:
    cleaned = (value or "").strip()
    if not _SLUG.match(cleaned):
        raise ValidationError(
            "attendu : minuscules, chiffres et tirets (ex. pat-salon-martigues), "
            "60 caractères au plus",
            field=field,
        )
    return cleaned


def parse_date(value: str | date | None, field: str, *, required: bool = False) -> date | None:
    """Accept a date, ISO ``AAAA-MM-JJ`` or French ``JJ/MM/AAAA``."""
    if isinstance(value, date):
        return value
    raw = (value or "").strip()
    if not raw:
        if required:
            raise ValidationError("date obligatoire (AAAA-MM-JJ ou JJ/MM/AAAA)", field=field)
        return None
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", raw):
            day, month, year = (int(p) for p in raw.split("/"))
            return date(year, month, day)
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            f"« {raw} » n'est pas une date valide (AAAA-MM-JJ ou JJ/MM/AAAA)", field=field
        ) from None


def date_range(start: date | None, end: date | None, *, start_field: str, end_field: str) -> None:
    if start and end and end < start:
        raise ValidationError(
            f"la fin ({end:%d/%m/%Y}) précède le début ({start:%d/%m/%Y})", field=end_field
        )


def within_horizon(value: date | None, horizon: date, field: str) -> None:
    if value and value > horizon:
        raise ValidationError(
            f"{value:%d/%m/%Y} dépasse l'horizon de la feuille de route ({horizon:%d/%m/%Y}) ; "
            "repoussez d'abord l'horizon",
            field=field,
        )


def amount(
    value: str | int | float | Decimal | None, field: str, *, required: bool = True
) -> Decimal | None:
    """A non-negative amount with at most two decimals; accepts a French decimal comma."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError("montant obligatoire", field=field)
        return None
    raw = value
    if isinstance(value, str):
        raw = (
            value.strip()
            .replace("\u202f", "")
            .replace("\xa0", "")
            .replace(" ", "")
            .replace("€", "")
        )
        raw = raw.replace(",", ".")
    try:
        result = Decimal(str(raw))
    except InvalidOperation:
        raise ValidationError(
            f"« {value} » n'est pas un montant (ex. 12 500,50)", field=field
        ) from None
    if not result.is_finite():
        raise ValidationError(f"« {value} » n'est pas un montant", field=field)
    if result < 0:
        raise ValidationError("le montant ne peut pas être négatif", field=field)
    if result > MAX_AMOUNT:
        raise ValidationError("montant trop grand", field=field)
    if result != result.quantize(Decimal("0.01")):
        raise ValidationError("deux décimales au plus", field=field)
    return result.quantize(Decimal("0.01"))


def reason(value: str | None, field: str = "motif") -> str:
    cleaned = no_control((value or "").strip(), field, multiline=True)
    if len(cleaned) < 3:
        raise ValidationError(
            "un motif est obligatoire pour tout changement de date ou de périmètre"
            + (
                f" (« {cleaned} » est trop court : dites en quelques mots pourquoi)"
                if cleaned
                else ""
            ),
            field=field,
        )
    return cleaned
