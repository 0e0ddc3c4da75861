"""Tortoise migrations of the ``roadmap`` app, applied in order by ``storage.database``."""

from __future__ import annotations


def shipped() -> set[str]:
    """Names of the migrations this version ships (light: read by the TUI's quick start)."""
    import pkgutil

    return {m.name for m in pkgutil.iter_modules(__path__) if m.name[:1].isdigit()}
