"""tomli-w's output, byte for byte, at a fraction of its cost (issue 15, RISKS 20 and 26).

The export spends most of its time in ``tomli_w.dumps``: a Python loop over every character
of every string, ``isinstance`` chains and generators for each value. This module follows
tomli-w 1.x's layout decisions exactly (when a list of tables goes inline, blank lines,
indentation, escapes) with cheaper steps: a regular expression finds the strings that need
escaping, values dispatch on their exact type, keys and short strings are formatted once.

A document is rendered as the join of its records' fragments, each rendered once: the
same bytes as one dump of the whole (tests/exchange/test_toml_writer.py compares both with
tomli-w on the Métropole-scale bench data and on awkward values).
Anything this module does not know (Decimal, time, a Mapping that is not a dict, a str
or int subclass) goes through tomli-w's own functions, so the output never differs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from tomli_w import _writer as tw

_INDENT = "    "
_MAX_LINE = tw.MAX_LINE_LENGTH
_NEEDS_ESCAPE = re.compile(r'[\x00-\x08\x0a-\x1f\x7f"\\]')
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {chr(i): "\\u" + hex(i)[2:].rjust(4, "0") for i in (*range(32), 127)}
_ESCAPES.update(tw.COMPACT_ESCAPES)
_CONTEXT = tw.Context(allow_multiline=False, indent=4)  # for tomli-w's fallbacks only

_keys: dict[str, str] = {}
_assign: dict[str, str] = {}  # key → 'key = ', the start of its line
_strings: dict[str, str] = {}  # short strings repeat: codes, statuses, logins
_stamps: dict[Any, str] = {}  # dates and datetimes repeat too (str(datetime) is slow)
_SHORT = 40
_INDENTS = [_INDENT * n for n in range(8)]


def _escape(match: re.Match[str]) -> str:
    return _ESCAPES[match.group()]


def string(s: str, _search: Any = _NEEDS_ESCAPE.search) -> str:
    cached = _strings.get(s)
    if cached is not None:
        return cached
    out = '"' + s + '"' if _search(s) is None else '"' + _NEEDS_ESCAPE.sub(_escape, s) + '"'
    if len(s) <= _SHORT and len(_strings) < 200_000:
        _strings[s] = out
    return out


def key(part: str) -> str:
    out = _keys.get(part)
    if out is None:
        if part.__class__ is not str:
            return tw.format_key_part(part)
        out = part if _BARE_KEY.fullmatch(part) else string(part)
        if len(_keys) < 10_000:
            _keys[part] = out
    return out


def _prefix(part: str) -> str:
    out = _assign.get(part)
    if out is None:
        out = key(part) + " = "
        if part.__class__ is str and len(_assign) < 10_000:
            _assign[part] = out
    return out


def _stamp(obj: date) -> str:
    """``str`` of a date or datetime, remembered (the same few repeat on every line)."""
    out = _stamps.get(obj)
    if out is None:
        out = str(obj)
        if len(_stamps) < 50_000:
            _stamps[obj] = out
    return out


def literal(obj: Any, nest: int = 0) -> str:
    """tomli-w's ``format_literal``; ``nest`` is the array nesting level."""
    kind = obj.__class__
    if kind is str:
        return _strings.get(obj) or string(obj)
    if kind is bool:
        return "true" if obj else "false"
    if kind is date:
        return _stamps.get(obj) or _stamp(obj)
    if kind is datetime:
        # Only UTC and naive ones are remembered: equal instants in other zones print apart.
        if obj.tzinfo is UTC or obj.tzinfo is None:
            return _stamps.get(obj) or _stamp(obj)
        return str(obj)
    if kind is int or kind is float:
        return str(obj)
    if kind is list or kind is tuple:
        return _array(obj, nest)
    if kind is dict:
        return inline_table(obj)
    return tw.format_literal(obj, _CONTEXT, nest_level=nest)


def _array(obj: list[Any] | tuple[Any, ...], nest: int) -> str:
    if not obj:
        return "[]"
    strings = _strings
    parts = [
        (strings.get(item) or string(item)) if item.__class__ is str else literal(item, nest + 1)
        for item in obj
    ]
    inner = _INDENTS[nest + 1] if nest < 7 else _INDENT * (nest + 1)
    outer = _INDENTS[nest] if nest < 7 else _INDENT * nest
    return "[\n" + inner + (",\n" + inner).join(parts) + ",\n" + outer + "]"


def inline_table(obj: dict[str, Any]) -> str:
    if not obj:
        return "{}"
    # Values of an inline table start again at nesting level 0, as in tomli-w.
    assign, strings = _assign.get, _strings.get
    parts = [
        (assign(k) or _prefix(k))
        + ((strings(v) or string(v)) if v.__class__ is str else literal(v))
        for k, v in obj.items()
    ]
    return "{ " + ", ".join(parts) + " }"


