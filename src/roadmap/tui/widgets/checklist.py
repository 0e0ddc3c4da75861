"""Boxes that read without colour: « X » ticked, blank not ticked (lists and single boxes).

Textual draws the same « X » in both states and tells them apart by colour only.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets.option_list import OptionDoesNotExist


class CheckList(SelectionList[str]):
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 4 or len(segments[1].text) != 1:
            return strip
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        mark = "X" if option.value in self.selected else " "
        segments[1] = Segment(mark, segments[1].style)
        return Strip(segments, strip.cell_length)


class CheckBox(Checkbox):
    """A single box: « X » when ticked, blank when not."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.BUTTON_INNER = "X" if self.value else " "

    def watch_value(self, value: bool) -> None:
        self.BUTTON_INNER = "X" if value else " "
        self.refresh()
