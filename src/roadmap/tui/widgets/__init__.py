"""Reusable widgets of the TUI (each styles itself with ``DEFAULT_CSS``)."""
