"""The journal's integrity as health alerts (``roadmap check``)."""

from __future__ import annotations

from roadmap.storage.verify import missing_protections, verify_chain
from roadmap.usecases.check import Alert, Level


async def journal_alerts() -> list[Alert]:
    """One error per missing protection and for the first broken link of the chain."""
    problems = await missing_protections()
    problems += (await verify_chain()).problems
    return [
        Alert(Level.ERREUR, "journal-altere", f"{p} (détails : roadmap db verify)")
        for p in problems
    ]
