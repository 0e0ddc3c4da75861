"""French text of a ``Comparison``: the dashboard's first lines, the CLI and the report."""

from __future__ import annotations

from datetime import date

from roadmap.domain.comparison import Change, Comparison, Moved, Rerouting, money_fr
from roadmap.domain.enums import label_of
from roadmap.formatting import agree, plural

TAMPERED_WARNING = (
    "⚠ référence modifiée hors application : son contenu ne correspond plus au journal"
)


def fr(day: date | None) -> str:
    from roadmap.formatting import date_short

    return date_short(day) if day else "non daté"


def signed(days: int | None) -> str:
    if days is None:
        return "daté/non daté"
    return f"+{days} j" if days > 0 else f"{days} j"


def _reason(r: Rerouting) -> str:
    return f"{label_of(r.kind).lower()} : {r.why}"


def moved_text(m: Moved, *, all_reasons: bool = False) -> str:
    what = f"{m.ref} {m.title} : {m.what} {fr(m.before)} → {fr(m.after)} ({signed(m.days)})"
    if not m.reasons:
        return f"{what} — sans ajustement motivé enregistré"
    reasons = m.reasons if all_reasons else m.reasons[-1:]
    return f"{what} — " + " ; ".join(_reason(r) for r in reasons)


def margin_text(c: Comparison) -> str:
    def one(margin: int | None) -> str:
        if margin is None:
            return "inconnue"
        return f"{margin} j" if margin >= 0 else f"dépassé de {-margin} j"

    return f"Marge à l'horizon : {one(c.margin_then)} alors, {one(c.margin_now)} aujourd'hui"


def headline(c: Comparison) -> str:
    counts = ", ".join(f"{n} {label}" for label, n in c.counts())
    return f"{c.title} (« {c.name} ») : {counts or 'rien n’a bougé'}"


def top_lines(c: Comparison, limit: int = 3) -> list[str]:
    """The first lines of the dashboard: integrity, largest moves, additions, margin."""
    lines = [] if c.intact else [TAMPERED_WARNING]
    lines += [moved_text(m) for m in c.moved[:limit]]
    if len(c.moved) > limit:
        more = len(c.moved) - limit
        lines.append(f"… et {plural(more, 'autre décalage', 'autres décalages')}")
    if c.added:
        head = agree(len(c.added), "Ajouté", "Ajoutés")
        lines.append(f"{head} : " + ", ".join(f"{i.ref} {i.title}" for i in c.added[:limit]))
    if c.abandoned:
        lines.append(
            agree(len(c.abandoned), "Abandonné", "Abandonnés")
            + " : "
            + ", ".join(f"{i.ref} {i.title}" for i in c.abandoned[:limit])
        )
    lines.append(margin_text(c))
    return lines


def _change(c: Change, unit: str = "") -> str:
    before = label_of(c.before) if c.before else "—"
    after = label_of(c.after) if c.after else "—"
    return f"{c.ref} {c.title} : {before} → {after}{unit}"


_UNITS = {"Budget": "€", "ETP": "ETP", "En nature": ""}


def engagement_text(e: Change) -> str:
    unit = next((u for label, u in _UNITS.items() if e.title.endswith(f"({label})")), "")
    before, after = money_fr(e.before, unit), money_fr(e.after, unit)
    return f"{e.ref} {e.title} : {before} → {after} ({e.note})"


def markdown(c: Comparison) -> list[str]:
    """The report's « Ce qui a changé depuis le COPIL du … » section."""
    day = fr(c.taken_at.date())
    occasion = f"le {c.occasion} du {day}" if c.occasion else f"la référence du {day}"
    lines = [f"## Ce qui a changé depuis {occasion} (« {c.name} »)", ""]
    if not c.intact:
        lines += [f"**{TAMPERED_WARNING}**", ""]
    lines.append(f"- **{margin_text(c)}** (horizon {fr(c.horizon_then)} → {fr(c.horizon_now)})")
    counts = ", ".join(f"{n} {label}" for label, n in c.counts())
    lines.append(f"- **En bref** : {counts or 'rien n’a bougé'}")
    if c.moved:
        lines += ["", "### Dates décalées, et pourquoi", ""]
        lines += [f"- {moved_text(m, all_reasons=True)}" for m in c.moved]
    for title, items in (
        ("Ajoutés", c.added),
        ("Abandonnés", c.abandoned),
        ("Supprimés", c.removed),
    ):
        if items:
            lines += ["", f"### {title}", ""]
            lines += [f"- {i.kind} {i.ref} {i.title}" for i in items]
    if c.statuses:
        lines += ["", "### Statuts", ""]
        lines += [f"- {_change(s)}" + (f" ({s.note})" if s.note else "") for s in c.statuses]
    if c.owners:
        lines += ["", "### Responsables changés", ""]
        lines += [f"- {_change(o)}" for o in c.owners]
    if c.engagements:
        lines += ["", "### Engagements", ""]
        lines += [f"- {engagement_text(e)}" for e in c.engagements]
    if c.dossiers:
        lines += ["", "### Dossiers décidés depuis", ""]
        lines += [f"- {d.ref} {d.title} : {d.note}" for d in c.dossiers]
    if c.indicators:
        lines += ["", "### Indicateurs", ""]
        lines += [
            f"- {i.ref} {i.title} : {i.before or '—'} → {i.after or '—'} {i.note}".rstrip()
            for i in c.indicators
        ]
    return lines
