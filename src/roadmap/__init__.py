"""Feuille de route partagée: a collaborative roadmap tracker for urban-policy teams."""

from roadmap.storage import tortoise_start

__version__ = "0.1.0"

# Tortoise's first import, whenever a module asks for it, skips what we never use (issue 15).
tortoise_start.install()
