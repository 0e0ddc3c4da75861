"""The graph file formats and their suffixes: light, so ``roadmap --help`` can list them."""

from __future__ import annotations

FORMATS = ("graphml", "gexf", "dot", "mermaid", "svg", "png")
SUFFIXES = {
    "graphml": (".graphml", ".xml"),
    "gexf": (".gexf", ".xml"),
    "dot": (".dot", ".gv"),
    "mermaid": (".mmd", ".mermaid", ".md"),
    "svg": (".svg",),
    "png": (".png",),
}
