"""The COPIL one-pager, in Markdown, with the picture beside it.

Reads only what the direction may see: never the instructors' private annotations.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadmap.domain.enums import ActionStatus, AdjustmentKind, DossierState, ServiceKind
from roadmap.domain.errors import ValidationError
from roadmap.domain.validation import printable
from roadmap.formatting import plural
from roadmap.graph import model as m
from roadmap.graph.review import Review, analyse, read_graph

if TYPE_CHECKING:
    from roadmap.usecases.identity import Actor

RISK_DAYS = 30  # a marge at or below this many days is "at risk"


@dataclass(frozen=True)
class Rerouting:
    day: date
    item: str
    field: str
    old: str
    new: str
    kind: str
    reason: str
    author: str
    cause: str = ""  # ref of the item whose move pushed this one (empty: moved by hand)
    author_name: str = ""  # the person's name, for people reading the report

    @property
    def why(self) -> str:
        """The reason, with what pushed the item when it was shifted along."""
        return f"entraîné par {self.cause} : {self.reason}" if self.cause else self.reason


def _value(text: str) -> str:
    """A stored value as people read it: an ISO date becomes 29/11/2026."""
    try:
        return _fr(date.fromisoformat(text)) if len(text) == 10 else text
    except ValueError:
        return text


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ").strip() or "—"


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _fr(day: date | None) -> str:
    from roadmap.formatting import date_short

    return date_short(day) if day else "non daté"


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "—"


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def last_copil(review: Review, slug: str) -> tuple[str, date] | None:
    """The last COPIL held (or whose date has passed) of the roadmap."""
    found = [
        (m.parse_day(a.get("date")), str(a["ref"]))
        for _, a in review.graph.nodes(data=True)
        if a.get("kind") == m.JALON
        and a.get("roadmap") == slug
        and a.get("jalon_kind") == "copil"
        and a.get("status") != "annule"
        and m.parse_day(a.get("date")) is not None
        and m.parse_day(a.get("date")) <= review.schedule.today  # type: ignore[operator]
    ]
    if not found:
        return None
    day, ref = max(found)  # type: ignore[type-var]
    assert day is not None
    return ref, day


async def reroutings(slug: str, since: date | None) -> list[Rerouting]:
    """Re-routings of the roadmap made on or after ``since`` (all of them when None)."""
    from tortoise import connections

    conn = connections.get("default")
    mark = "$1" if conn.capabilities.dialect == "postgres" else "?"
    _, rows = await conn.execute_query(
        "SELECT adj.created_at, adj.field, adj.old_value, adj.new_value, adj.kind, "
        "adj.reason, adj.author, act.ref, jal.ref, adj.cause, p.name FROM adjustment adj "
        "JOIN roadmap r ON r.id = adj.roadmap_id "
        "LEFT JOIN person p ON p.login = adj.author "
        "LEFT JOIN action act ON act.id = adj.action_id "
        "LEFT JOIN jalon jal ON jal.id = adj.jalon_id "
        f"WHERE r.slug = {mark} ORDER BY adj.created_at, adj.id",
        [slug],
    )
    result = []
    for created, field, old, new, kind, reason, author, action_ref, jalon_ref, cause, name in rows:
        day = _as_datetime(created).date()
        if since is not None and day < since:
            continue
        label = AdjustmentKind(kind).label if kind in AdjustmentKind._value2member_map_ else kind
        item = action_ref or jalon_ref or "feuille de route"
        result.append(
            Rerouting(
                day,
                item,
                str(field),
                str(old),
                str(new),
                label,
                str(reason),
                str(author),
                str(cause or ""),
                str(name or ""),
            )
        )
    return result


def _section_destination(review: Review, slug: str) -> list[str]:
    g, s = review.graph, review.schedule
    dest = g.nodes[m.destination_id(slug)]
    horizon = s.horizons.get(slug)
    finish = s.finish(slug)
    lines = ["## Point d'arrivée", ""]
    lines += [f"> {line}" for line in str(dest["label"]).splitlines() or [""]]
    lines.append("")
    lines.append(f"- **Horizon** : {_fr(horizon)}")
    if finish and horizon:
        gap = (horizon - finish).days
        verdict = (
            f"{gap} jours avant l'horizon" if gap >= 0 else f"**dépasse l'horizon de {-gap} jours**"
        )
        lines.append(f"- **Fin projetée** : {_fr(finish)} ({verdict})")
    statuses = Counter(
        str(a.get("status"))
        for _, a in g.nodes(data=True)
        if a.get("kind") == m.ACTION and a.get("roadmap") == slug
    )
    parts = [f"{ActionStatus(k).label.lower()} : {n}" for k, n in sorted(statuses.items())]
    lines.append(f"- **Actions** : {sum(statuses.values())} ({', '.join(parts) or 'aucune'})")
    return lines


def _section_axes(review: Review, slug: str) -> list[str]:
    per_axe: dict[str, Counter[str]] = {}
    titles: dict[str, str] = {}
    for _, a in review.graph.nodes(data=True):
        if a.get("kind") != m.ACTION or a.get("roadmap") != slug:
            continue
        key = str(a.get("axe") or "")
        titles[key] = str(a.get("axe_title") or "Sans axe")
        per_axe.setdefault(key, Counter())[str(a.get("status"))] += 1
    rows = []
    for key in sorted(per_axe, key=lambda k: (k == "", k)):
        c = per_axe[key]
        counted = sum(c.values()) - c["abandonnee"]
        rows.append(
            [
                f"{key} {titles[key]}".strip(),
                counted,
                c["terminee"],
                c["en_cours"],
                c["bloquee"],
                c["idee"] + c["a_lancer"],
                _percent(c["terminee"], counted),
            ]
        )
    headers = ["Axe", "Actions", "Terminées", "En cours", "Bloquées", "À lancer", "Avancement"]
    return ["## Avancement par axe", "", *_table(headers, rows)]


def _section_critical(review: Review, slug: str) -> list[str]:
    s = review.schedule
    path = s.critical_paths.get(slug, [])
    lines = ["## Chemin critique", ""]
    items = [n for n in path if n in s.items]
    if not items:
        return [*lines, "Aucune action ni aucun jalon ouvert ne mène au point d'arrivée."]
    chain = " → ".join(str(review.graph.nodes[n]["ref"]) for n in items)
    lines += [f"**{chain} → point d'arrivée**", ""]
    for i, node in enumerate(items, start=1):
        t = s.items[node]
        margin = "terminé" if t.margin is None else f"marge {t.margin} j"
        late = f", {t.delay} j de retard" if t.delay else ""
        lines.append(f"{i}. {review.label(node)} — fin {_fr(t.end)} ({margin}{late})")
    lines.append(f"{len(items) + 1}. Point d'arrivée — horizon {_fr(s.horizons.get(slug))}")
    return lines


def _section_margins(review: Review, slug: str, risk_days: int) -> list[str]:
    g = review.graph
    at_risk = [t for t in review.schedule.margins() if t.roadmap == slug and t.margin <= risk_days]  # type: ignore[operator]
    lines = [f"## Marges à risque (≤ {risk_days} jours)", ""]
    if not at_risk:
        return [*lines, f"Aucune action ni aucun jalon sous {risk_days} jours de marge."]
    rows = []
    for t in at_risk:
        a = g.nodes[t.node]
        who = a.get("owner") or a.get("pilot") or ""
        rows.append(
            [
                review.label(t.node),
                _fr(t.end) + ("" if t.dated else " (non daté)"),
                f"{t.margin} j",
                f"{t.delay} j" if t.delay else "—",
                who,
            ]
        )
    return [*lines, *_table(["Élément", "Fin projetée", "Marge", "Retard", "Porté par"], rows)]


def _section_reroutings(
    slug: str, copil: tuple[str, date] | None, items: list[Rerouting]
) -> list[str]:
    since = f" depuis le dernier COPIL ({copil[0]}, {_fr(copil[1])})" if copil else ""
    lines = [f"## Ajustements d'itinéraire{since}", ""]
    if not copil:
        lines += ["Aucun COPIL tenu pour l'instant : tous les ajustements sont listés.", ""]
    if not items:
        return [*lines, "Aucun ajustement."]
    rows = [
        [
            _fr(r.day),
            r.item,
            r.field,
            f"{_value(r.old)} → {_value(r.new)}",
            r.kind,
            r.why,
            r.author_name or r.author,
        ]
        for r in items
    ]
    return [
        *lines,
        *_table(["Date", "Élément", "Champ", "Changement", "Nature", "Motif", "Par"], rows),
    ]


def _section_dossiers(review: Review, slug: str) -> list[str]:
    g = review.graph
    rows = []
    for node, a in sorted(g.nodes(data=True)):
        if a.get("kind") != m.DOSSIER or a.get("roadmap") != slug:
            continue
        if a.get("state") not in m.WAITING_DOSSIER:
            continue
        instructors = sorted(
            str(g.nodes[u]["label"]) for u, _, k in g.in_edges(node, keys=True) if k == m.INSTRUCTS
        )
        rows.append(
            [
                a["ref"],
                a.get("porteur", ""),
                a.get("label", ""),
                DossierState(a["state"]).label,
                ", ".join(instructors),
                _fr(m.parse_day(a.get("deadline"))) if a.get("deadline") else "—",
            ]
        )
    lines = ["## Dossiers en attente", ""]
    if not rows:
        return [*lines, "Aucun dossier en attente d'avis ou de décision."]
    headers = ["Dossier", "Porteur", "Titre", "État", "Instruit par", "Avis attendus le"]
    return [*lines, *_table(headers, rows)]


def _names(review: Review, nodes: list[str]) -> str:
    return ", ".join(str(review.graph.nodes[n]["label"]) for n in nodes) or "aucun"


def _section_alliance(review: Review) -> list[str]:
    al = review.alliance
    lines = ["## Alliance", ""]
    for side in (m.DC, m.ETAT, m.PARTENAIRE, m.PV):
        group = al.by_side(side)
        if not group:
            continue
        detail = ", ".join(
            f"{p.label} ({p.actions} act., {p.jalons} jal., {p.dossiers} doss.)" for p in group
        )
        lines.append(f"- **{ServiceKind(side).label}** : {detail}")
    lines.append(
        f"- **Actions associant politique de la ville et droit commun** : "
        f"{_percent(al.actions_both, al.actions)} ({al.actions_both} sur {al.actions})"
    )
    lines.append(f"- **Services droit commun et État absents** : {_names(review, al.absent)}")
    lines.append(
        f"- **Services isolés** (jamais avec l'autre politique) : {_names(review, al.isolated)}"
    )
    return lines


def _section_load(review: Review) -> list[str]:
    lines = ["## Charge", ""]
    over = review.overloaded
    if not over:
        return [*lines, "Personne ni aucun service au-dessus des seuils."]
    for load in over:
        who = "personne" if load.kind == m.PERSON else "service"
        lines.append(f"- **{load.label}** ({who}) : {' ; '.join(load.reasons)}")
    return lines


def _section_fragility(review: Review) -> list[str]:
    lines = ["## Fragilités de la coopération", ""]
    cuts = [f for f in review.fragility if f.articulation]
    for link in review.single_links:
        lines.append(
            f"- **{link.service_label}** ne tient à la feuille de route que par "
            f"**{link.person_label}**"
        )
    if not cuts and not review.single_links:
        lines.append(
            "Aucun point de passage obligé : la coopération tient sans personne en particulier."
        )
    for f in cuts:
        lines.append(
            f"- **{f.label}** : son départ isolerait "
            + plural(f.cut_off, "service ou personne", "services ou personnes")
        )
    return lines


def _section_issues(review: Review, slug: str) -> list[str]:
    issues = [i for i in review.issues if review.graph.nodes[i.node].get("roadmap") == slug]
    if not issues:
        return []
    return ["## Cohérence", "", *[f"- {i.message}" for i in issues]]


async def since_copil_sections(
    actor: Actor, slug: str, since: str | None, today: date | None
) -> list[str]:
    """« Ce qui a changé depuis le COPIL du … », then the relevé of the last COPIL."""
    from roadmap.domain.comparison_text import markdown
    from roadmap.usecases.baselines import compare_with
    from roadmap.usecases.releve import last_steering_with_decisions

    lines: list[str] = []
    comparison = await compare_with(actor, slug, since, today=today)
    if comparison is not None:
        lines += [*markdown(comparison), ""]
    else:
        lines += [
            "## Ce qui a changé depuis le dernier COPIL",
            "",
            "Aucune référence prise : marquez un COPIL « Tenu » et figez le plan, ou "
            "`roadmap baseline create`.",
            "",
        ]
    releve = await last_steering_with_decisions(slug)
    if releve is not None:
        lines += _section_releve(releve[1], today or date.today())
    return lines


def _section_releve(rows: list[Any], today: date) -> list[str]:
    first = rows[0]
    head = f"## Relevé de décisions du {first.jalon_kind.label} du {_fr(first.jalon_date)}"
    done = sum(1 for r in rows if r.done)
    lines = [f"{head} ({first.jalon_ref})", "", f"{plural(done, 'faite')} sur {len(rows)}.", ""]
    table = [
        [
            r.ref,
            r.text,
            r.carrier_name or r.carrier_login or "—",
            _fr(r.due_date) if r.due_date else "—",
            r.standing(today),
            ", ".join(r.links) or "—",
        ]
        for r in rows
    ]
    headers = ["Réf", "Décision", "Porté par", "Échéance", "Où en est-on", "Liens"]
    return [*lines, *_table(headers, table)]


def render(
    review: Review,
    slug: str,
    rerouted: list[Rerouting],
    copil: tuple[str, date] | None,
    picture: str | None,
    risk_days: int = RISK_DAYS,
    opening: list[str] | None = None,
) -> str:
    """The one-pager; ``opening`` (what changed since the COPIL, its relevé) comes first."""
    dest = review.graph.nodes[m.destination_id(slug)]
    lines = [
        f"# Revue COPIL — {dest.get('title', slug)}",
        "",
        f"*Feuille de route `{slug}` · situation au {_fr(review.schedule.today)}*",
        "",
    ]
    if opening:
        lines += [*opening, ""]
    if picture:
        lines += [f"![Dépendances, chemin critique et coopération]({picture})", ""]
    for section in (
        _section_destination(review, slug),
        _section_axes(review, slug),
        _section_critical(review, slug),
        _section_margins(review, slug, risk_days),
        _section_reroutings(slug, copil, rerouted),
        _section_dossiers(review, slug),
        _section_alliance(review),
        _section_load(review),
        _section_fragility(review),
        _section_issues(review, slug),
    ):
        if section:
            lines += [*section, ""]
    return "\n".join(lines).rstrip() + "\n"


async def write_report(
    actor: Actor,
    slug: str | None,
    out: str | Path,
    *,
    picture: bool = True,
    today: date | None = None,
    risk_days: int = RISK_DAYS,
    since: str | None = None,
) -> tuple[Path, Path | None]:
    """Write the one-pager (and its picture beside it); returns both paths."""
    from roadmap.graph.export import atomic_file, check_target, write_graph

    path = Path(out).expanduser()
    if path.suffix.lower() != ".md":
        raise ValidationError(
            f"le rapport s'écrit en Markdown : nom en .md attendu (reçu « {path.name} »)",
            field="--out",
        )
    picture_path = path.with_name(f"{path.stem}-graphe.svg") if picture else None
    check_target("svg", picture_path or path.with_suffix(".svg"))
    g = await read_graph(actor, slug)
    slugs = (
        [slug]
        if slug
        else sorted(
            str(a["roadmap"]) for _, a in g.nodes(data=True) if a.get("kind") == m.DESTINATION
        )
    )
    if not slugs:
        raise ValidationError("aucune feuille de route active", field="--roadmap")
    if since and len(slugs) != 1:
        raise ValidationError(
            "--depuis nomme la référence d'une feuille de route : précisez --roadmap",
            field="--depuis",
        )
    pages = []
    for one in slugs:
        opening = await since_copil_sections(actor, one, since, today)
        review = analyse(g, roadmap=one, today=today)
        copil = last_copil(review, one)
        rerouted = await reroutings(one, copil[1] if copil else None)
        pages.append(
            render(
                review,
                one,
                rerouted,
                copil,
                picture_path.name if picture_path and one == slugs[0] else None,
                risk_days,
                opening,
            )
        )
    if picture_path is not None:
        write_graph(g, "svg", picture_path, analyse(g, today=today).schedule)
    with atomic_file(path, "w") as handle:
        handle.write(printable("\n---\n\n".join(pages)))
    return path, picture_path
