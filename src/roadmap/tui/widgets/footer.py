"""The footer, never cut in the middle of a word.

Textual's footer clips its keys at the right edge (« ^r Actua »). This one leaves out,
from the right, the keys that would not fit whole: the first keys (help, quit, back, the
screen's main keys) stay, and the help (« ? ») lists every key of the screen.

Which keys fit is computed from the text of each key and the terminal's width when the
footer is composed, not from a laid-out region, so the same screen at the same size always
shows the same keys (a layout-driven fit depended on when the refresh ran).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def key_width(key: FooterKey) -> int:
    """Cells a non-compact FooterKey takes: « key » padded by one on each side, then the
    description followed by one space (Textual's default footer styles)."""
    width = cell_len(key.key_display) + 2
    if key.description:
        width += cell_len(key.description) + 1
    return width


def fitting(widgets: Iterable[Widget], width: int) -> list[Widget]:
    """Keep keys in order while they fit whole; the command-palette key (docked right)
    takes its room first."""
    widgets = list(widgets)
    palette = [w for w in widgets if w.has_class("-command-palette")]
    room = width - sum(key_width(p) + 2 for p in palette if isinstance(p, FooterKey))
    kept: list[Widget] = []
    used = 0
    for widget in widgets:
        if widget in palette:
            continue
        if isinstance(widget, FooterKey) and not widget.has_class("-grouped"):
            used += key_width(widget)
            if used > room:
                break
        kept.append(widget)
    return kept + palette


class FittedFooter(Footer):
    _composed_width = 0
    _composed_keys: tuple[object, ...] | None = None

    def _keys(self) -> tuple[object, ...]:
        """What the footer is made from: the screen's keys as shown, and the width."""
        return (
            self._bindings_ready,
            self.app.size.width,
            self.compact,
            self.show_command_palette,
            tuple(
                (b.key, b.action, b.description, b.show, b.key_display, b.group, on, tip)
                for _node, b, on, tip in self.screen.active_bindings.values()
            ),
        )

    async def recompose(self) -> None:
        # A screen signals its keys several times while it mounts (focus, late widgets):
        # remaking the same keys each time cost a fifth of its first frame (issue 15).
        if self.is_attached and self._keys() == self._composed_keys:
            return
        await super().recompose()

    def compose(self) -> ComposeResult:
        self._composed_keys = self._keys()
        self._composed_width = self.app.size.width
        for widget in fitting(super().compose(), self._composed_width):
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                # Born compact, a key then takes the footer's value once mounted: one
                # restyling per key at each recomposition (about a third of a screen's
                # first frame, issue 15). Born with that value, the bind changes nothing.
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def on_resize(self, _event: events.Resize) -> None:
        if self.app.size.width != self._composed_width:
            self.refresh(recompose=True)
