"""Find the line of a key path ("feuille_de_route.actions[3].fin") in a TOML text.

Best effort for files shaped like our exports (tomli-w layout): headers, ``key = value``
lines and arrays whose elements sit one per line. Unknown paths fall back to a parent.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^\s*("[^"]*"|[A-Za-z0-9_-]+)\s*=\s*(.*)$')


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip('"') for p in dotted.split(".")]


class LineIndex:
    def __init__(self, text: str) -> None:
        self.lines: dict[str, int] = {}
        counts: dict[str, int] = {}
        prefix = ""
        open_array: tuple[str, int] | None = None  # (path, next index) of a multi-line array
        for number, line in enumerate(text.splitlines(), start=1):
            if open_array is not None:
                stripped = line.strip()
                if stripped.startswith("]"):
                    open_array = None
                elif stripped:
                    path, index = open_array
                    self.lines.setdefault(f"{path}[{index}]", number)
                    open_array = (path, index + 1)
                continue
            header = _HEADER.match(line)
            if header and not _KEY.match(line):
                parts = _parts(header.group(2))
                parent = self._resolve(parts[:-1], counts)
                resolved = f"{parent}.{parts[-1]}" if parent else parts[-1]
                if header.group(1) == "[[":
                    counts[resolved] = counts.get(resolved, -1) + 1
                    resolved = f"{resolved}[{counts[resolved]}]"
                prefix = resolved
                self.lines.setdefault(prefix, number)
                continue
            key = _KEY.match(line)
            if key:
                path = f"{prefix}.{key.group(1).strip(chr(34))}" if prefix else key.group(1)
                self.lines.setdefault(path, number)
                value = key.group(2).strip()
                if value == "[" or (value.startswith("[") and not value.rstrip().endswith("]")):
                    open_array = (path, 0)

    def _resolve(self, parts: list[str], counts: dict[str, int]) -> str:
        path = ""
        for part in parts:
            path = f"{path}.{part}" if path else part
            if path in counts:
                path = f"{path}[{counts[path]}]"
        return path

    def line_of(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None
