"""Dependencies between actions and jalons, with cycles refused at edit time.

A cycle check on the stored edges of one roadmap (a DFS from the prerequisite back to
the dependent) takes milliseconds; nx.find_cycle on a large graph took minutes (RISKS 16).
"""

from __future__ import annotations

from roadmap.domain.errors import CycleError, NotFound, ValidationError
from roadmap.models import Action, Dependency, Jalon, Roadmap

Node = tuple[str, int]  # ("action" | "jalon", id)


async def resolve_item(roadmap: Roadmap, ref: str, field: str = "dépendance") -> tuple[Node, str]:
    """Find an action (A…) or a jalon (J…) of the roadmap by its reference."""
    clean = (ref or "").strip().upper()
    if clean.startswith("A"):
        action = await Action.get_or_none(roadmap_id=roadmap.id, ref=clean)
        if action:
            return ("action", action.id), clean
    elif clean.startswith("J"):
        jalon = await Jalon.get_or_none(roadmap_id=roadmap.id, ref=clean)
        if jalon:
            return ("jalon", jalon.id), clean
    raise NotFound(
        f"« {ref} » n'est ni une action (A…) ni un jalon (J…) de {roadmap.slug}", field=field
    )


async def _edges(roadmap_id: int) -> dict[Node, list[Node]]:
    """Adjacency: dependent → prerequisites."""
    rows = await Dependency.filter(roadmap_id=roadmap_id).values_list(
        "action_id", "jalon_id", "on_action_id", "on_jalon_id"
    )
    graph: dict[Node, list[Node]] = {}
    for action_id, jalon_id, on_action_id, on_jalon_id in rows:
        source: Node = ("action", action_id) if action_id else ("jalon", jalon_id)
        target: Node = ("action", on_action_id) if on_action_id else ("jalon", on_jalon_id)
        graph.setdefault(source, []).append(target)
    return graph


def _path(graph: dict[Node, list[Node]], start: Node, goal: Node) -> list[Node] | None:
    stack: list[tuple[Node, list[Node]]] = [(start, [start])]
    seen: set[Node] = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                stack.append((nxt, [*path, nxt]))
    return None


async def _ref_of(node: Node) -> str:
    model = Action if node[0] == "action" else Jalon
    return str(await model.filter(id=node[1]).first().values_list("ref", flat=True))


async def add_dependency(roadmap: Roadmap, item: Node, on: Node) -> Dependency:
    """``item`` waits for ``on``; refused when ``item`` is already upstream of ``on``."""
    if item == on:
        raise ValidationError("un élément ne peut pas dépendre de lui-même", field="dépendances")
    graph = await _edges(roadmap.id)
    if on in graph.get(item, []):
        raise ValidationError("cette dépendance existe déjà", field="dépendances")
    loop = _path(graph, on, item)
    if loop is not None:
        refs = [await _ref_of(n) for n in [item, *loop]]
        raise CycleError(refs)
    return await Dependency.create(
        roadmap=roadmap,
        action_id=item[1] if item[0] == "action" else None,
        jalon_id=item[1] if item[0] == "jalon" else None,
        on_action_id=on[1] if on[0] == "action" else None,
        on_jalon_id=on[1] if on[0] == "jalon" else None,
    )


async def remove_dependency(roadmap: Roadmap, item: Node, on: Node) -> bool:
    deleted = await Dependency.filter(
        roadmap_id=roadmap.id,
        action_id=item[1] if item[0] == "action" else None,
        jalon_id=item[1] if item[0] == "jalon" else None,
        on_action_id=on[1] if on[0] == "action" else None,
        on_jalon_id=on[1] if on[0] == "jalon" else None,
    ).delete()
    return deleted > 0


async def prerequisites_of(item: Node) -> list[str]:
    """References (A…/J…) the item waits for, sorted."""
    key = "action_id" if item[0] == "action" else "jalon_id"
    rows = await Dependency.filter(**{key: item[1]}).values_list("on_action__ref", "on_jalon__ref")
    return sorted(str(a or j) for a, j in rows)


async def set_prerequisites(roadmap: Roadmap, item: Node, refs: list[str]) -> tuple[str, str]:
    """Make ``item`` wait for exactly ``refs``; returns (before, after) for the journal."""
    before = await prerequisites_of(item)
    wanted = sorted({r.strip().upper() for r in refs if r.strip()})
    for ref in before:
        if ref not in wanted:
            on, _ = await resolve_item(roadmap, ref)
            await remove_dependency(roadmap, item, on)
    for ref in wanted:
        if ref not in before:
            on, _ = await resolve_item(roadmap, ref)
            await add_dependency(roadmap, item, on)
    return ", ".join(before), ", ".join(wanted)
