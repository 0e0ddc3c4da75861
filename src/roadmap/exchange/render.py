"""Turn a document into bytes: header, then body, then the optional changes table.

The fingerprint of the body sits in ``[generation]``, so the next export can tell "nothing
changed" from the first lines of the previous file, before dumping anything (tomli-w is
the slow part, RISKS 20). It hashes the body's Python form (dicts keep their order; dates,
datetimes and strings have a stable repr), which is cheap and backend-independent.
Concatenating the parts is valid TOML: each starts with a table.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from roadmap.exchange.values import dumps

FINGERPRINT_KEY = "empreinte"
JOURNAL_KEY = "journal"  # head of the journal chain for the file's roadmaps (metadata.py)
_FINGERPRINT = re.compile(rb'^empreinte = "(sha256:[0-9a-f]{64})"$', re.MULTILINE)
_JOURNAL = re.compile(rb'^journal = "(sha256:[0-9a-f]{64})"$', re.MULTILINE)
_HEADER_KEYS = ("schema_version", "generation")


def split(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    header = {k: document[k] for k in _HEADER_KEYS}
    body = {k: v for k, v in document.items() if k not in _HEADER_KEYS}
    return header, body


def fingerprint(document: dict[str, Any]) -> str:
    _, body = split(document)
    return "sha256:" + hashlib.sha256(repr(body).encode("utf-8")).hexdigest()


def render(
    document: dict[str, Any], extra: dict[str, Any] | None = None, *, digest: str | None = None
) -> bytes:
    """``digest``: the document's fingerprint when the caller already has it (it costs a
    repr and a sha256 of the whole body, so the export computes it once per file)."""
    header, body = split(document)
    digest = digest or fingerprint(document)
    header["generation"] = {**header["generation"], FINGERPRINT_KEY: digest}
    parts = [dumps(header), dumps(body)]
    if extra:
        parts.append(dumps(extra))
    return b"\n".join(parts)


def _header_value(path: Path, pattern: re.Pattern[bytes]) -> str | None:
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    found = pattern.search(head)
    return found.group(1).decode() if found else None


def previous_fingerprint(path: Path) -> str | None:
    """The fingerprint written in the header of a previous export, read from its first lines."""
    return _header_value(path, _FINGERPRINT)


def same_as_before(path: Path, document: dict[str, Any], digest: str) -> bool:
    """The previous file has the same content and the same journal head.

    The fingerprint covers the content only (its documented meaning); the journal head
    moves on its own (a private note, a change undone), and a file keeping an older head
    would make two exports of the same data differ.
    """
    if previous_fingerprint(path) != digest:
        return False
    return _header_value(path, _JOURNAL) == document["generation"].get(JOURNAL_KEY)
