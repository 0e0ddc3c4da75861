"""Every export read back by an independent reader: same nodes, same edges."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from pathlib import Path

import networkx as nx
import pydot
import pytest

from roadmap.domain.errors import StorageError, ValidationError
from roadmap.graph import model as m
from roadmap.graph.export import check_target, write_graph
from roadmap.graph.schedule import compute_schedule

from .helpers import a, example, j

TRICKY = 'Le "jardin" <bio> | a\\b\net & suite'


def sample() -> nx.MultiDiGraph:
    s = example()
    s.g.nodes[a("A3")]["label"] = TRICKY
    s.dossier("D1", instructors=("pv", "pat"))
    s.g.add_edge(m.service_id("pat"), m.dossier_id("D1"), key=m.FINANCES, kind=m.FINANCES)
    s.g.add_edge(m.dossier_id("D1"), a("A2"), key=m.CONCERNS, kind=m.CONCERNS)
    return s.g


def edge_multiset(g: nx.MultiDiGraph) -> Counter[tuple[str, str, str]]:
    return Counter((u, v, k) for u, v, k in g.edges(keys=True))


@pytest.fixture
def graph() -> nx.MultiDiGraph:
    return sample()


def test_graphml_round_trip(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    schedule = compute_schedule(graph, date(2026, 1, 1))
    path = write_graph(graph, "graphml", tmp_path / "g.graphml", schedule)
    back = nx.read_graphml(path, force_multigraph=True)
    assert set(back.nodes) == set(graph.nodes)
    assert Counter((u, v, d["kind"]) for u, v, d in back.edges(data=True)) == edge_multiset(graph)
    assert back.nodes[a("A3")]["label"] == TRICKY
    assert back.nodes[a("A4")]["margin"] == 15
    assert back.nodes[j("J1")]["critical"] is True
    assert back.nodes[a("A3")]["critical"] is False


def test_gexf_round_trip(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_graph(graph, "gexf", tmp_path / "g.gexf", compute_schedule(graph))
    back = nx.read_gexf(path)
    assert set(back.nodes) == set(graph.nodes)
    assert Counter((u, v, d["kind"]) for u, v, d in back.edges(data=True)) == edge_multiset(graph)
    assert back.nodes[a("A3")]["kind"] == m.ACTION


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pydot's own pyparsing calls
def test_dot_read_back_by_pydot(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_graph(graph, "dot", tmp_path / "g.dot", compute_schedule(graph, date(2026, 1, 1)))
    (dot,) = pydot.graph_from_dot_file(str(path))

    def unquote(name: str) -> str:
        return name[1:-1].replace('\\"', '"').replace("\\\\", "\\") if name[0] == '"' else name

    nodes = {unquote(n.get_name()) for n in dot.get_nodes()} - {"node", "edge", "graph"}
    assert nodes == set(graph.nodes)
    edges = Counter(
        (unquote(e.get_source()), unquote(e.get_destination()), unquote(e.get("kind")))
        for e in dot.get_edges()
    )
    assert edges == edge_multiset(graph)
    hot = [e for e in dot.get_edges() if e.get("penwidth")]
    assert {(unquote(e.get_source()), unquote(e.get_destination())) for e in hot} == {
        (a("A2"), a("A1")),
        (j("J1"), a("A2")),
        (a("A4"), j("J1")),
    }
    tricky = next(n for n in dot.get_nodes() if unquote(n.get_name()) == a("A3"))
    assert "jardin" in tricky.get("label")


_SHAPE = r'(\["[^"]*"\]|\{"[^"]*"\}|\{\{"[^"]*"\}\}|\[\["[^"]*"\]\]|\(\["[^"]*"\]\)|\[/"[^"]*"/\])'
_NODE = re.compile(rf"^  (n\d+){_SHAPE}$")
_EDGE = re.compile(r"^  (n\d+) (-->|-\.->)\|([^|\"\[\]{}]+)\| (n\d+)$")
_CLASSDEF = re.compile(r"^  classDef (\w+) [\w-]+:[#\w]+(,[\w-]+:[#\w]+)*$")
_CLASS = re.compile(r"^  class (n\d+(?:,n\d+)*) (\w+)$")
_LINKSTYLE = re.compile(r"^  linkStyle (\d+(?:,\d+)*) [\w-]+:[#\w]+(,[\w-]+:[#\w]+)*$")


def check_mermaid(text: str) -> tuple[set[str], list[tuple[str, str, str]]]:
    """A strict check of the Mermaid subset we write: every line must parse."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart LR"
    nodes: set[str] = set()
    edges: list[tuple[str, str, str]] = []
    defined: set[str] = set()
    used: set[str] = set()
    styled: list[int] = []
    for line in lines[1:]:
        if match := _NODE.match(line):
            assert match[1] not in nodes, f"nœud déclaré deux fois : {line}"
            nodes.add(match[1])
        elif match := _EDGE.match(line):
            assert match[1] in nodes and match[4] in nodes, f"lien vers un nœud inconnu : {line}"
            edges.append((match[1], match[4], match[3]))
        elif match := _CLASSDEF.match(line):
            defined.add(match[1])
        elif match := _CLASS.match(line):
            assert set(match[1].split(",")) <= nodes
            used.add(match[2])
        elif match := _LINKSTYLE.match(line):
            styled += [int(i) for i in match[1].split(",")]
        else:
            raise AssertionError(f"ligne Mermaid invalide : {line!r}")
    assert used <= defined
    assert all(0 <= i < len(edges) for i in styled)
    return nodes, edges


