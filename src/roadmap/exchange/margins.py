"""Margins (slack to the destination) per item, when the graph module offers them."""

from __future__ import annotations

from roadmap.exchange.snapshot import Snapshot


def margins_for(snap: Snapshot) -> dict[str, dict[str, int]] | None:
    """slug → {ref: days}; None while ``roadmap.graph`` offers no margin function."""
    return None
