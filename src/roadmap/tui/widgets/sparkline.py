"""A one-character-per-value sparkline, for indicator values in a table cell.

Textual's ``Sparkline`` widget stretches a series over its width; an indicator has a
handful of dated values, so one bar per value (latest on the right) reads better in a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

BARS = "▁▂▃▄▅▆▇█"


def sparkline_text(values: Sequence[float | Decimal], width: int = 12) -> str:
    """The last ``width`` values as bars scaled between their min and max."""
    recent = [float(v) for v in values][-width:] if width > 0 else []
    if not recent:
        return ""
    low, high = min(recent), max(recent)
    if high == low:
        return BARS[len(BARS) // 2] * len(recent)
    top = len(BARS) - 1
    return "".join(BARS[round((v - low) / (high - low) * top)] for v in recent)


def trend_text(values: Sequence[float | Decimal]) -> str:
    """An arrow comparing the last value with the one before: ↗ ↘ →, or nothing."""
    if len(values) < 2:
        return ""
    last, before = values[-1], values[-2]
    return "↗" if last > before else "↘" if last < before else "→"
