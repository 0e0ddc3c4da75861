"""A text timeline: months across, jalons placed on it, the horizon at the end.

``layout_timeline`` is pure (dates in, lines of text out) so it is unit-tested without a
screen; ``Timeline`` is the widget that paints it with theme colours.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

MONTHS_FR = ("jan", "fév", "mar", "avr", "mai", "jun", "jul", "aoû", "sep", "oct", "nov", "déc")
SYMBOLS = {"prevu": "◆", "tenu": "●", "annule": "✕"}
PLANNED = "○"  # where a re-routed jalon was first planned
GHOST = "◇"  # where the jalon stood in the baseline shown beside the plan
TODAY = "│"
HORIZON = "⚑"
TRACK = "─"
MAX_LANES = 2


@dataclass(frozen=True)
class Mark:
    """One jalon on the timeline: its current date, and its first date if it moved."""

    ref: str
    when: date
    status: str = "prevu"
    planned: date | None = None
    baseline: date | None = None  # its date in a baseline (ghost marker)


@dataclass
class TimelineLayout:
    lines: list[str]
    columns: dict[str, int] = field(default_factory=dict)  # ref → column of its marker
    today_column: int | None = None
    labels: dict[str, tuple[int, int]] = field(default_factory=dict)  # ref → (line, column)
    hidden: list[str] = field(default_factory=list)  # refs without room for their label

    @property
    def width(self) -> int:
        return max((len(line) for line in self.lines), default=0)


def _month_index(day: date, first: date) -> int:
    return (day.year - first.year) * 12 + day.month - first.month


def _add_months(first: date, months: int) -> date:
    total = first.month - 1 + months
    return date(first.year + total // 12, total % 12 + 1, 1)


def layout_timeline(
    marks: Sequence[Mark],
    *,
    width: int,
    today: date | None = None,
    horizon: date | None = None,
) -> TimelineLayout:
    """Lay the marks on a month scale that fits ``width`` columns.

    Lines: years, months, the track (markers, today, horizon), then up to two lanes of
    references placed under their marker without overlapping.
    """
    dates = [m.when for m in marks] + [m.planned for m in marks if m.planned]
    dates += [m.baseline for m in marks if m.baseline]
    dates += [d for d in (today, horizon) if d]
    if not dates or width < 12:
        return TimelineLayout(lines=["(aucun jalon à placer)"])
    start = min(dates).replace(day=1)
    end = max(dates)
    months = _month_index(end, start) + 1
    cell = max(1, width // months)
    if cell == 1 and months > width:
        months = width  # too long a span for the width: the far end is cut
    total = months * cell

    def column(day: date) -> int | None:
        index = _month_index(day, start)
        if not 0 <= index < months:
            return None
        days = calendar.monthrange(day.year, day.month)[1]
        return index * cell + min(cell - 1, (day.day - 1) * cell // days)

    years = [" "] * total
    names = [" "] * total
    # Januaries first, then the starting year if it fits before the next one (one space).
    year_starts = [i for i in range(months) if _add_months(start, i).month == 1]
    for index in [*year_starts, 0]:
        at, label = index * cell, str(_add_months(start, index).year)
        if at + len(label) <= total and all(
            c == " " for c in years[max(0, at - 1) : at + len(label) + 1]
        ):
            years[at : at + len(label)] = label
    for index in range(months):
        month = _add_months(start, index)
        at = index * cell
        label = MONTHS_FR[month.month - 1] if cell >= 4 else MONTHS_FR[month.month - 1][0]
        if cell >= 2:
            names[at : at + len(label)] = label[: max(1, cell - 1)]
        elif month.month == 1:
            names[at] = "|"

    track = [TRACK] * total
    today_column = column(today) if today else None
    if today_column is not None:
        track[today_column] = TODAY
    if horizon and (at := column(horizon)) is not None:
        track[at] = HORIZON
    for mark in marks:
        if mark.planned and mark.planned != mark.when and (at := column(mark.planned)) is not None:
            if track[at] in (TRACK, TODAY):
                track[at] = PLANNED
    for mark in marks:
        ghost = mark.baseline and mark.baseline != mark.when
        if ghost and (at := column(mark.baseline)) is not None:  # type: ignore[arg-type]
            if track[at] in (TRACK, TODAY, PLANNED):
                track[at] = GHOST
    columns: dict[str, int] = {}
    for mark in sorted(marks, key=lambda m: (m.when, m.ref)):
        at = column(mark.when)
        if at is None:
            continue
        columns[mark.ref] = at
        track[at] = SYMBOLS.get(mark.status, SYMBOLS["prevu"])

    lanes: list[list[str]] = [[" "] * total for _ in range(MAX_LANES)]
    hidden: list[str] = []
    labels: dict[str, tuple[int, int]] = {}
    for ref, at in sorted(columns.items(), key=lambda item: (item[1], item[0])):
        begin = min(at, max(0, total - len(ref)))  # near the right edge, shift left
        for number, lane in enumerate(lanes):
            if begin + len(ref) <= total and all(
                c == " " for c in lane[max(0, begin - 1) : begin + len(ref)]
            ):
                lane[begin : begin + len(ref)] = ref
                labels[ref] = (3 + number, begin)
                break
        else:
            hidden.append(ref)
    lines = ["".join(years), "".join(names), "".join(track)]
    lines += ["".join(lane) for lane in lanes if any(c != " " for c in lane)]
    return TimelineLayout(
        lines=[line.rstrip() for line in lines],
        columns=columns,
        today_column=today_column,
        labels=labels,
        hidden=hidden,
    )


class Timeline(Widget):
    """Paints ``layout_timeline`` at the widget's width; the selected jalon stands out."""

    DEFAULT_CSS = """
    Timeline {
        height: auto;
        min-height: 3;
        padding: 0 1;
    }
    Timeline > .timeline--selected {
        color: $accent;
        text-style: bold reverse;
    }
    Timeline > .timeline--today {
        color: $warning;
        text-style: bold;
    }
    Timeline > .timeline--horizon {
        color: $success;
        text-style: bold;
    }
    Timeline > .timeline--scale {
        color: $text-muted;
    }
    """
    COMPONENT_CLASSES = {
        "timeline--selected",
        "timeline--today",
        "timeline--horizon",
        "timeline--scale",
    }

    marks: reactive[tuple[Mark, ...]] = reactive((), layout=True)
    selected: reactive[str | None] = reactive(None)
    today: reactive[date | None] = reactive(None, layout=True)
    horizon: reactive[date | None] = reactive(None, layout=True)

    def _layout(self) -> TimelineLayout:
        width = max(12, self.content_region.width or self.size.width or 80)
        return layout_timeline(self.marks, width=width, today=self.today, horizon=self.horizon)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        marks, today, horizon = self.marks, self.today, self.horizon
        return len(layout_timeline(marks, width=max(12, width), today=today, horizon=horizon).lines)

    def render(self) -> Text:
        layout = self._layout()
        scale = self.get_component_rich_style("timeline--scale")
        text = Text()
        for number, line in enumerate(layout.lines):
            piece = Text(line, style=scale if number < 2 else Style())
            if number == 2:
                for at, char in enumerate(line):
                    if char == TODAY:
                        piece.stylize(self.get_component_rich_style("timeline--today"), at, at + 1)
                    elif char == HORIZON:
                        piece.stylize(
                            self.get_component_rich_style("timeline--horizon"), at, at + 1
                        )
            selected = self.selected
            if selected in layout.columns:
                selected_style = self.get_component_rich_style("timeline--selected")
                if number == 2:
                    at = layout.columns[selected]
                    piece.stylize(selected_style, at, at + 1)
                elif layout.labels.get(selected, (None, 0))[0] == number:
                    at = layout.labels[selected][1]
                    piece.stylize(selected_style, at, at + len(selected))
            if number:
                text.append("\n")
            text.append_text(piece)
        return text