def _fits_inline(obj: Mapping[str, Any]) -> bool:
    """tomli-w's ``is_suitable_inline_table``: one line of at most 100 characters."""
    if obj.__class__ is not dict:
        return tw.is_suitable_inline_table(obj, _CONTEXT)
    for value in obj.values():
        if (value.__class__ is list or value.__class__ is tuple) and value:
            return False  # a non-empty array always spans several lines
    rendered = _INDENT + inline_table(obj) + ","  # type: ignore[arg-type]
    return len(rendered) <= _MAX_LINE and "\n" not in rendered


def _inline_rows(tables: list[Any]) -> list[str] | None:
    """Each table of a list rendered inline, or None when one does not fit on its line."""
    rows = []
    for table in tables:
        if table.__class__ is not dict:
            return [inline_table(t) for t in tables] if all(map(_fits_inline, tables)) else None
        for value in table.values():
            if (value.__class__ is list or value.__class__ is tuple) and value:
                return None  # a non-empty array always spans several lines
        row = inline_table(table)
        if len(row) > _MAX_LINE - len(_INDENT) - 1 or "\n" in row:
            return None
        rows.append(row)
    return rows


def _is_aot(value: Any) -> bool:
    if not value or not isinstance(value, list | tuple):
        return False
    for item in value:
        if item.__class__ is not dict and not isinstance(item, Mapping):
            return False
    return True


def _child(name: str, part: str) -> str:
    """The dotted name of a sub-table."""
    part = _keys.get(part) or key(part)
    return f"{name}.{part}" if name else part


def table_chunks(table: Mapping[str, Any], name: str, in_aot: bool, out: list[str]) -> None:
    """tomli-w's ``gen_table_chunks``, appending to ``out``.

    Plain values go straight to ``out`` after a slot for the table's header line, which
    is filled (or left empty) once the values are known, as tomli-w decides it.
    """
    head = len(out)
    out.append("")
    tables: list[tuple[str, Any, bool]] = []
    assign, strings, stamps = _assign.get, _strings.get, _stamps.get
    extend = out.extend
    for k, v in table.items():
        kind = v.__class__
        if kind is str:  # most values: no dispatch
            extend((assign(k) or _prefix(k), strings(v) or string(v), "\n"))
        elif kind is list:
            first = v[0].__class__ if v else None
            if first is str:  # codes, refs, logins: _array(v, 0) inline
                items = [
                    (strings(x) or string(x)) if x.__class__ is str else literal(x, 1) for x in v
                ]
                extend((assign(k) or _prefix(k), "[\n    ", ",\n    ".join(items), ",\n]\n"))
            elif (first is dict or (v and isinstance(v[0], Mapping))) and _is_aot(v):
                rows = _inline_rows(v)
                if rows is None:
                    sub = _child(name, k)  # once for all the records
                    tables.extend((sub, t, True) for t in v)
                else:  # literal(v), reusing the rows rendered for the check
                    extend((assign(k) or _prefix(k), "[\n    ", ",\n    ".join(rows), ",\n]\n"))
            else:
                extend((assign(k) or _prefix(k), _array(v, 0), "\n"))
        elif kind is date:
            extend((assign(k) or _prefix(k), stamps(v) or _stamp(v), "\n"))
        elif kind is int:
            extend((assign(k) or _prefix(k), str(v), "\n"))
        elif kind is bool:
            extend((assign(k) or _prefix(k), "true\n" if v else "false\n"))
        elif kind is dict:
            tables.append((_child(name, k), v, False))
        elif kind is datetime:
            extend((assign(k) or _prefix(k), literal(v), "\n"))
        elif isinstance(v, Mapping):
            tables.append((_child(name, k), v, False))
        elif _is_aot(v) and not all(_fits_inline(t) for t in v):
            sub = _child(name, k)
            tables.extend((sub, t, True) for t in v)
        else:
            extend((assign(k) or _prefix(k), literal(v), "\n"))
    yielded = len(out) > head + 1  # plain values written
    if in_aot:
        out[head] = f"[[{name}]]\n"
        yielded = True
    elif name and (yielded or not tables):
        out[head] = f"[{name}]\n"
        yielded = True
    for sub, v, aot in tables:
        if yielded:
            out.append("\n")
        else:
            yielded = True
        table_chunks(v, sub, aot, out)


def fragment(name: str, record: Mapping[str, Any], in_aot: bool = True) -> str:
    """One record of an array of tables (or one table), as tomli-w writes it in a document."""
    out: list[str] = []
    table_chunks(record, name, in_aot, out)
    return "".join(out)


def dumps(document: Mapping[str, Any]) -> str:
    """``tomli_w.dumps(document)``, same text."""
    out: list[str] = []
    table_chunks(document, "", False, out)
    return "".join(out)
