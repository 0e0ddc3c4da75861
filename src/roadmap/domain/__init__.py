"""Pure domain rules: vocabularies, validation, permissions. No I/O."""
