"""Keep Python's garbage collector off a large screen's rows while it is shown (issue 15).

A full collection walks every object the collector tracks: with the app's own modules
and 10,000 to 50,000 loaded rows, one pass took 80-110 ms, in the middle of whatever key
triggered it (measured by ``bench/bench_tui.py``, ``gc.callbacks``). ``freeze`` moves
everything alive now to the collector's permanent generation, so later passes only walk
what is newer; ``release`` hands it back, so the screen's rows, once unreachable, are
collected. Rows are freed by reference counting anyway (no cycles); only cyclic garbage
caught by ``freeze`` waits for ``release``.

What is newer still holds cyclic garbage: Textual's ``Strip.divide`` caches a line in
itself when the compositor cuts nothing, so every painted line is a cycle, alive until the
next repaint (promoted to the oldest generation by then), freed by a full pass only. By
default a full pass comes every 10 middle ones and then frees ≈ 14,000 such objects in one
key (6 to 13 ms measured at 50,000 rows); while frozen, ``FULL_EVERY`` makes them smaller
and more frequent (about 1 ms), the same work in total.
"""

from __future__ import annotations

import gc

FULL_EVERY = 2  # middle collections between two full ones while something is frozen
_thresholds: tuple[int, int, int] | None = None  # the collector's own, while frozen


def freeze() -> None:
    """Freeze what is alive now, after collecting young garbage (and, once something is
    frozen already, the rest: only what is newer is walked, a few milliseconds)."""
    global _thresholds
    gc.collect(2 if gc.get_freeze_count() else 1)
    gc.freeze()
    if _thresholds is None:
        _thresholds = gc.get_threshold()
        gc.set_threshold(_thresholds[0], _thresholds[1], FULL_EVERY)


def release() -> None:
    """Hand the frozen objects back to the collector (their next full pass sees them)."""
    global _thresholds
    gc.unfreeze()
    if _thresholds is not None:
        gc.set_threshold(*_thresholds)
        _thresholds = None
