"""Small French text formats shared by the screens (dates, progress, statuses)."""

from __future__ import annotations

from datetime import date

MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc.")  # fmt: skip


def date_fr(value: date | None) -> str:
    """``14/03/2027``; empty for no date."""
    return value.strftime("%d/%m/%Y") if value else ""


def month_fr(value: date) -> str:
    return f"{MONTHS[value.month - 1]} {value.year}"


def progress_bar(share: float, width: int = 10) -> str:
    """A text bar with the percentage: ``███░░░░░░░  30 %``."""
    share = min(max(share, 0.0), 1.0)
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled) + f" {round(share * 100):3d} %"


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
