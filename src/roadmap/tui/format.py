"""Screen-only text shapes (bars, cut text); dates, amounts and plurals come from
``roadmap.formatting``, shared with the command line and the report."""

from __future__ import annotations

from roadmap.formatting import date_short as date_fr
from roadmap.formatting import month_short as month_fr

__all__ = ["date_fr", "month_fr", "progress_bar", "shorten"]


def progress_bar(share: float, width: int = 10) -> str:
    """A text bar with the percentage: ``███░░░░░░░  30 %``."""
    share = min(max(share, 0.0), 1.0)
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled) + f" {round(share * 100):3d} %"


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
