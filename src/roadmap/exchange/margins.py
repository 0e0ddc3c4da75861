"""Margins (slack before the destination moves) per action/jalon, from ``roadmap.graph``.

Margins are projected from a "today": the same data gives other margins tomorrow. So they
are only exported on request (``--marges``), with the reference date written next to them,
to keep the default export byte-stable.
"""

from __future__ import annotations

from datetime import date


async def margins_for(slugs: list[str], today: date) -> dict[str, dict[str, int]]:
    """slug → {ref: days}; items without a margin (finished, cancelled…) are left out."""
    from roadmap.graph import margins_for_roadmap

    result: dict[str, dict[str, int]] = {}
    for slug in slugs:
        margins = await margins_for_roadmap(slug, today)
        result[slug] = {ref: int(days) for ref, days in margins.items() if days is not None}
    return result
