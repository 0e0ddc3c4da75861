"""VirtualTable's cached sort orders and search texts give what sorting each time would."""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Static

from roadmap.tui.widgets.virtual_table import Column, VirtualTable, fit


@dataclass(frozen=True)
class Item:
    key: str
    group: str
    size: int


COLUMNS = [
    Column("key", "Clé", lambda r: r.key, 6),
    Column("group", "Groupe", lambda r: r.group, 8),
    Column("size", "Taille", lambda r: str(r.size), 6, sort_key=lambda r: r.size),
]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield VirtualTable[Item](
            COLUMNS, row_key=lambda r: r.key, search_text=lambda r: f"{r.key} {r.group}"
        )


def naive(rows: list[Item], column: str | None, reverse: bool, needle: str, small: bool):
    kept = [r for r in rows if needle in f"{r.key} {r.group}".lower() and (not small or r.size < 5)]
    if column is not None:
        key = next(c.sort_key or c.value for c in COLUMNS if c.key == column)
        kept = sorted(kept, key=key, reverse=reverse)
    return kept


async def test_cached_orders_match_a_fresh_sort() -> None:
    rnd = random.Random(15)
    rows = [
        Item(f"K{i}", rnd.choice(["Alpha", "beta", "Gamma", "delta"]), rnd.randrange(10))
        for i in range(400)
    ]
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows(rows)
        await pilot.pause()
        for column in (None, "key", "group", "size"):
            for reverse in (False, True):
                for needle in ("", "al", "k1", "zzz"):
                    for small in (False, True):
                        table.sort_by(column, reverse)
                        table.set_filter((lambda r: r.size < 5) if small else None, needle)
                        expected = naive(rows, column, reverse, needle, small)
                        assert table.view_rows() == expected, (column, reverse, needle, small)
        # A row changed in place: the cached orders follow.
        table.set_filter(None)
        table.sort_by("size")
        changed = Item("K7", "Alpha", 99)
        table.update_row(changed)
        rows[7] = changed
        table.sort_by("size")
        assert table.view_rows() == naive(rows, "size", False, "", False)
        assert table.view_rows()[-1] == changed


async def test_cursor_stays_on_its_row_through_sort_and_search() -> None:
    rows = [Item(f"K{i}", "g", i % 7) for i in range(100)]
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows(rows)
        await pilot.pause()
        table.cursor = 42
        assert table.current == rows[42]
        table.sort_by("size", True)
        assert table.current == rows[42]
        table.set_filter(None, "k4")
        assert table.current == rows[42]
        table.set_filter(None, "k5")  # the row is filtered out: first row
        assert table.cursor == 0


async def test_typing_and_backspace_give_what_a_fresh_search_gives() -> None:
    """Each keystroke narrows the previous hits or reuses a needle seen before (issue 15)."""
    rnd = random.Random(7)
    rows = [
        Item(f"K{i}", rnd.choice(["Alpha", "beta", "Gamma", "alphabet"]), rnd.randrange(10))
        for i in range(500)
    ]
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows(rows)
        await pilot.pause()
        typed = ["a", "al", "alp", "alph", "alpha", "alphab", "alpha", "alp", "k1", "k12", "k1"]
        for column, reverse in ((None, False), ("size", True), ("group", False)):
            table.sort_by(column, reverse)
            for needle in typed + typed[::-1]:
                table.set_filter(None, needle)
                expected = naive(rows, column, reverse, needle, False)
                assert table.view_rows() == expected, (column, needle)
        # New data: nothing cached from the old rows is used.
        table.set_filter(None, "alpha")
        rows = [Item(f"K{i}", "alpha" if i % 2 else "beta", i) for i in range(50)]
        table.set_rows(rows)
        assert table.view_rows() == naive(rows, "group", False, "alpha", False)


async def test_a_changed_row_is_painted_with_its_new_value() -> None:
    rows = [Item(f"K{i}", "g", i) for i in range(10)]
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows(rows)
        await pilot.pause()

        def painted() -> str:
            lines = table.render_lines(Region(0, 0, table.size.width, 4))
            return "\n".join(line.text for line in lines)

        assert "K2" in painted() and "neuf" not in painted()
        table.update_row(Item("K2", "neuf", 2))
        assert "neuf" in painted()


