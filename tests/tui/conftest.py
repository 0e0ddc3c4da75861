"""Pilot idle waits sampled every 5 ms instead of Textual's 20 ms.

``pilot.pause()`` and every key pressed sleep at least ``SLEEP_GRANULARITY`` until the process
looks idle: about 14,600 sleeps in this directory, ≥ 290 s of a worker asleep, more than the
directory's CPU. What a test waits for is unchanged: queued messages (``pause``), workers,
database work and one screen refresh per round (``settle``, which used to get that refresh
from the 20 ms sleep being longer than a frame).
"""

from __future__ import annotations

import textual._wait

textual._wait.SLEEP_GRANULARITY = 1 / 200
textual._wait.SLEEP_IDLE = textual._wait.SLEEP_GRANULARITY / 20
