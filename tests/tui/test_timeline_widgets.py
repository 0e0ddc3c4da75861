"""Pure layout of the jalons timeline and the indicator sparkline (no app needed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from roadmap.tui.widgets.sparkline import sparkline_text, trend_text
from roadmap.tui.widgets.timeline import (
    HORIZON,
    PLANNED,
    SYMBOLS,
    TODAY,
    Mark,
    layout_timeline,
)

MARKS = [
    Mark("J1", date(2025, 3, 12), "tenu"),
    Mark("J2", date(2025, 6, 5), planned=date(2025, 5, 20)),
    Mark("J3", date(2025, 6, 9)),
    Mark("J4", date(2025, 11, 3), "annule"),
]


def test_months_across_and_jalons_placed_in_date_order() -> None:
    layout = layout_timeline(MARKS, width=96, today=date(2025, 9, 1), horizon=date(2026, 12, 31))
    years, months, track = layout.lines[:3]
    assert years.startswith("2025") and "2026" in years
    assert months.split()[:4] == ["mar", "avr", "mai", "jun"]
    cols = layout.columns
    assert cols["J1"] < cols["J2"] < cols["J3"] < cols["J4"]
    assert track[cols["J1"]] == SYMBOLS["tenu"]
    assert track[cols["J2"]] == SYMBOLS["prevu"]
    assert track[cols["J4"]] == SYMBOLS["annule"]
    assert track[layout.today_column] == TODAY
    assert cols["J2"] < layout.today_column < cols["J4"]
    assert track.rstrip().endswith(HORIZON)
    assert PLANNED in track[: cols["J2"]]  # the first date of the re-routed jalon


def test_every_label_sits_on_a_lane_without_overlap() -> None:
    layout = layout_timeline(MARKS, width=96, today=date(2025, 9, 1))
    assert not layout.hidden
    for ref, (line, column) in layout.labels.items():
        assert layout.lines[line][column : column + len(ref)] == ref


def test_fits_narrow_widths_and_hides_what_has_no_room() -> None:
    crowded = [Mark(f"J{i}", date(2025, 6, 1 + i)) for i in range(1, 9)]
    layout = layout_timeline(crowded, width=30, today=date(2025, 1, 1))
    assert layout.width <= 30
    assert layout.hidden  # 8 refs in the same month cannot all be labelled
    assert set(layout.hidden) | set(layout.labels) == {m.ref for m in crowded}


def test_long_span_is_cut_to_the_width() -> None:
    far = [Mark("J1", date(2020, 1, 1)), Mark("J2", date(2030, 1, 1))]
    layout = layout_timeline(far, width=40)
    assert layout.width <= 40
    assert "J1" in layout.columns and "J2" not in layout.columns


def test_empty_timeline_says_so() -> None:
    assert layout_timeline([], width=80).lines == ["(aucun jalon à placer)"]


def test_sparkline_scales_between_min_and_max() -> None:
    assert sparkline_text([1, 2, 3]) == "▁▅█"
    assert sparkline_text([Decimal("4.5")] * 3) == "▅▅▅"
    assert sparkline_text([]) == ""
    assert sparkline_text(list(range(30)), width=5) == "▁▃▅▆█"


def test_trend_arrow() -> None:
    assert trend_text([1, 3]) == "↗"
    assert trend_text([3, 1]) == "↘"
    assert trend_text([2, 2]) == "→"
    assert trend_text([2]) == ""