async def test_warm_prepares_both_directions_and_again_after_a_column_changes() -> None:
    """Every first sort, either way, and the first search are ready before any key
    (issue 15); orders and hits are tuples, which the garbage collector stops walking."""
    rows = [Item(f"K{i}", "Alpha" if i % 3 else "beta", i % 5) for i in range(300)]
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows(rows)
        ready: list[bool] = []
        table.warm(on_done=lambda: ready.append(True))
        for _ in range(200):
            if ready:
                break
            await pilot.pause()
        assert ready == [True]
        assert table._texts is not None
        assert set(table._orders) == {(c.key, r) for c in COLUMNS for r in (False, True)}
        for column in ("size", "group"):
            for reverse in (False, True):
                table.sort_by(column, reverse)
                assert table.view_rows() == naive(rows, column, reverse, "", False)
                table.set_filter(None, "al")
                assert table.view_rows() == naive(rows, column, reverse, "al", False)
                gc.collect(0)
                assert not gc.is_tracked(table.view), (column, reverse)
                table.set_filter(None)
        # One column's values changed (the marge column once the graph is computed): its
        # orders are dropped and made again between frames, without a call.
        table.forget_keys("size")
        assert ("size", True) not in table._orders
        for _ in range(200):
            if ("size", True) in table._orders:
                break
            await pilot.pause()
        assert ("size", False) in table._orders and ("size", True) in table._orders


async def test_a_changed_row_is_found_by_its_new_text() -> None:
    rows = [Item(f"K{i}", "alpha", i) for i in range(40)]
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows(rows)
        await pilot.pause()
        table.set_filter(None, "alpha")  # search texts made
        assert len(table.view_rows()) == 40
        changed = Item("K2", "neuf", 2)
        table.update_row(changed)
        table.set_filter(None, "neuf")
        assert table.view_rows() == [changed]
        table.set_filter(None, "alpha")
        assert changed not in table.view_rows() and len(table.view_rows()) == 39


async def test_a_long_search_shows_a_screenful_then_completes_between_frames() -> None:
    """A search that would read too many texts in one key (50,000 rows) shows its first
    hits at once, then every hit, the cursor back on its row (issue 15)."""
    rnd = random.Random(3)
    rows = [
        Item(f"K{i}", rnd.choice(["Alpha", "beta", "Gamma", "alphabet"]), rnd.randrange(10))
        for i in range(3000)
    ]
    searched: list[object] = []

    class Watching(TableApp):
        def on_virtual_table_searched(self, message: VirtualTable.Searched) -> None:
            searched.append(message)

    app = Watching()
    async with app.run_test() as pilot:
        table = app.query_one(VirtualTable)
        table.SEARCH_READS, table.SEARCH_CHUNK, table.SEARCH_PROBE = 500, 400, 300

        async def complete() -> None:
            for _ in range(200):
                if not table.searching:
                    return
                await pilot.pause()
            raise AssertionError("la recherche ne s'est pas terminée")

        table.set_rows(rows)
        await pilot.pause()
        partial = 0
        for column, reverse in ((None, False), ("group", True), ("size", False)):
            table.sort_by(column, reverse)
            kept = naive(rows, column, reverse, "", False)[1234]
            for needle in ("al", "alp", "k1", "k12", "alpha", "al"):
                table.set_filter(None)
                table.cursor = table.view_rows().index(kept)
                table.set_filter(None, needle)  # hits of the shorter needles are kept
                expected = naive(rows, column, reverse, needle, False)
                shown = table.view_rows()
                assert shown == expected[: len(shown)], (column, needle)
                partial += len(shown) < len(expected)
                await complete()
                assert table.view_rows() == expected, (column, needle)
                if kept in expected:
                    assert table.current == kept, (column, needle)
            table.set_filter(None)
        assert searched and partial
        # A key pressed before a long search completes: only the newest one counts.
        table.sort_by("group")
        table.set_filter(None, "et")
        assert table.searching
        table.set_filter(None, "ga")
        await complete()
        assert table.view_rows() == naive(rows, "group", False, "ga", False)


async def test_a_search_before_the_texts_are_made_reads_them_between_frames() -> None:
    """Typing as soon as the rows arrive, before ``warm`` made the search texts: the key
    shows a first screenful and the texts are made between frames, not in the key."""
    rows = [Item(f"K{i}", "alpha" if i % 4 else "beta", i % 10) for i in range(2000)]
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(VirtualTable)
        table.SEARCH_READS, table.SEARCH_CHUNK = 300, 250
        table.set_rows(rows)
        table.sort_by("size")
        table.set_filter(None, "beta")
        assert table._texts is None and table.searching
        assert table.view_rows() == naive(rows, "size", False, "beta", False)[: len(table.view)]
        for _ in range(100):
            if not table.searching:
                break
            await pilot.pause()
        assert table._texts is not None
        assert table.view_rows() == naive(rows, "size", False, "beta", False)


