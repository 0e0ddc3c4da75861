"""Last line of defence: no control character reaches a text column, whatever the door.

The use cases check each field first, with its French name (domain/validation.py); this
guard catches a door that forgot, because Tortoise runs field validators on every INSERT
and UPDATE (``to_db_value``). One-line columns (CharField) refuse tab and newline too.
Installed once by ``storage.database.open_database``, not at import time.
"""

from __future__ import annotations

from tortoise import Tortoise, fields

from roadmap.domain.validation import no_control

# Copies of values already checked where they were typed: never refuse writing history.
_SKIPPED_MODELS = {"JournalEntry"}
_SKIPPED_FIELDS = {"old_value", "new_value"}
# A service file as the export wrote it (bases.py), kept verbatim to compare a returned one
# with: its TOML escapes control characters, and scanning it cost a quarter of a second
# per complete export at Métropole scale (300 files, 24 MB; issue 15).
_SKIPPED_COLUMNS = {("ServiceExport", "content")}
_LABELS = {
    "title": "titre",
    "name": "nom",
    "summary": "résumé",
    "comment": "commentaire",
    "text": "texte",
    "reason": "motif",
    "state_reason": "motif",
    "revision_reason": "motif de la révision",
    "destination": "point d'arrivée",
    "source": "source",
    "unit": "unité",
    "email": "courriel",
    "updated_by": "auteur",
}


def _validator(label: str, multiline: bool):  # type: ignore[no-untyped-def]
    def check(value: object) -> None:
        if isinstance(value, str):
            no_control(value, label, multiline=multiline)

    check.__name__ = "no_control_characters"
    return check


def install_text_guard() -> None:
    """Add the check to every text column of the registered models (idempotent)."""
    for app in Tortoise.apps.values():
        for name, model in app.items():
            if name in _SKIPPED_MODELS:
                continue
            for field_name, field in model._meta.fields_map.items():
                if (
                    field_name in _SKIPPED_FIELDS
                    or (name, field_name) in _SKIPPED_COLUMNS
                    or not isinstance(field, fields.CharField | fields.TextField)
                ):
                    continue
                if any(
                    getattr(v, "__name__", "") == "no_control_characters" for v in field.validators
                ):
                    continue
                label = _LABELS.get(field_name, field_name)
                field.validators.append(_validator(label, isinstance(field, fields.TextField)))
