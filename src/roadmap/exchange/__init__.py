"""TOML exports and imports, iCalendar files: the contract read by services outside the TUI.

Core code: never imports ``textual`` nor ``roadmap.tui``.
"""

# 2: feuille_de_route.territoire and referentiel.territoires (docs/export-format.md).
SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)  # import still reads files written before the territory