async def test_painting_leaves_no_garbage_for_the_collector() -> None:
    """A line that fits is returned as is, not through ``Strip.crop_extend``, which caches
    the strip in itself (a cycle only the garbage collector frees: ≈ 700 objects a key, its
    collections landing in later keys, issue 15)."""
    rows = [Item(f"K{i}", "Alpha" if i % 3 else "beta", i % 5) for i in range(300)]

    class FullWidth(App[None]):  # a flex column: lines as wide as the table, as on screen
        def compose(self) -> ComposeResult:
            group = Column[Item]("group", "Groupe", lambda r: r.group, 8, flex=True)
            yield VirtualTable[Item](
                [COLUMNS[0], group, COLUMNS[2]],
                row_key=lambda r: r.key,
                search_text=lambda r: f"{r.key} {r.group}",
            )

    app = FullWidth()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows(rows)
        await pilot.pause()
        table.sort_by(None)  # laid out again now that the scrollbar is there
        region = Region(0, 0, table.size.width, table.size.height)
        assert table._layout_width() == table.scrollable_content_region.width
        table.refresh()  # the lines painted on screen are dropped (Textual's own cycles)
        gc.collect()
        gc.disable()
        try:
            for column in ("key", "group", "size", None):
                table.sort_by(column, True)
                table.set_filter(None, "al")
                table.render_lines(region)
                table.action_page_down()
                table.render_lines(region)
            assert gc.collect() == 0
        finally:
            gc.enable()
        assert "K" in table.render_lines(region)[1].text


async def test_repainted_lines_follow_the_cursor_focus_and_data() -> None:
    """Lines kept from one paint to the next are the ones a fresh paint would make."""
    rows = [Item(f"K{i}", "g", i) for i in range(50)]

    class TwoWidgets(TableApp):
        def compose(self) -> ComposeResult:
            yield from super().compose()
            yield Static("ailleurs", id="elsewhere")

    app = TwoWidgets()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows(rows)
        table.focus()
        await pilot.pause()
        region = Region(0, 0, table.size.width, table.size.height)

        def fresh() -> list[list[tuple[str, object]]]:
            table._strips.clear()
            return painted()

        def painted() -> list[list[tuple[str, object]]]:
            lines = table.render_lines(region)
            return [[(s.text, s.style) for s in line] for line in lines]

        focused = painted()
        table.action_cursor_down()
        assert painted() == fresh() != focused
        table.action_cursor_up()
        assert painted() == focused
        table.sort_by("size", True)
        table.sort_by(None)
        assert painted() == focused
        table.blur()
        await pilot.pause()
        blurred = painted()
        assert blurred == fresh() != focused  # the cursor's style without focus
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        assert painted() == fresh() != blurred
        table.update_row(Item("K0", "neuf", 0))
        assert "neuf" in table.render_lines(region)[1].text


async def test_the_cursor_row_is_found_in_every_packed_order() -> None:
    rnd = random.Random(5)
    rows = [Item(f"K{i}", rnd.choice(["a", "b", "c"]), rnd.randrange(9)) for i in range(300)]
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows(rows)
        ready: list[bool] = []
        table.warm(on_done=lambda: ready.append(True))
        for _ in range(200):
            if ready:
                break
            await pilot.pause()
        assert set(table._packed) == set(table._orders)
        for column in ("key", "group", "size"):
            for reverse in (False, True):
                table.sort_by(column, reverse)
                assert table.view is table._orders[(column, reverse)]
                for index in range(len(rows)):
                    assert table._position_in_view(index) == table.view.index(index)
                table.cursor = 123
                kept = table.current
                table.sort_by("group" if column != "group" else "size", not reverse)
                assert table.current == kept


async def test_a_needle_known_from_another_order_is_kept_between_frames() -> None:
    """Its hits read in a sort order cost ≈ 30 ns a row: past ``SEARCH_READS`` rows, a
    first screenful in the key and the rest between frames, as a new needle."""
    rnd = random.Random(9)
    rows = [Item(f"K{i}", rnd.choice(["Alpha", "beta"]), rnd.randrange(10)) for i in range(3000)]
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(VirtualTable)
        table.SEARCH_READS, table.SEARCH_CHUNK = 500, 400
        table.set_rows(rows)
        await pilot.pause()
        table.set_filter(None, "alpha")  # unsorted: the needle's mask, read in row order
        for _ in range(100):
            if not table.searching:
                break
            await pilot.pause()
        assert "alpha" in table._masks
        table.set_filter(None)
        table.sort_by("size", True)
        table.set_filter(None, "alpha")
        expected = naive(rows, "size", True, "alpha", False)
        assert table.searching and table.view_rows() == expected[: len(table.view)]
        for _ in range(100):
            if not table.searching:
                break
            await pilot.pause()
        assert table.view_rows() == expected


def test_fit_cuts_where_measuring_each_character_would() -> None:
    def measured(text: str, width: int) -> str:
        out, used = [], 0
        for char in text:
            if used + cell_len(char) > width - 1:
                break
            out.append(char)
            used += cell_len(char)
        return "".join(out) + "…" + " " * (width - 1 - used)

    texts = [
        "Cantine solidaire du quartier des Écoles",
        "Ça déménage : épicerie à côté",
        "Jardin 漢字 partagé",
        "Me\u0301diation sociale",  # a combining accent: no cell of its own
        "Soft\u00adhyphen et\u00a0espace insécable",
        "\u02ff\u0300 limite",
    ]
    for text in texts:
        for width in range(1, len(text)):
            if cell_len(text) > width:
                assert fit(text, width) == measured(text, width), (text, width)
                assert cell_len(fit(text, width)) == width
