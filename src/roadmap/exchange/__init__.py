"""TOML exports and imports, iCalendar files: the contract read by services outside the TUI.

Core code: never imports ``textual`` nor ``roadmap.tui``.
"""

SCHEMA_VERSION = 1
