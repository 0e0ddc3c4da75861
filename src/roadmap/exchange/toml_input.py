"""Read an import file defensively (RISKS 14): size cap, binary mode, every parse failure."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from roadmap.domain.io_errors import io_error
from roadmap.exchange.locate import LineIndex
from roadmap.exchange.problems import ImportRefused
from roadmap.exchange.toml_errors import french_toml_error

MAX_FILE_BYTES = 64 * 1024 * 1024
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _refuse(path: Path, message: str) -> ImportRefused:
    return ImportRefused([f"{path.name} : {message}"])


def load_toml(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> tuple[dict[str, Any], LineIndex]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:  # missing, a folder, unreadable: I/O (exit 4), said in French
        raise io_error(exc, f"lecture de {path} impossible") from None
    if len(raw) > max_bytes:
        raise _refuse(path, f"fichier trop gros (plus de {max_bytes // (1024 * 1024)} Mio)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(path, f"encodage invalide (attendu UTF-8, octet {exc.start})") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImportRefused([french_toml_error(exc, text, path.name)]) from None
    except RecursionError:
        raise _refuse(path, "TOML invalide (imbrication trop profonde)") from None
    return document, LineIndex(text)


def oversized_integers(value: Any, path: str = "") -> list[str]:
    """Key paths of integers that do not fit in 64 bits (SQLite would overflow)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [path] if not INT64_MIN <= value <= INT64_MAX else []
    if isinstance(value, dict):
        return [
            p for k, v in value.items() for p in oversized_integers(v, f"{path}.{k}" if path else k)
        ]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in oversized_integers(v, f"{path}[{i}]")]
    return []
