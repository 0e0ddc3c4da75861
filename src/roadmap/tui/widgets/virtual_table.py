"""A table that renders only the visible rows (Line API), with cursor, sort and filter.

Textual's DataTable measures every cell up front (≈ 0.12 ms per row, RISKS 18); this one
keeps the rows as they are and formats a cell only when its line is painted, so first
paint and key presses cost the same with 50 rows or 50,000.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, compress, islice, repeat
from typing import Any, ClassVar, Generic, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

R = TypeVar("R")

TONES = ("error", "warning", "success", "muted", "accent")
_ROW = ("even", "odd", "cursor")  # the component styles every row line uses
_INT = struct.calcsize("i")  # bytes of one packed row index (``_find``)


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: how to show a row's cell, how to sort it, how wide it is."""

    key: str
    title: str
    value: Callable[[R], str]
    width: int = 10
    sort_key: Callable[[R], Any] | None = None
    flex: bool = False  # takes the width left over by the others (at least ``width``)
    hide_below: int = 0  # hidden when the table is narrower than this
    tone: Callable[[R], str] | None = None  # one of TONES, or "" for the normal style
    align_right: bool = False


def fit(text: str, width: int, right: bool = False) -> str:
    """Pad or cut ``text`` to exactly ``width`` cells (an ellipsis marks a cut)."""
    length = cell_len(text)
    if length <= width:
        pad = " " * (width - length)
        return pad + text if right else text + pad
    if text.isprintable() and max(text) < "\u0300":
        # Printable below U+0300 (Latin, accents included): one cell each (rich.cells),
        # so no measuring character by character, the longest part of painting a row.
        return text[: width - 1] + "…"
    out, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…" + " " * (width - 1 - used)


def _find(packed: bytes, index: int) -> int:
    """Position of ``index`` in an order packed as C ints (0 if absent)."""
    needle, size = struct.pack("i", index), _INT
    at = packed.find(needle)
    while at > 0 and at % size:  # bytes straddling two ints: not a match, look further
        at = packed.find(needle, at + 1)
    return at // size if at >= 0 else 0


def _picked(rows: tuple[int, ...], mask: bytes) -> tuple[int, ...]:
    """The ``rows`` whose byte in ``mask`` is set, in their order; in C (``itemgetter``
    reads the bytes 1.5x faster than ``map(mask.__getitem__)``)."""
    if len(rows) < 2:  # itemgetter of one index gives the byte itself, not a tuple
        return tuple([i for i in rows if mask[i]])
    return tuple(compress(rows, operator.itemgetter(*rows)(mask)))


@dataclass
class _Paint:
    """What every line of one paint shares, read once (``VirtualTable.render_lines``)."""

    base: Style  # the widget's own style
    width: int
    scroll_x: int
    scroll_y: int
    styles: dict[str, Style]  # component styles, fetched once each


