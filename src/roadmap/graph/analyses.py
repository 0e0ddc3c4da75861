"""Load, bottlenecks, alliance and consistency: pure functions of the roadmap graph.

Bottlenecks are computed on the cooperation graph projected onto services and people
(hundreds of nodes), never on every action and dossier: sampled betweenness on the full
graph took 13 s here (RISKS 17).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations
from typing import TYPE_CHECKING, Any

from roadmap.formatting import date_short
from roadmap.graph import model as m

if TYPE_CHECKING:
    import networkx as nx

    from roadmap.graph.schedule import Schedule

ACTORS = frozenset({m.SERVICE, m.PERSON})
ITEMS = frozenset({m.ACTION, m.JALON, m.DOSSIER})


def _kind(g: nx.MultiDiGraph, node: str) -> str:
    return str(g.nodes[node].get("kind", ""))


def _is_live(attrs: dict[str, Any]) -> bool:
    """An item that still counts: not abandoned, cancelled or closed."""
    kind = attrs.get("kind")
    if kind == m.ACTION:
        return attrs.get("status") != "abandonnee"
    if kind == m.JALON:
        return attrs.get("status") != "annule"
    return kind == m.DOSSIER and attrs.get("state") != "irrecevable"


# --- load -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadThresholds:
    """Above any of these, a person or a service is flagged as overloaded."""

    person_actions: int = 5
    service_actions: int = 12
    dossiers: int = 8
    jalons: int = 4
    window_days: int = 60  # "upcoming" jalons: from today to today + window


@dataclass
class Load:
    node: str
    kind: str  # service | person
    label: str
    side: str
    actions: int = 0  # open actions owned (person) or piloted + contributed (service)
    piloted: int = 0
    contributed: int = 0
    dossiers: int = 0  # dossiers still to instruct
    jalons: int = 0  # upcoming jalons invited to
    reasons: list[str] = field(default_factory=list)

    @property
    def overloaded(self) -> bool:
        return bool(self.reasons)

    @property
    def total(self) -> int:
        return self.actions + self.dossiers + self.jalons


def compute_load(
    g: nx.MultiDiGraph, today: date | None = None, thresholds: LoadThresholds | None = None
) -> list[Load]:
    """Open work per person and per service, most loaded first; idle actors left out."""
    today = today or date.today()
    limits = thresholds or LoadThresholds()
    until = today + timedelta(days=limits.window_days)
    loads: dict[str, Load] = {}

    def load_of(node: str) -> Load:
        if node not in loads:
            a = g.nodes[node]
            loads[node] = Load(node, str(a["kind"]), str(a.get("label", "")), str(a.get("side")))
        return loads[node]

    in_edges = (
        (u, v, key)
        for v, a in g.nodes(data=True)
        if a.get("kind") in ITEMS
        for u, keys in g.pred[v].items()
        for key in keys
    )
    for u, v, key in in_edges:
        target = g.nodes[v]
        if key in (m.OWNS, m.PILOTS, m.CONTRIBUTES):
            if target.get("status") not in m.OPEN_ACTION:
                continue
            load = load_of(u)
            load.actions += 1
            load.piloted += key == m.PILOTS
            load.contributed += key == m.CONTRIBUTES
        elif key == m.INSTRUCTS and target.get("state") in m.OPEN_DOSSIER:
            load_of(u).dossiers += 1
        elif key == m.INVITED_TO and target.get("status") == "prevu":
            day = m.parse_day(target.get("date"))
            if day is not None and today <= day <= until:
                load_of(u).jalons += 1
    for load in loads.values():
        max_actions = limits.person_actions if load.kind == m.PERSON else limits.service_actions
        if load.actions > max_actions:
            load.reasons.append(f"{load.actions} actions ouvertes (seuil {max_actions})")
        if load.dossiers > limits.dossiers:
            load.reasons.append(f"{load.dossiers} dossiers à instruire (seuil {limits.dossiers})")
        if load.jalons > limits.jalons:
            load.reasons.append(
                f"{load.jalons} jalons dans les {limits.window_days} jours (seuil {limits.jalons})"
            )
    return sorted(loads.values(), key=lambda x: (not x.overloaded, -x.total, x.label))


# --- cooperation: projection onto services and people ----------------------------------------


def participants(g: nx.MultiDiGraph, item: str) -> set[str]:
    """Services and people taking part in an item (pilot, owner, contributors, invitees...)."""
    return {u for u, keys in g.pred[item].items() if not m.PARTICIPATION.isdisjoint(keys)}


def services_of(g: nx.MultiDiGraph, item: str) -> set[str]:
    """Services taking part in an item, directly or through a person of theirs."""
    result: set[str] = set()
    for actor in participants(g, item):
        if _kind(g, actor) == m.SERVICE:
            result.add(actor)
        else:
            home = g.nodes[actor].get("service")
            if home and m.service_id(str(home)) in g:
                result.add(m.service_id(str(home)))
    return result


def cooperation_graph(g: nx.MultiDiGraph, roadmap: str | None = None) -> nx.Graph:
    """Services and people, linked when they share a live action, jalon or dossier.

    Edge weight = number of items shared. A person is also linked to their home service,
    even when that service takes no part itself (it is then reached through them only).
    """
    import networkx as nx

    attrs = g.nodes
    actors: set[str] = set()
    weights: Counter[tuple[str, str]] = Counter()  # counted first, one add_edges_from after
    for node, a in g.nodes(data=True):
        if a.get("kind") not in ITEMS or not _is_live(a):
            continue
        if roadmap is not None and a.get("roadmap") != roadmap:
            continue
        group = sorted(participants(g, node))
        actors.update(group)
        weights.update(combinations(group, 2))
    for actor in list(actors):
        home = attrs[actor].get("service") if attrs[actor]["kind"] == m.PERSON else None
        # A partner service reached only through one of its people stays in the picture:
        # that person is then its single link to the roadmap (an articulation point).
        if home and m.service_id(str(home)) in g:
            actors.add(m.service_id(str(home)))
            pair = (actor, m.service_id(str(home)))
            if pair not in weights and pair[::-1] not in weights:
                weights[pair] = 1
    p: nx.Graph = nx.Graph()
    p.add_nodes_from(
        (n, {"kind": attrs[n]["kind"], "label": attrs[n]["label"], "side": attrs[n]["side"]})
        for n in sorted(actors)
    )
    p.add_edges_from((x, y, {"weight": w}) for (x, y), w in weights.items())
    return p


@dataclass(frozen=True)
class Fragility:
    node: str
    label: str
    kind: str
    side: str
    cut_off: int  # actors separated from the largest group if this one leaves
    betweenness: float
    articulation: bool


def bottlenecks(
    coop: nx.Graph, *, sample_above: int = 300, budget: int = 400_000, seed: int = 7
) -> list[Fragility]:
    """Articulation points and top betweenness on the cooperation projection.

    Betweenness is exact up to ``sample_above`` actors; beyond, it is sampled from as many
    pivots as ``budget`` node+link visits allow (8 to 100; fixed seed so runs agree):
    each pivot is one traversal of the projection, 100 of them took 5 s at Métropole scale.
    """
    import networkx as nx

    size = coop.number_of_nodes()
    if size == 0:
        return []
    pivots = max(8, min(100, budget // (size + coop.number_of_edges())))
    k = min(pivots, size) if size > sample_above else None
    between = nx.betweenness_centrality(coop, k=k, seed=seed if k else None)
    cuts = set(nx.articulation_points(coop))
    result = []
    for node in cuts:
        component = nx.node_connected_component(coop, node)
        rest = coop.subgraph(component - {node})
        sizes = sorted((len(c) for c in nx.connected_components(rest)), reverse=True)
        cut_off = sum(sizes[1:])
        a = coop.nodes[node]
        result.append(
            Fragility(node, a["label"], a["kind"], a["side"], cut_off, between[node], True)
        )
    top = sorted(between.items(), key=lambda kv: -kv[1])[:10]
    for node, value in top:
        if node in cuts or value <= 0:
            continue
        a = coop.nodes[node]
        result.append(Fragility(node, a["label"], a["kind"], a["side"], 0, value, False))
    return sorted(result, key=lambda f: (not f.articulation, -f.cut_off, -f.betweenness, f.node))


@dataclass(frozen=True)
class SingleLink:
    """A service that holds to the roadmap through one person only."""

    service: str
    service_label: str
    person: str
    person_label: str

    @property
    def message(self) -> str:
        return f"{self.service_label} ne tient à la feuille de route que par {self.person_label}"


def single_links(coop: nx.Graph) -> list[SingleLink]:
    """Services whose every link in the cooperation projection goes through one person."""
    found = []
    for node, a in coop.nodes(data=True):
        if a.get("kind") != m.SERVICE:
            continue
        neighbours = list(coop.neighbors(node))
        if len(neighbours) == 1 and coop.nodes[neighbours[0]].get("kind") == m.PERSON:
            person = neighbours[0]
            found.append(SingleLink(node, a["label"], person, coop.nodes[person]["label"]))
    return sorted(found, key=lambda x: (x.service_label, x.person_label))


# --- alliance --------------------------------------------------------------------------------


@dataclass
class Participation:
    node: str
    label: str
    side: str
    actions: int = 0
    jalons: int = 0
    dossiers: int = 0

    @property
    def total(self) -> int:
        return self.actions + self.jalons + self.dossiers


@dataclass
class Alliance:
    """Who takes part, per policy side, and how much the two policies work together."""

    participating: list[Participation]
    absent: list[str]  # droit commun and État services (node ids) taking no part
    isolated: list[str]  # taking part, but never with a service of the other policy
    actions: int
    actions_both: int  # actions with a politique de la ville and a droit commun service

    @property
    def share_both(self) -> float:
        return self.actions_both / self.actions if self.actions else 0.0

    def by_side(self, *sides: str) -> list[Participation]:
        return [p for p in self.participating if p.side in sides]


def _policy(side: str) -> str:
    """Politique de la ville on one side, every other service on the other."""
    return "pv" if side == m.PV else "autre"


def alliance(g: nx.MultiDiGraph, roadmap: str | None = None) -> Alliance:
    seen: dict[str, Participation] = {}
    partners: dict[str, set[str]] = defaultdict(set)  # service → policies met on shared items
    actions = actions_both = 0
    for node, a in g.nodes(data=True):
        kind = a.get("kind")
        if kind not in ITEMS or not _is_live(a):
            continue
        if roadmap is not None and a.get("roadmap") != roadmap:
            continue
        services = services_of(g, node)
        sides = {str(g.nodes[s]["side"]) for s in services}
        for s in services:
            if s not in seen:
                seen[s] = Participation(s, str(g.nodes[s]["label"]), str(g.nodes[s]["side"]))
            p = seen[s]
            p.actions += kind == m.ACTION
            p.jalons += kind == m.JALON
            p.dossiers += kind == m.DOSSIER
            own = _policy(p.side)
            partners[s].update(_policy(x) for x in sides if _policy(x) != own)
        if kind == m.ACTION:
            actions += 1
            actions_both += m.PV in sides and m.DC in sides
    absent = sorted(
        n
        for n, a in g.nodes(data=True)
        if a.get("kind") == m.SERVICE and a.get("side") in (m.DC, m.ETAT) and n not in seen
    )
    isolated = sorted(s for s in seen if not partners[s])
    participating = sorted(seen.values(), key=lambda p: (p.side, -p.total, p.label))
    return Alliance(participating, absent, isolated, actions, actions_both)


# --- consistency ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    kind: str  # depend_abandon | apres_horizon | cycle | dates
    node: str
    message: str


def consistency(g: nx.MultiDiGraph, schedule: Schedule | None = None) -> list[Issue]:
    """What the plan says that cannot hold. Cycles are refused at edit time already."""
    issues: list[Issue] = []
    horizons = {
        str(a["roadmap"]): m.parse_day(a.get("date"))
        for _, a in g.nodes(data=True)
        if a.get("kind") == m.DESTINATION
    }
    items = [n for n, a in g.nodes(data=True) if a.get("kind") in (m.ACTION, m.JALON)]
    dependencies = [(u, v) for u in items for v, keys in g.succ[u].items() if m.DEPENDS_ON in keys]
    for u, v in dependencies:
        a, b = g.nodes[u], g.nodes[v]
        if not _is_live(a) or a.get("status") in ("terminee", "tenu"):
            continue
        if b.get("status") in ("abandonnee", "annule"):
            what = "l'action abandonnée" if b.get("kind") == m.ACTION else "le jalon annulé"
            issues.append(
                Issue(
                    "depend_abandon",
                    u,
                    f"{a['ref']} « {a['label']} » dépend de {what} {b['ref']} « {b['label']} »",
                )
            )
            continue
        start, before = m.parse_day(a.get("start")), m.parse_day(b.get("end"))
        if start and before and start < before:
            issues.append(
                Issue(
                    "dates",
                    u,
                    f"{a['ref']} commence le {date_short(start)}, avant la fin de {b['ref']} "
                    f"dont {'il' if a.get('kind') == m.JALON else 'elle'} dépend "
                    f"({date_short(before)})",
                )
            )
    for node, a in g.nodes(data=True):
        if a.get("kind") not in (m.ACTION, m.JALON) or not _is_live(a):
            continue
        horizon = horizons.get(str(a.get("roadmap")))
        end = m.parse_day(a.get("end"))
        if horizon and end and end > horizon:
            what = "le jalon" if a["kind"] == m.JALON else "l'action"
            issues.append(
                Issue(
                    "apres_horizon",
                    node,
                    f"{what} {a['ref']} « {a['label']} » ({date_short(end)}) est après l'horizon "
                    f"({date_short(horizon)})",
                )
            )
    if schedule is not None:
        for node in schedule.in_cycle:
            a = g.nodes[node]
            issues.append(Issue("cycle", node, f"{a['ref']} est pris dans un cycle de dépendances"))
    return sorted(issues, key=lambda i: (i.kind, i.node))
