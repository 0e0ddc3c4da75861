"""docs/export-format.md names every key a file can hold."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from roadmap.exchange.schema import DOCUMENT, F

DOC = (Path(__file__).resolve().parents[2] / "docs" / "export-format.md").read_text()
EXAMPLE = Path(__file__).resolve().parents[2] / "exports" / "demo"


def spec_keys(spec: dict[str, F]) -> set[str]:
    keys = set(spec)
    for f in spec.values():
        if f.spec:
            keys |= spec_keys(f.spec)
    return keys


def document_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in document_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in document_keys(v)}
    return set()


def test_every_importable_key_is_documented() -> None:
    missing = sorted(k for k in spec_keys(DOCUMENT) if not re.search(rf"\b{k}\b", DOC))
    assert not missing


def test_every_key_of_the_service_files_is_documented() -> None:
    keys: set[str] = set()
    for path in (EXAMPLE / "services").glob("*.toml"):
        keys |= document_keys(tomllib.loads(path.read_text()))
    missing = sorted(k for k in keys if not re.search(rf"\b{k}\b", DOC))
    assert not missing
