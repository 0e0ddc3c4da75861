"""The footer, never cut in the middle of a word.

Textual's footer clips its keys at the right edge (« ^r Actua »). This one hides the keys
that do not fit whole, from the right: the first keys (help, quit, back, the screen's
main keys) stay, and the help (« ? ») lists every key of the screen.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer


class FittedFooter(Footer):
    def compose(self) -> ComposeResult:
        yield from super().compose()
        self.call_after_refresh(self.fit)

    def on_resize(self, _event: events.Resize) -> None:
        for key in self.query("FooterKey"):
            key.display = True
        self.call_after_refresh(self.fit)

    def fit(self) -> None:
        """Hide, from the right, every key that would be cut by the edge or the palette."""
        keys = [k for k in self.query("FooterKey") if not k.has_class("-command-palette")]
        palette = [k for k in self.query("FooterKey") if k.has_class("-command-palette")]
        edge = self.region.right - sum(p.outer_size.width for p in palette)
        cut = False
        for key in keys:
            cut = cut or key.region.right > edge
            if cut and key.display:
                key.display = False
