"""Keep Python's garbage collector off a large screen's rows while it is shown (issue 15).

A full collection walks every object the collector tracks: with the app's own modules
and 10,000 to 50,000 loaded rows, one pass took 80-110 ms, in the middle of whatever key
triggered it (measured by ``bench/bench_tui.py``, ``gc.callbacks``). ``freeze`` moves
everything alive now to the collector's permanent generation, so later passes only walk
what is newer; ``release`` hands it back, so the screen's rows, once unreachable, are
collected. Rows are freed by reference counting anyway (no cycles); only cyclic garbage
caught by ``freeze`` waits for ``release``.
"""

from __future__ import annotations

import gc


def freeze() -> None:
    """Freeze what is alive now, after collecting young garbage (and, once something is
    frozen already, the rest: only what is newer is walked, a few milliseconds)."""
    gc.collect(2 if gc.get_freeze_count() else 1)
    gc.freeze()


def release() -> None:
    """Hand the frozen objects back to the collector (their next full pass sees them)."""
    gc.unfreeze()
