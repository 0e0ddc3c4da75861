"""Feuille de route partagée: a collaborative roadmap tracker for urban-policy teams."""

__version__ = "0.1.0"
