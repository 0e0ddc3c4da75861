"""The roadmap as a graph: build it from the database, analyse it, export it.

networkx is imported only inside the functions that need it (0.2-1.3 s, RISKS 15), so
importing this package costs nothing on the TUI's start-up path.

- ``build.build_graph(slug)``: the typed MultiDiGraph (node ids in ``model``).
- ``schedule``: projected dates, marges, critical path, impact of a slip.
- ``analyses``: load, cooperation bottlenecks, alliance, consistency.
- ``review``: permission-checked entry points for the CLI, the report and the TUI.
- ``export`` / ``picture`` / ``report``: GraphML, GEXF, DOT, Mermaid, SVG/PNG, Markdown.
"""

from __future__ import annotations

from datetime import date


async def margins_for_roadmap(slug: str, today: date | None = None) -> dict[str, int | None]:
    """Marge in days per action/jalon ref of ``slug`` (see ``review.margins_for_roadmap``)."""
    from roadmap.graph.review import margins_for_roadmap as compute

    return await compute(slug, today)


__all__ = ["margins_for_roadmap"]
