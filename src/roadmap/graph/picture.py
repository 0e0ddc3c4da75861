"""The picture for the direction: a dated dependency chart and the cooperation network.

Drawn with matplotlib (pure PyPI wheels, SVG and PNG built in, no system Graphviz to
install). We use ``matplotlib.figure.Figure`` with an explicit canvas, never pyplot:
no global state, no GUI backend, safe in a worker thread.

Top panel: actions as bars from projected start to end, one row each, grouped by axe;
jalons as diamonds on the first row; the destination as a star on the horizon line;
dependencies as arrows; the critical path in red. Bottom panel: services and people
linked when they share an item, coloured by policy side. Legends in French.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING, Any

from roadmap.graph import model as m
from roadmap.graph.export import CRITICAL, KIND_COLOURS, SIDE_COLOURS, node_colour

if TYPE_CHECKING:
    import networkx as nx

    from roadmap.graph.schedule import Schedule

MAX_ACTION_ROWS = 60  # beyond, keep the critical path and the least marges
MAX_ACTORS = 60
_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def _month_label(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.year}"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _pick_actions(g: nx.MultiDiGraph, schedule: Schedule) -> tuple[list[str], int]:
    actions = [n for n in schedule.items if g.nodes[n]["kind"] == m.ACTION]
    if len(actions) <= MAX_ACTION_ROWS:
        chosen = actions
    else:
        critical = {n for path in schedule.critical_paths.values() for n in path}
        ranked = sorted(
            actions,
            key=lambda n: (
                n not in critical,
                schedule.items[n].margin if schedule.items[n].margin is not None else 10**9,
                n,
            ),
        )
        chosen = ranked[:MAX_ACTION_ROWS]
    chosen.sort(
        key=lambda n: (
            str(g.nodes[n].get("roadmap")),
            str(g.nodes[n].get("axe") or "~"),
            schedule.items[n].start,
            n,
        )
    )
    return chosen, len(actions)


def draw(g: nx.MultiDiGraph, schedule: Schedule | None, fmt: str) -> bytes:
    """The picture as SVG or PNG bytes."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from roadmap.graph.schedule import compute_schedule

    schedule = schedule or compute_schedule(g)
    actions, total_actions = _pick_actions(g, schedule)
    critical = {n for path in schedule.critical_paths.values() for n in path}
    rows = len(actions) + 1
    height = max(6.0, 3.5 + 0.32 * rows) + 4.5
    fig = Figure(figsize=(16, height), dpi=100, layout="constrained")
    grid = fig.add_gridspec(2, 1, height_ratios=[max(3.0, 0.32 * rows + 1.5), 4.5])
    ax = fig.add_subplot(grid[0])
    net = fig.add_subplot(grid[1])

    y_of: dict[str, float] = {}
    labels: list[str] = ["Jalons"]
    for i, node in enumerate(actions, start=1):
        y_of[node] = float(i)
        a = g.nodes[node]
        labels.append(f"{a.get('axe') or '—'} · {a['ref']} {_short(str(a['label']), 34)}")
    jalons = [n for n in schedule.items if g.nodes[n]["kind"] == m.JALON]
    for node in jalons:
        y_of[node] = 0.0

    for node in actions:
        t = schedule.items[node]
        a = g.nodes[node]
        on_path = node in critical
        width = max((t.end - t.start).days, 1)
        ax.barh(
            y_of[node],
            width,
            left=t.start.toordinal(),
            height=0.55,
            color=node_colour(a),
            alpha=0.45 if t.done else 0.9,
            edgecolor=CRITICAL if on_path else "#333333",
            linewidth=2.5 if on_path else 0.6,
            hatch="//" if not t.dated else None,
        )
        note = "terminée" if t.done else (f"marge {t.margin} j" if t.margin is not None else "")
        if t.delay:
            note += f", +{t.delay} j"
        ax.text(
            t.end.toordinal() + 2,
            y_of[node],
            note,
            va="center",
            fontsize=7,
            color=CRITICAL if on_path or (t.margin or 0) < 0 else "#333333",
        )
    for node in jalons:
        t = schedule.items[node]
        a = g.nodes[node]
        on_path = node in critical
        ax.scatter(
            [t.end.toordinal()],
            [0.0],
            marker="D",
            s=90 if on_path else 60,
            color=KIND_COLOURS[m.JALON],
            edgecolors=CRITICAL if on_path else "#333333",
            linewidths=2.0 if on_path else 0.6,
            zorder=3,
        )
        ax.annotate(
            str(a["ref"]),
            (t.end.toordinal(), 0.0),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize=7,
        )

    for u, v, key in g.edges(keys=True):
        if key != m.DEPENDS_ON or u not in y_of or v not in y_of:
            continue
        hot = u in critical and v in critical
        ax.annotate(
            "",
            xy=(schedule.items[u].start.toordinal(), y_of[u]),
            xytext=(schedule.items[v].end.toordinal(), y_of[v]),
            arrowprops={
                "arrowstyle": "->",
                "color": CRITICAL if hot else "#555555",
                "lw": 2.0 if hot else 0.7,
                "alpha": 0.9 if hot else 0.5,
                "connectionstyle": "arc3,rad=0.08",
            },
        )

    for path in schedule.critical_paths.values():  # last leg: the chain reaches the destination
        last = path[-2] if len(path) > 1 else None
        horizon = schedule.horizons.get(path[-1].split(":", 1)[1])
        if last in y_of and horizon is not None:
            ax.annotate(
                "",
                xy=(horizon.toordinal(), 0.0),
                xytext=(schedule.items[last].end.toordinal(), y_of[last]),
                arrowprops={
                    "arrowstyle": "->",
                    "color": CRITICAL,
                    "lw": 2.0,
                    "linestyle": "--",
                    "connectionstyle": "arc3,rad=0.08",
                },
            )
    for slug, horizon in schedule.horizons.items():
        x = horizon.toordinal()
        ax.axvline(x, color="#17becf", linestyle="--", linewidth=1.2)
        ax.scatter(
            [x],
            [0.0],
            marker="*",
            s=260,
            color=KIND_COLOURS[m.DESTINATION],
            edgecolors="#333333",
            zorder=4,
        )
        ax.annotate(f"Horizon {slug}", (x, rows - 0.4), ha="right", fontsize=8, color="#17becf")
    ax.axvline(schedule.today.toordinal(), color="#555555", linestyle=":", linewidth=1)
    ax.annotate(
        "aujourd'hui", (schedule.today.toordinal(), rows - 0.4), fontsize=8, color="#555555"
    )

    ax.set_yticks(range(rows), labels, fontsize=7)
    ax.set_ylim(rows - 0.3, -0.8)
    starts = [t.start for t in schedule.items.values()] + [schedule.today]
    ends = [t.end for t in schedule.items.values()] + list(schedule.horizons.values())
    first, last = min(starts), max(ends)
    ticks = []
    day = date(first.year, first.month, 1)
    while day <= last:
        ticks.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    step = max(1, len(ticks) // 14)
    ax.set_xticks(
        [d.toordinal() for d in ticks[::step]], [_month_label(d) for d in ticks[::step]], fontsize=7
    )
    ax.set_xlim(first.toordinal() - 10, last.toordinal() + 45)
    title = str(g.graph.get("name", ""))
    shown = (
        f" ({len(actions)} actions les plus contraintes sur {total_actions})"
        if (len(actions) < total_actions)
        else ""
    )
    ax.set_title(f"Dépendances, marges et chemin critique — {title}{shown}", fontsize=11)
    ax.grid(axis="x", color="#e5e5e5")

    _draw_cooperation(g, net)

    legend = [Patch(color=c, label=m.SIDE_LABELS[s]) for s, c in SIDE_COLOURS.items()]
    legend += [
        Line2D([], [], marker="D", linestyle="", color=KIND_COLOURS[m.JALON], label="Jalon"),
        Line2D(
            [],
            [],
            marker="*",
            linestyle="",
            markersize=12,
            color=KIND_COLOURS[m.DESTINATION],
            label="Point d'arrivée",
        ),
        Patch(facecolor="white", edgecolor="#333333", hatch="//", label="Action non datée"),
        Line2D([], [], color=CRITICAL, linewidth=2.5, label="Chemin critique"),
        Line2D([], [], marker="s", linestyle="", color="#777777", label="Service"),
        Line2D([], [], marker="o", linestyle="", color="#777777", label="Personne"),
    ]
    fig.legend(
        handles=legend,
        loc="outside lower center",
        ncol=6,
        fontsize=8,
        title="Légende : couleur = côté (politique), forme = nature",
    )
    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {}
    fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def _draw_cooperation(g: nx.MultiDiGraph, ax: Any) -> None:
    import networkx as nx

    from roadmap.graph.analyses import cooperation_graph

    coop = cooperation_graph(g)
    if coop.number_of_nodes() > MAX_ACTORS:
        keep = sorted(coop.degree(weight="weight"), key=lambda kv: -kv[1])[:MAX_ACTORS]
        coop = coop.subgraph(n for n, _ in keep).copy()
    ax.set_title(
        "Coopération : services et personnes qui partagent des actions, jalons ou dossiers",
        fontsize=11,
    )
    ax.set_axis_off()
    if coop.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "aucune coopération enregistrée", ha="center", transform=ax.transAxes)
        return
    pos = nx.spring_layout(coop, seed=7, weight="weight")
    for x, y in coop.edges:
        ax.plot(
            [pos[x][0], pos[y][0]],
            [pos[x][1], pos[y][1]],
            color="#bbbbbb",
            linewidth=0.4 + 0.4 * min(coop[x][y]["weight"], 6),
            zorder=1,
        )
    for node, a in coop.nodes(data=True):
        ax.scatter(
            [pos[node][0]],
            [pos[node][1]],
            s=180 if a["kind"] == m.SERVICE else 70,
            marker="s" if a["kind"] == m.SERVICE else "o",
            color=node_colour(a),
            edgecolors="#333333",
            linewidths=0.5,
            zorder=2,
        )
        ax.annotate(
            _short(str(a["label"]), 28),
            pos[node],
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize=7,
        )
