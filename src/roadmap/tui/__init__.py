"""The Textual terminal UI. Nothing in the core imports this package."""
