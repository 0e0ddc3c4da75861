"""Write the roadmap graph as GraphML, GEXF (Gephi), DOT, Mermaid, SVG or PNG.

Every file is written to a temporary file in the target folder then renamed, so a
reader never sees half a file. The nodes carry their analyses: ``margin`` (days, when
known) and ``critical`` (on the critical path).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from roadmap.domain.errors import StorageError, ValidationError
from roadmap.domain.validation import printable
from roadmap.graph import model as m
from roadmap.graph.formats import FORMATS, SUFFIXES

if TYPE_CHECKING:
    import networkx as nx

    from roadmap.graph.schedule import Schedule

# Fill colours: by policy side for services, people and actions, by kind otherwise.
SIDE_COLOURS = {
    m.PV: "#1f77b4",
    m.DC: "#2ca02c",
    m.ETAT: "#9467bd",
    m.PARTENAIRE: "#ff7f0e",
    m.AUTRE: "#8c8c8c",
}
KIND_COLOURS = {m.JALON: "#f2c744", m.DOSSIER: "#bcbd22", m.DESTINATION: "#17becf"}
CRITICAL = "#d62728"
EDGE_GREY = "#9a9a9a"


def node_colour(attrs: dict[str, object]) -> str:
    kind = str(attrs.get("kind", ""))
    if kind in KIND_COLOURS:
        return KIND_COLOURS[kind]
    return SIDE_COLOURS.get(str(attrs.get("side", "")), SIDE_COLOURS[m.AUTRE])


def check_target(fmt: str, out: str | os.PathLike[str]) -> Path:
    """Refuse an unknown format or an unusable output path with a French message."""
    if fmt not in FORMATS:
        raise ValidationError(
            f"format « {fmt} » inconnu ; attendu : {', '.join(FORMATS)}", field="--format"
        )
    path = Path(out).expanduser()
    if not str(out).strip():
        raise ValidationError("chemin de fichier vide", field="--out")
    if path.is_dir():
        raise ValidationError(f"{path} est un dossier ; donnez un nom de fichier", field="--out")
    if path.suffix.lower() not in SUFFIXES[fmt]:
        raise ValidationError(
            f"l'extension « {path.suffix or '(aucune)'} » ne correspond pas au format {fmt} "
            f"(attendu : {' ou '.join(SUFFIXES[fmt])})",
            field="--out",
        )
    parent = path.absolute().parent
    # a folder that is missing or not writable is an I/O failure (exit 4), as for export
    if not parent.is_dir():
        raise StorageError(f"le dossier {parent} n'existe pas", field="--out")
    if not os.access(parent, os.W_OK):
        raise StorageError(f"le dossier {parent} n'est pas accessible en écriture", field="--out")
    return path


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "wb") -> Iterator[IO]:  # type: ignore[type-arg]
    """Temp file beside ``path``, fsync, rename; removed on error (RISKS 12)."""
    fd, tmp = tempfile.mkstemp(dir=path.absolute().parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def annotated(g: nx.MultiDiGraph, schedule: Schedule | None) -> nx.MultiDiGraph:
    """A copy of ``g`` whose nodes carry ``margin`` and ``critical`` (for analysts)."""
    h = g.copy()
    if schedule is None:
        return h
    critical = {n for path in schedule.critical_paths.values() for n in path}
    for node, attrs in h.nodes(data=True):
        timing = schedule.items.get(node)
        if timing is not None and timing.margin is not None:
            attrs["margin"] = timing.margin
        attrs["critical"] = node in critical
    return h


def critical_edges(schedule: Schedule | None) -> set[tuple[str, str]]:
    """Dependency edges (dependent, prerequisite) along the critical paths."""
    if schedule is None:
        return set()
    edges = set()
    for path in schedule.critical_paths.values():
        items = [n for n in path if not n.startswith("destination:")]
        edges.update((later, earlier) for earlier, later in itertools.pairwise(items))
    return edges


def display_label(node: str, attrs: dict[str, object], width: int = 40) -> str:
    label = str(attrs.get("label", ""))
    if len(label) > width:
        label = label[: width - 1] + "…"
    ref = attrs.get("ref")
    if attrs.get("kind") == m.DESTINATION:
        return f"Point d'arrivée ({attrs.get('date', '')})"
    return f"{ref} — {label}" if ref else label


# --- DOT -------------------------------------------------------------------------------------

_DOT_SHAPES = {
    m.ACTION: "box",
    m.JALON: "diamond",
    m.DESTINATION: "doubleoctagon",
    m.SERVICE: "folder",
    m.PERSON: "ellipse",
    m.DOSSIER: "note",
}


def _dot_quote(text: object) -> str:
    value = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{value}"'


def to_dot(g: nx.MultiDiGraph, schedule: Schedule | None = None) -> str:
    critical = {n for path in (schedule.critical_paths.values() if schedule else ()) for n in path}
    hot = critical_edges(schedule)
    lines = [
        f"digraph {_dot_quote(g.graph.get('name', 'feuille de route'))} {{",
        '  graph [rankdir=LR, fontname="Helvetica", label="Feuille de route partagée"];',
        '  node [style=filled, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8];',
    ]
    for node, a in sorted(g.nodes(data=True)):
        attrs = {
            "label": display_label(node, a),
            "shape": _DOT_SHAPES.get(str(a.get("kind")), "ellipse"),
            "fillcolor": node_colour(a),
            "kind": a.get("kind", ""),
        }
        if node in critical:
            attrs.update(color=CRITICAL, penwidth="3")
        body = ", ".join(f"{k}={_dot_quote(v)}" for k, v in attrs.items())
        lines.append(f"  {_dot_quote(node)} [{body}];")
    for u, v, key in sorted(g.edges(keys=True)):
        attrs = {"label": m.EDGE_LABELS.get(key, key), "kind": key}
        if key == m.DEPENDS_ON:
            attrs["color"] = CRITICAL if (u, v) in hot else "#333333"
            if (u, v) in hot:
                attrs["penwidth"] = "3"
        else:
            attrs.update(color=EDGE_GREY, style="dashed")
        body = ", ".join(f"{k}={_dot_quote(val)}" for k, val in attrs.items())
        lines.append(f"  {_dot_quote(u)} -> {_dot_quote(v)} [{body}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- Mermaid ---------------------------------------------------------------------------------

_MERMAID_SHAPES = {
    m.ACTION: ('["', '"]'),
    m.JALON: ('{"', '"}'),
    m.DESTINATION: ('{{"', '"}}'),
    m.SERVICE: ('[["', '"]]'),
    m.PERSON: ('(["', '"])'),
    m.DOSSIER: ('[/"', '"/]'),
}
MERMAID_CLASSES = {
    "pv": SIDE_COLOURS[m.PV],
    "dc": SIDE_COLOURS[m.DC],
    "etat": SIDE_COLOURS[m.ETAT],
    "partenaire": SIDE_COLOURS[m.PARTENAIRE],
    "autre": SIDE_COLOURS[m.AUTRE],
    "jalon": KIND_COLOURS[m.JALON],
    "dossier": KIND_COLOURS[m.DOSSIER],
    "destination": KIND_COLOURS[m.DESTINATION],
}
_SIDE_CLASS = {m.PV: "pv", m.DC: "dc", m.ETAT: "etat", m.PARTENAIRE: "partenaire"}


def _mermaid_text(text: str) -> str:
    # Mermaid has no backslash escapes: entity codes for what would end the label.
    return (
        text.replace("&", "&amp;")
        .replace('"', "#quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", " ")
    )


def to_mermaid(g: nx.MultiDiGraph, schedule: Schedule | None = None) -> str:
    critical = {n for path in (schedule.critical_paths.values() if schedule else ()) for n in path}
    hot = critical_edges(schedule)
    ids = {node: f"n{i}" for i, node in enumerate(sorted(g.nodes))}
    lines = ["flowchart LR"]
    classes: dict[str, list[str]] = {}
    for node, a in sorted(g.nodes(data=True)):
        kind = str(a.get("kind", ""))
        left, right = _MERMAID_SHAPES.get(kind, ('["', '"]'))
        lines.append(f"  {ids[node]}{left}{_mermaid_text(display_label(node, a))}{right}")
        css = kind if kind in KIND_COLOURS else _SIDE_CLASS.get(str(a.get("side")), "autre")
        classes.setdefault(css, []).append(ids[node])
        if node in critical:
            classes.setdefault("critique", []).append(ids[node])
    hot_links: list[int] = []
    for index, (u, v, key) in enumerate(sorted(g.edges(keys=True))):
        arrow = "-->" if key == m.DEPENDS_ON else "-.->"
        lines.append(f"  {ids[u]} {arrow}|{m.EDGE_LABELS.get(key, key)}| {ids[v]}")
        if key == m.DEPENDS_ON and (u, v) in hot:
            hot_links.append(index)
    for name, colour in MERMAID_CLASSES.items():
        lines.append(f"  classDef {name} fill:{colour},color:#ffffff,stroke:#333333")
    lines.append(f"  classDef critique stroke:{CRITICAL},stroke-width:4px")
    for name, members in sorted(classes.items()):
        lines.append(f"  class {','.join(members)} {name}")
    if hot_links:
        lines.append(
            f"  linkStyle {','.join(map(str, hot_links))} stroke:{CRITICAL},stroke-width:3px"
        )
    return "\n".join(lines) + "\n"


# --- dispatch --------------------------------------------------------------------------------


def _printable(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``g``, or a copy without the control characters a text may still hold (stored
    before the doors refused them): they make GraphML and GEXF invalid XML (issue 14)."""
    texts = [
        v
        for _, attrs in (*g.nodes(data=True), *((None, d) for *_, d in g.edges(data=True)))
        for v in attrs.values()
        if isinstance(v, str)
    ]
    if all(printable(t) is t for t in texts):
        return g
    h = g.copy()
    for _, attrs in (*h.nodes(data=True), *((None, d) for *_, d in h.edges(data=True))):
        for key, value in attrs.items():
            if isinstance(value, str):
                attrs[key] = printable(value)
    return h


def _write_text(text: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with atomic_file(path, "w") as handle:
            handle.write(text)

    return write


def write_graph(
    g: nx.MultiDiGraph, fmt: str, out: str | os.PathLike[str], schedule: Schedule | None = None
) -> Path:
    """Write ``g`` to ``out`` in ``fmt``; returns the path written."""
    import networkx as nx

    path = check_target(fmt, out)
    g = _printable(g)
    if fmt == "graphml":
        h = annotated(g, schedule)
        with atomic_file(path) as handle:
            nx.write_graphml(h, handle, encoding="utf-8")
    elif fmt == "gexf":
        h = annotated(g, schedule)
        with atomic_file(path) as handle:
            nx.write_gexf(h, handle, encoding="utf-8")
    elif fmt == "dot":
        _write_text(to_dot(g, schedule))(path)
    elif fmt == "mermaid":
        text = to_mermaid(g, schedule)
        if path.suffix.lower() == ".md":
            text = f"```mermaid\n{text}```\n"
        _write_text(text)(path)
    else:
        from roadmap.graph.picture import draw

        data = draw(g, schedule, fmt)
        with atomic_file(path) as handle:
            handle.write(data)
    return path