def test_mermaid_passes_the_syntax_check(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_graph(graph, "mermaid", tmp_path / "g.mmd", compute_schedule(graph))
    nodes, edges = check_mermaid(path.read_text(encoding="utf-8"))
    ids = {f"n{i}": node for i, node in enumerate(sorted(graph.nodes))}
    assert {ids[n] for n in nodes} == set(graph.nodes)
    labels = {v: k for k, v in m.EDGE_LABELS.items()}
    assert Counter((ids[u], ids[v], labels[k]) for u, v, k in edges) == edge_multiset(graph)
    fenced = write_graph(graph, "mermaid", tmp_path / "g.md").read_text(encoding="utf-8")
    assert fenced.startswith("```mermaid\nflowchart LR\n") and fenced.endswith("```\n")


def test_svg_picture_is_valid_and_substantial(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_graph(graph, "svg", tmp_path / "g.svg", compute_schedule(graph))
    assert path.stat().st_size > 20_000
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = path.read_text(encoding="utf-8")
    # matplotlib draws glyphs as paths and leaves each text in a comment.
    for words in ("<!-- Chemin critique -->", "<!-- Politique de la ville -->", "<!-- Jalon -->"):
        assert words in text


def test_png_picture_is_valid_and_substantial(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_graph(graph, "png", tmp_path / "g.png", compute_schedule(graph))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 1000 and height >= 600


@pytest.mark.parametrize(
    ("fmt", "name", "expected"),
    [
        ("pdf", "g.pdf", "format « pdf » inconnu"),
        ("svg", "g.png", "ne correspond pas au format svg"),
        ("dot", "", "chemin de fichier vide"),
    ],
)
def test_bad_targets_are_refused_in_french(
    tmp_path: Path, fmt: str, name: str, expected: str
) -> None:
    out = str(tmp_path / name) if name else ""
    with pytest.raises(ValidationError, match=expected) as refused:
        check_target(fmt, out)
    assert refused.value.field in ("--format", "--out")


def test_a_missing_folder_is_an_io_failure(tmp_path: Path) -> None:
    """Exit 4 like export and report (README's exit codes), not a usage error."""
    with pytest.raises(StorageError, match="n'existe pas") as refused:
        check_target("png", str(tmp_path / "absent" / "g.png"))
    assert refused.value.field == "--out"


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "g.svg").mkdir()
    with pytest.raises(ValidationError, match="dossier"):
        check_target("svg", tmp_path / "g.svg")


def test_a_failed_write_leaves_no_partial_file(
    graph: nx.MultiDiGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: object, **__: object) -> str:
        raise RuntimeError("panne")

    monkeypatch.setattr("roadmap.graph.export.to_dot", boom)
    with pytest.raises(RuntimeError):
        write_graph(graph, "dot", tmp_path / "g.dot")
    assert list(tmp_path.iterdir()) == []
