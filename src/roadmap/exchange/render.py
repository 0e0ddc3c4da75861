"""Turn a document into bytes: header, then body, then the optional changes table.

The fingerprint sits in ``[generation]``: the SHA-256 of the body's bytes as written (after
the header and its blank line, before an optional ``[changements]`` table), so anyone can
check it, and the next export tells "nothing changed" by comparing it with the first lines
of the previous file. The body is rendered once and its bytes serve both the hash and the
file. Concatenating the parts is valid TOML: each starts with a table.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Body:
    """A document's body as written, and its fingerprint."""

    data: bytes
    digest: str


def render_body(document: dict[str, Any]) -> Body:
    _, body = split(document)
    data = dumps(body)
    return Body(data, "sha256:" + hashlib.sha256(data).hexdigest())


def fingerprint(document: dict[str, Any]) -> str:
    return render_body(document).digest


def render(
    document: dict[str, Any], extra: dict[str, Any] | None = None, *, body: Body | None = None
) -> bytes:
    """``body``: the document's body when the caller has rendered it already (the export
    renders it once, to compare its fingerprint with the previous file's)."""
    header, _ = split(document)
    body = body or render_body(document)
    header["generation"] = {**header["generation"], FINGERPRINT_KEY: body.digest}
    parts = [dumps(header), body.data]
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