class VirtualTable(ScrollView, Generic[R], can_focus=True, inherit_bindings=False):
    """Rows are any objects; columns say how to show them. Line 0 is the fixed header."""

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        height: 1fr;
    }
    VirtualTable > .virtual-table--header {
        background: $panel;
        color: $text;
        text-style: bold;
    }
    VirtualTable > .virtual-table--sorted { text-style: bold underline; }
    VirtualTable > .virtual-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
    }
    VirtualTable:focus > .virtual-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    VirtualTable > .virtual-table--even { background: $surface; }
    VirtualTable > .virtual-table--odd { background: $boost; }
    VirtualTable > .virtual-table--error { color: $text-error; }
    VirtualTable > .virtual-table--warning { color: $text-warning; }
    VirtualTable > .virtual-table--success { color: $text-success; }
    VirtualTable > .virtual-table--muted { color: $text-muted; }
    VirtualTable > .virtual-table--accent { color: $text-accent; }
    VirtualTable > .virtual-table--empty { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--sorted",
        "virtual-table--cursor",
        "virtual-table--even",
        "virtual-table--odd",
        "virtual-table--empty",
        *(f"virtual-table--{t}" for t in TONES),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Haut", show=False),
        Binding("down", "cursor_down", "Bas", show=False),
        Binding("pageup", "page_up", "Page précédente", show=False),
        Binding("pagedown", "page_down", "Page suivante", show=False),
        Binding("home", "first", "Première ligne", show=False),
        Binding("end", "last", "Dernière ligne", show=False),
        Binding("enter", "select", "Ouvrir"),  # in the footer: how to open a row
        Binding("left", "scroll_left", "Défiler à gauche", show=False),
        Binding("right", "scroll_right", "Défiler à droite", show=False),
    ]

    cursor = reactive(0, always_update=True, repaint=False)
    # A search reading more texts than this in one key shows a first screenful at once
    # and completes between frames (issue 15: every key ≤ 5 ms of CPU at 50,000 rows).
    SEARCH_READS = 5_000
    SEARCH_CHUNK = 10_000  # texts read per step of a long search, in row order (≈ 1 ms)
    SEARCH_PROBE = 2_000  # candidates read for the first screenful, at most

    class RowHighlighted(Message):
        def __init__(self, table: VirtualTable[Any], row: Any | None) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> VirtualTable[Any]:
            return self.table

    class RowSelected(RowHighlighted):
        """Enter or a click on the highlighted row."""

    class Searched(Message):
        """A long search completed between frames: the view holds every hit now."""

        def __init__(self, table: VirtualTable[Any]) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> VirtualTable[Any]:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column[R]],
        *,
        row_key: Callable[[R], str] = str,
        search_text: Callable[[R], str] | None = None,
        empty_text: str = "aucune ligne",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.row_key = row_key
        self.empty_text = empty_text
        self.search_text = search_text
        self.rows: list[R] = []
        self.view: Sequence[int] = ()  # indices into rows, filtered and sorted
        self.sort_column: str | None = None
        self.sort_reverse = False
        self._predicate: Callable[[R], bool] | None = None
        self._needle = ""
        self._layout: list[tuple[Column[R], int, int]] = []  # (column, x, width)
        # Per data set, computed once (issue 15: a sort or search key ≤ 5 ms at 50,000 rows).
        # Tuples, not lists: a tuple of ints or strings drops out of the garbage collector's
        # passes (a list of 50,000 is walked item by item in each), see tui/heap.py.
        Order = tuple[int, ...]
        self._indices: Order | None = None  # 0..n-1, one int object each, shared by every
        # order and hit list below (iterating a ``range`` makes 28-byte ints anew)
        self._orders: dict[tuple[str, bool], Order] = {}  # (column, reverse) → row order
        # The same orders packed as C ints (``warm``): where the cursor's row is in one is a
        # ``bytes.find``, not ``tuple.index`` comparing int objects scattered in memory.
        self._packed: dict[tuple[str, bool], bytes] = {}
        self._texts: tuple[str, ...] | None = None  # lower-case search text of each row
        self._positions: dict[str, int] | None = None  # row key → index in rows
        # Search hits per (needle, sort order), in that order: typing narrows the previous
        # needle's hits, backspace finds its needle again.
        self._hits: dict[tuple[str, str | None, bool], Order] = {}
        # Per needle, one byte per row (1: its search text holds the needle), found in row
        # order: reading the texts in a sort order jumps around memory, 3 to 4x slower.
        self._masks: dict[str, bytes] = {}
        self._warm_wanted = False  # ``warm`` asked once: done again after ``forget_keys``
        self._warm_run = 0  # the current warm; an older one stops at its next step
        self._warm_done: list[Callable[[], object]] = []
        self._search_run = 0  # the current search; an older one still completing stops
        self.searching = False  # a long search shows its first hits, the rest is coming
        self._cells: dict[int, list[tuple[str, str]]] = {}  # row index → (text, tone) shown
        # (row index, even/odd + 2 if under the cursor) → its painted line, while the cells
        # and the component styles stay the same: a key repaints the rows it shows again
        # without making them anew. About three screens: the garbage collector walks them.
        self._strips: dict[tuple[int, int], Strip] = {}
        self._strip_styles: tuple[object, ...] = ()
        self._paint: _Paint | None = None  # what every line of one paint shares

    # --- data -----------------------------------------------------------------------------

    @property
    def current(self) -> R | None:
        if not self.view:
            return None
        return self.rows[self.view[min(self.cursor, len(self.view) - 1)]]

    def view_rows(self) -> list[R]:
        """The rows shown, in display order (after filter and sort)."""
        return [self.rows[i] for i in self.view]

    def set_rows(self, rows: Sequence[R], *, keep: str | None = None) -> None:
        """Replace every row; the cursor stays on ``keep`` (or the current row's key)."""
        if keep is None and self.current is not None:
            keep = self.row_key(self.current)
        self.rows = list(rows)
        self.forget_keys()
        self._rebuild(keep)

    def update_row(self, row: R) -> None:
        """Replace the row with the same key in place (a quick status change, say)."""
        index = self._row_positions().get(self.row_key(row))
        if index is not None:
            self.rows[index] = row
            texts, positions = self._texts, self._positions
            self.forget_keys()
            if texts is not None and self.search_text is not None:
                text = self.search_text(row).lower()  # not 50,000 texts made again
                texts = (*texts[:index], text, *texts[index + 1 :])
            self._texts, self._positions = texts, positions
        self.refresh()
        self._post_highlight()

    def forget_keys(self, column: str | None = None) -> None:
        """Drop the cached sort orders (of one column) and search texts: the data changed."""
        self._cells.clear()
        self._strips.clear()
        if column is None:
            self._orders.clear()
            self._packed.clear()
            self._hits.clear()
            self._masks.clear()
            self._texts = None
            self._positions = None
            self._indices = None
        else:
            self._orders = {k: v for k, v in self._orders.items() if k[0] != column}
            self._packed = {k: v for k, v in self._packed.items() if k[0] != column}
            self._hits = {k: v for k, v in self._hits.items() if k[1] != column}
        self._warm_run += 1  # a warm in progress may hold what was just dropped
        self._search_run += 1  # and so may a search completing: it starts again
        if self.searching:
            self.call_after_refresh(self._search_again, self._search_run)
        if self._warm_wanted:
            self.warm()  # the next first sort or search stays as cheap as the others

    def set_filter(self, predicate: Callable[[R], bool] | None, needle: str = "") -> None:
        """Rows kept: ``predicate`` true and ``needle`` (lower case) in their search text."""
        current = self.current
        self._predicate = predicate
        self._needle = needle if self.search_text is not None else ""
        self._rebuild(self.row_key(current) if current is not None else None)

    def sort_by(self, column_key: str | None, reverse: bool = False) -> None:
        current = self.current
        self.sort_column = column_key
        self.sort_reverse = reverse
        self._rebuild(self.row_key(current) if current is not None else None)

    def cycle_sort(self) -> None:
        """Next visible column, ascending; used by a key."""
        keys = [c.key for c, _, _ in self._layout] or [c.key for c in self.columns]
        index = keys.index(self.sort_column) + 1 if self.sort_column in keys else 0
        self.sort_by(keys[index % len(keys)])

    def _order(self, column: Column[R], reverse: bool) -> tuple[int, ...]:
        """Every row index in the column's order: one sort per column and data set.

        Python's sort is stable, also with ``reverse``: rows with equal keys keep their
        order, exactly as sorting the shown rows each time would.
        """
        cached = self._orders.get((column.key, reverse))
        if cached is None:
            key_of = column.sort_key or column.value
            keys = [key_of(row) for row in self.rows]
            cached = tuple(sorted(self._row_indices(), key=keys.__getitem__, reverse=reverse))
            self._orders[(column.key, reverse)] = cached
        return cached

    def _row_indices(self) -> tuple[int, ...]:
        if self._indices is None or len(self._indices) != len(self.rows):
            self._indices = tuple(range(len(self.rows)))
        return self._indices

    def _search_texts(self) -> tuple[str, ...]:
        if self._texts is None:
            text_of = self.search_text or str
            self._texts = tuple([text_of(row).lower() for row in self.rows])
        return self._texts

    def _mask(self, needle: str) -> bytes:
        """One byte per row, 1 where the row's search text holds ``needle``; in C, reading
        the texts in row order (in the order they sit in memory)."""
        mask = self._masks.get(needle)
        if mask is None:
            mask = bytes(map(operator.contains, self._search_texts(), repeat(needle)))
            if len(self._masks) >= 16:
                self._masks.clear()
            self._masks[needle] = mask
        return mask

    def _among(self, order: tuple[int, ...], needle: str) -> tuple[int, ...]:
        """The fewest rows, in ``order``, that may hold ``needle``: the hits of a shorter
        needle it contains, found before in this order, or every row."""
        among = order
        for (known, column, reverse), hits in self._hits.items():
            same_order = column == self.sort_column and reverse == self.sort_reverse
            if same_order and known in needle and len(hits) < len(among):
                among = hits
        return among

    def _found(self, order: tuple[int, ...], needle: str) -> tuple[int, ...] | None:
        """Rows of ``order`` (in that order) whose search text holds ``needle``; None if
        that means reading more than ``SEARCH_READS`` texts (``_search_later`` does it).

        In C (``compress``/``map``, no Python loop). A needle seen before is reused. A
        longer one starts from the hits of a shorter one (``_among``). Reading texts in a
        sort order jumps around memory (≈ 0.4 µs a text at 50,000 rows, 4x reading them
        in row order): past a quarter of the rows, every text is read in row order into
        a mask instead, and ``among`` keeps the rows the mask holds.
        """
        key = (needle, self.sort_column, self.sort_reverse)
        found = self._hits.get(key)
        if found is not None:
            return found
        if self._texts is None and len(self.rows) > self.SEARCH_READS:
            return None  # the texts are not made yet (``warm``): made between frames too
        among = self._among(order, needle)
        in_row_order = order is self._indices  # unsorted: the hits are read in memory order
        if len(among) * 4 <= len(order) or (in_row_order and among is not order):
            if len(among) * (1 if in_row_order else 4) > self.SEARCH_READS:
                return None
            texts = self._search_texts()
            contains = map(operator.contains, map(texts.__getitem__, among), repeat(needle))
            found = tuple(compress(among, contains))
        else:
            mask = self._masks.get(needle)
            if mask is None:
                if len(self.rows) > self.SEARCH_READS:
                    return None
                mask = self._mask(needle)
            if len(among) > self.SEARCH_READS and not self._kept_at_once(order, among, mask):
                return None  # ≈ 30 ns a row in a sort order: 1.5 ms at 50,000, done in steps
            found = self._kept(order, among, mask)
        self._remember(key, found)
        return found

    def _kept_at_once(self, order: tuple[int, ...], among: tuple[int, ...], mask: bytes) -> bool:
        """Whether ``_kept`` reads ``mask`` in row order (or not at all): < 1 ms at 50,000."""
        return (among is order and order is self._indices) or 0 not in mask

    def _kept(self, order: tuple[int, ...], among: tuple[int, ...], mask: bytes) -> tuple[int, ...]:
        """The rows of ``among`` that ``mask`` holds, in their order."""
        if 0 not in mask:
            return among  # every row: kept as is (never changed in place)
        if among is order and order is self._indices:
            return tuple(compress(order, mask))
        return _picked(among, mask)

    def _remember(self, key: tuple[str, str | None, bool], found: tuple[int, ...]) -> None:
        if len(self._hits) >= 64:
            self._hits.clear()
        self._hits[key] = found

    def _rebuild(self, keep: str | None) -> None:
        predicate, needle, rows = self._predicate, self._needle, self.rows
        self._search_run += 1  # a search still completing is for another needle or order
        column = next((c for c in self.columns if c.key == self.sort_column), None)
        order: tuple[int, ...] = (
            self._row_indices() if column is None else self._order(column, self.sort_reverse)
        )
        view = self._found(order, needle) if needle else order
        self.searching = view is None
        if view is None:  # a long search: a first screenful now, the rest between frames
            view = self._first_hits(order, needle)
        if predicate is not None:
            view = tuple([i for i in view if predicate(rows[i])])
        # Never changed in place: a cached order or hit list itself is the view.
        self.view = view
        cursor = 0
        if keep is not None:
            index = self._row_positions().get(keep)
            if index is not None:
                cursor = self._position_in_view(index)
        self._update_virtual_size()
        self.cursor = cursor
        self.refresh()
        if self.searching:
            self._search_later(order, needle, keep)

    def _first_hits(self, order: tuple[int, ...], needle: str) -> tuple[int, ...]:
        """Enough hits to fill the screen, among the first ``SEARCH_PROBE`` candidates."""
        head = self._among(order, needle)[: self.SEARCH_PROBE]
        if self._texts is not None:
            texts = map(self._texts.__getitem__, head)
        else:  # not made yet: only those read (lazily, until the screen is full)
            text_of, rows = self.search_text or str, self.rows
            texts = (text_of(rows[i]).lower() for i in head)
        contains = map(operator.contains, texts, repeat(needle))
        return tuple(islice(compress(head, contains), max(self.size.height, 24) * 2))

    def _search_later(self, order: tuple[int, ...], needle: str, keep: str | None) -> None:
        """Complete a long search, ``SEARCH_CHUNK`` texts per step between frames; a new
        key, sort or data set stops it. The cursor then goes back to ``keep`` unless it
        moved meanwhile, and ``Searched`` tells the screen (its count of rows)."""
        run, cursor, steps = self._search_run, self.cursor, self._search_steps(order, needle)

        def step() -> None:
            if self._search_run != run or not self.is_attached:
                return
            if next(steps, False):
                self.call_after_refresh(step)
                return
            moved = self.cursor != cursor and self.current is not None
            self._rebuild(self.row_key(self.current) if moved else keep)  # type: ignore[arg-type]
            self.post_message(self.Searched(self))

        self.call_after_refresh(step)

    def _search_steps(self, order: tuple[int, ...], needle: str) -> Iterator[bool]:
        """Yield (True) between bounded pieces of a long search (see ``_search_later``)."""
        mask = self._masks.get(needle)
        if mask is None:
            texts, chunk, parts = self._texts, self.SEARCH_CHUNK, []
            made: list[str] = []  # the texts, if not made yet: made here, as ``warm`` would
            text_of, rows = self.search_text or str, self.rows
            for start in range(0, len(rows), chunk):
                if texts is not None:
                    part: Sequence[str] = texts[start : start + chunk]
                else:
                    part = [text_of(row).lower() for row in rows[start : start + chunk]]
                    made += part
                parts.append(bytes(map(operator.contains, part, repeat(needle))))
                yield True
            if texts is None and self._texts is None:
                self._texts = tuple(made)
            mask = b"".join(parts)
            if len(self._masks) >= 16:
                self._masks.clear()
            self._masks[needle] = mask
        among = self._among(order, needle)
        if self._kept_at_once(order, among, mask):
            found = self._kept(order, among, mask)
        else:  # read in a sort order: in pieces too
            pieces = []
            for start in range(0, len(among), self.SEARCH_CHUNK):
                pieces.append(_picked(among[start : start + self.SEARCH_CHUNK], mask))
                yield True
            found = tuple(chain.from_iterable(pieces))
        self._remember((needle, self.sort_column, self.sort_reverse), found)

    def _search_again(self, run: int) -> None:
        if run == self._search_run and self.searching:  # nothing newer restarted it
            current = self.current
            self._rebuild(self.row_key(current) if current is not None else None)

    def _position_in_view(self, index: int) -> int:
        """Where row ``index`` is in the view (0 if hidden): a search in C, in the packed
        order when the view is a whole sort order (< 0.2 ms at 50,000 rows, 0.3 to 2 ms
        with ``tuple.index``)."""
        view, key = self.view, (self.sort_column or "", self.sort_reverse)
        if view is self._indices:
            return index if index < len(view) else 0
        packed = self._packed.get(key)
        if packed is not None and view is self._orders.get(key):
            return _find(packed, index)
        try:
            return view.index(index)
        except ValueError:
            return 0

    WARM_CHUNK = 2000  # rows per step of ``warm``: ≈ 2-3 ms of work between two frames

    def warm(self, on_done: Callable[[], object] | None = None) -> None:
        """Compute ahead, between frames, what the first search and each first sort (both
        ways) would: the first key on a large table then costs no more than the next ones.
        Nothing already computed is done again; ``forget_keys`` warms again by itself.

        The search texts are made ``WARM_CHUNK`` rows per step; a column's sort keys too,
        then its sort, one call in C (50,000 rows: ≈ 10-20 ms, the longest step).
        ``on_done`` runs once everything is ready for the current rows."""
        self._warm_wanted = True
        if on_done is not None:
            self._warm_done.append(on_done)
        self._warm_run += 1
        run, steps = self._warm_run, self._warm_steps()

        def step() -> None:
            if self._warm_run != run or not self.is_attached:
                return  # data forgotten or widget gone: a newer warm (if any) goes on
            if next(steps, False):
                self.call_after_refresh(step)
                return
            done, self._warm_done = self._warm_done, []
            for callback in done:
                callback()

        self.call_after_refresh(step)

    def _warm_steps(self) -> Iterator[bool]:
        """Yield (True) between bounded pieces of work (see ``warm``)."""
        rows, chunk = self.rows, self.WARM_CHUNK
        if self._texts is None and self.search_text is not None:
            text_of, texts = self.search_text, []
            for start in range(0, len(rows), chunk):
                texts += [text_of(row).lower() for row in rows[start : start + chunk]]
                yield True
            if self._texts is None:  # a key may have needed them meanwhile
                self._texts = tuple(texts)
        self._row_indices()
        for column in self.columns:
            keys: list[Any] | None = None
            for reverse in (False, True):
                if (column.key, reverse) in self._orders:
                    continue
                if keys is None:
                    key_of, keys = column.sort_key or column.value, []
                    for start in range(0, len(rows), chunk):
                        keys += [key_of(row) for row in rows[start : start + chunk]]
                        yield True
                order = tuple(sorted(self._row_indices(), key=keys.__getitem__, reverse=reverse))
                order = self._orders.setdefault((column.key, reverse), order)
                yield True
                # Packed in one call: an intermediate array, once freed, left ≈ 10 MiB of
                # heap the process kept at 50,000 rows (measured, resident memory).
                self._packed[(column.key, reverse)] = struct.pack(f"{len(order)}i", *order)

    def _row_positions(self) -> dict[str, int]:
        if self._positions is None:
            self._positions = {self.row_key(row): i for i, row in enumerate(self.rows)}
        return self._positions

    # --- geometry ------------------------------------------------------------------------------

    def _update_virtual_size(self) -> None:
        self._layout_columns()
        width = sum(w for _, _, w in self._layout) + len(self._layout)
        self.virtual_size = Size(width, len(self.view) + 1)

    def _layout_columns(self) -> None:
        available = self.scrollable_content_region.width or self.size.width or 80
        shown = [c for c in self.columns if available >= c.hide_below]
        fixed = sum(c.width for c in shown if not c.flex) + len(shown)
        flex = [c for c in shown if c.flex]
        spare = max(available - fixed, 0)
        layout, x = [], 0
        for column in shown:
            width = column.width
            if column.flex:
                width = max(column.width, spare // len(flex))
            layout.append((column, x, width))
            x += width + 1
        if layout != self._layout:
            self._cells.clear()  # other columns or widths: cells are fitted again
            self._strips.clear()
        self._layout = layout

    def on_resize(self, _event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_to_cursor()

    @property
    def page_height(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_y)
        height = self.page_height
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def watch_cursor(self, old: int, new: int) -> None:
        if self.view:
            clamped = min(max(new, 0), len(self.view) - 1)
            if clamped != new:
                self.cursor = clamped
                return
        self._scroll_to_cursor()
        self.refresh()  # repaints only the visible lines: a screenful, whatever the row count
        self._post_highlight()

    def _post_highlight(self) -> None:
        self.post_message(self.RowHighlighted(self, self.current))

    # --- painting ------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        if self._paint is None:
            return self.get_component_rich_style(f"virtual-table--{name}")
        style = self._paint.styles.get(name)
        if style is None:  # fetched when first needed: each costs after a refresh
            style = self.get_component_rich_style(f"virtual-table--{name}")
            self._paint.styles[name] = style
        return style

    def _begin_paint(self) -> _Paint:
        # Once per paint, not once per line: the widget's own style walks up the DOM.
        styles = {name: self.get_component_rich_style(f"virtual-table--{name}") for name in _ROW}
        # Focus changes the cursor's style, a theme every style (its backgrounds too).
        signature = (self.app.theme, *styles.values())
        if signature != self._strip_styles:
            self._strips.clear()
            self._strip_styles = signature
        region = self.scrollable_content_region
        return _Paint(self.rich_style, region.width, int(self.scroll_x), int(self.scroll_y), styles)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint = self._begin_paint()
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def render_line(self, y: int) -> Strip:
        paint = self._paint
        if paint is None:  # called on its own, outside ``render_lines``
            self._paint = self._begin_paint()
            try:
                return self.render_line(y)
            finally:
                self._paint = None
        width = paint.width
        if y == 0:
            strip = self._header_strip()
        else:
            index = paint.scroll_y + y - 1
            if index >= len(self.view):
                if not self.view and y == 1:
                    text = fit(f" {self.empty_text}", width)
                    return Strip([Segment(text, self._style("empty"))], width)
                return Strip.blank(width, paint.base)
            strip = self._row_strip(index)
        if paint.scroll_x == 0 and strip.cell_length == width:
            # Not ``crop_extend``: a Strip caches its own result there when nothing changes,
            # a cycle the garbage collector alone can free, ≈ 700 objects per key (issue 15).
            return strip
        return strip.crop_extend(paint.scroll_x, paint.scroll_x + width, paint.base)

    def _header_strip(self) -> Strip:
        base = self._style("header")
        sorted_style = base + self._style("sorted")
        segments = []
        for column, _x, width in self._layout:
            title = column.title
            style = base
            if column.key == self.sort_column:
                title += " ▼" if self.sort_reverse else " ▲"
                style = sorted_style
            segments.append(Segment(fit(title, width, column.align_right), style))
            segments.append(Segment(" ", base))
        return Strip(segments, self._layout_width())

    def _layout_width(self) -> int:
        """Cells of a row: every shown column, fitted to its width, and a space after it."""
        return sum(width + 1 for _column, _x, width in self._layout)

    def _row_cells(self, row_index: int) -> list[tuple[str, str]]:
        """(text fitted to its column, tone) of each shown cell; kept until data or layout
        change (``forget_keys``, a resize): repainting after a key formats nothing again."""
        cells = self._cells.get(row_index)
        if cells is None:
            row = self.rows[row_index]
            cells = [
                (
                    fit(column.value(row), width, column.align_right),
                    column.tone(row) if column.tone is not None else "",
                )
                for column, _x, width in self._layout
            ]
            if len(self._cells) > 4096:
                self._cells.clear()
            self._cells[row_index] = cells
        return cells

    def _row_strip(self, index: int) -> Strip:
        cursor = index == self.cursor
        if self._paint is None:  # outside ``render_lines``: styles not checked, no cache
            return self._make_row_strip(index, cursor)
        key = (self.view[index], index % 2 + 2 * cursor)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._make_row_strip(index, cursor)
            if len(self._strips) > 128:
                self._strips.clear()
            self._strips[key] = strip
        return strip

    def _make_row_strip(self, index: int, cursor: bool) -> Strip:
        base = self._style("odd" if index % 2 else "even")
        if cursor:
            base = base + self._style("cursor")
        segments = []
        space = Segment(" ", base)
        for text, tone in self._row_cells(self.view[index]):
            style = base + self._style(tone) if tone and not cursor else base
            segments.append(Segment(text, style))
            segments.append(space)
        return Strip(segments, self._layout_width())

    # --- keys and mouse ----------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.cursor = max(self.cursor - 1, 0)

    def action_cursor_down(self) -> None:
        self.cursor = min(self.cursor + 1, max(len(self.view) - 1, 0))

    def action_page_up(self) -> None:
        self.cursor = max(self.cursor - self.page_height, 0)

    def action_page_down(self) -> None:
        self.cursor = min(self.cursor + self.page_height, max(len(self.view) - 1, 0))

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(len(self.view) - 1, 0)

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.RowSelected(self, self.current))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x + int(self.scroll_x)
            for column, start, width in self._layout:
                if start <= x < start + width + 1:
                    reverse = self.sort_column == column.key and not self.sort_reverse
                    self.sort_by(column.key, reverse)
                    return
            return
        index = int(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self.view):
            if index == self.cursor and event.chain > 1:
                self.action_select()
            self.cursor = index
