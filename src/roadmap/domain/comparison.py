"""What changed between a baseline and the plan now: one pure function for every door.

The TUI's "Depuis le COPIL du …" lines, the Actions variance column, the report and the
CLI all read a ``Comparison``. Inputs are two plans (``usecases.plan.read_plan``) and the
re-routings recorded in between, whose reasons travel with the dates they moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from roadmap.domain.enums import ActionStatus, JalonStatus, label_of
from roadmap.formatting import date_short

_ACTION_ORDER = [s.value for s in ActionStatus]
_DROPPED = {ActionStatus.ABANDONNEE.value, JalonStatus.ANNULE.value}
_DECIDED = {"decide", "notifie", "bilan_recu"}


@dataclass(frozen=True)
class Rerouting:
    """An ajustement d'itinéraire recorded after the baseline was taken."""

    item: str  # action or jalon ref ("" for the roadmap itself)
    field: str
    old: str
    new: str
    reason: str
    kind: str
    author: str
    day: date
    cause: str = ""  # ref of the item whose move pushed this one (empty: moved by hand)

    @property
    def why(self) -> str:
        """The reason, with what pushed the item when it was shifted along."""
        return f"entraîné par {self.cause} : {self.reason}" if self.cause else self.reason


@dataclass(frozen=True)
class Moved:
    kind: str  # "action" or "jalon"
    ref: str
    title: str
    what: str  # "fin", "début", "date"
    before: date | None
    after: date | None
    reasons: tuple[Rerouting, ...] = ()

    @property
    def days(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return (self.after - self.before).days


@dataclass(frozen=True)
class Item:
    kind: str
    ref: str
    title: str


@dataclass(frozen=True)
class Change:
    """A value of one item, then and now (status, owner, state, amount, indicator)."""

    kind: str
    ref: str
    title: str
    before: str | None
    after: str | None
    note: str = ""  # e.g. "progresse", "recule", the decision of a dossier

    @property
    def delta(self) -> Decimal | None:
        try:
            return Decimal(self.after or "0") - Decimal(self.before or "0")
        except ArithmeticError:
            return None


@dataclass
class Comparison:
    name: str
    taken_at: datetime
    jalon_ref: str
    intact: bool
    occasion: str  # "COPIL", "COTECH" or "" when taken by hand
    horizon_then: date | None
    horizon_now: date | None
    finish_then: date | None
    finish_now: date | None
    moved: list[Moved] = field(default_factory=list)
    added: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    abandoned: list[Item] = field(default_factory=list)
    statuses: list[Change] = field(default_factory=list)
    owners: list[Change] = field(default_factory=list)
    engagements: list[Change] = field(default_factory=list)
    dossiers: list[Change] = field(default_factory=list)
    indicators: list[Change] = field(default_factory=list)
    unexplained: list[Rerouting] = field(default_factory=list)  # of items no longer there
    end_before: dict[str, date | None] = field(default_factory=dict)  # action ref → fin

    @property
    def title(self) -> str:
        """« Depuis le COPIL du 15/06/2026 » (or the baseline's name when taken by hand)."""
        day = date_short(self.taken_at.date())
        if self.occasion:
            return f"Depuis le {self.occasion} du {day}"
        return f"Depuis la référence « {self.name} » du {day}"

    @property
    def margin_then(self) -> int | None:
        return _gap(self.horizon_then, self.finish_then)

    @property
    def margin_now(self) -> int | None:
        return _gap(self.horizon_now, self.finish_now)

    @property
    def nothing(self) -> bool:
        return not (
            self.moved
            or self.added
            or self.removed
            or self.abandoned
            or self.statuses
            or self.owners
            or self.engagements
            or self.dossiers
            or self.indicators
        )

    def counts(self) -> list[tuple[str, int]]:
        """(French label, count) of each kind of change, in reading order, non-zero only."""
        from roadmap.formatting import agree

        pairs = [
            ("décalé", "décalés", len(self.moved)),
            ("ajouté", "ajoutés", len(self.added)),
            ("abandonné", "abandonnés", len(self.abandoned)),
            ("supprimé", "supprimés", len(self.removed)),
            ("statut changé", "statuts changés", len(self.statuses)),
            ("responsable changé", "responsables changés", len(self.owners)),
            ("engagement modifié", "engagements modifiés", len(self.engagements)),
            ("dossier décidé", "dossiers décidés", len(self.dossiers)),
            ("indicateur mis à jour", "indicateurs mis à jour", len(self.indicators)),
        ]
        return [(agree(n, one, many), n) for one, many, n in pairs if n]

    def variance(self, ref: str, end: date | None) -> int | None:
        """Days between an action's end now and in the baseline (None when either is unset)."""
        before = self.end_before.get(ref)
        if before is None or end is None:
            return None
        return (end - before).days


def money_fr(amount: Decimal | str | None, unit: str = "€") -> str:
    """« 25 000 € », « 0,5 ETP »: the app's one French formatting (roadmap.formatting)."""
    from roadmap import formatting

    value = Decimal(amount or "0")
    if unit == "€":
        return formatting.amount(value)
    return f"{formatting.number(value)} {unit}".rstrip()


def _gap(horizon: date | None, finish: date | None) -> int | None:
    return (horizon - finish).days if horizon and finish else None


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _title(items: dict[str, Any], ref: str) -> str:
    return str(items.get(ref, {}).get("titre", ""))


def _status_note(kind: str, before: str, after: str) -> str:
    if kind != "action" or before not in _ACTION_ORDER or after not in _ACTION_ORDER:
        return ""
    return "progresse" if _ACTION_ORDER.index(after) > _ACTION_ORDER.index(before) else "recule"


def variances(plan_before: dict[str, Any]) -> dict[str, date | None]:
    """Action ref → end date in a baseline (for the Actions screen's « Écart » column)."""
    return {ref: _d(a.get("fin")) for ref, a in plan_before.get("actions", {}).items()}


def compare(
    before: dict[str, Any],
    after: dict[str, Any],
    reroutings: list[Rerouting],
    *,
    name: str,
    taken_at: datetime,
    jalon_ref: str = "",
    intact: bool = True,
    occasion: str = "",
) -> Comparison:
    """Per item: moved (with reasons), added, abandoned, statuses, owners, money, indicators."""
    road_b, road_a = before.get("feuille_de_route", {}), after.get("feuille_de_route", {})
    result = Comparison(
        name=name,
        taken_at=taken_at,
        jalon_ref=jalon_ref,
        intact=intact,
        occasion=occasion,
        horizon_then=_d(road_b.get("horizon")),
        horizon_now=_d(road_a.get("horizon")),
        finish_then=_d(road_b.get("fin_projetee")),
        finish_now=_d(road_a.get("fin_projetee")),
        end_before=variances(before),
    )
    by_item: dict[str, list[Rerouting]] = {}
    for r in reroutings:
        by_item.setdefault(r.item, []).append(r)

    for kind, key, dates in (
        ("action", "actions", (("debut", "début"), ("fin", "fin"))),
        ("jalon", "jalons", (("date", "date"),)),
    ):
        old, new = before.get(key, {}), after.get(key, {})
        for ref in sorted(new.keys() - old.keys(), key=_natural):
            result.added.append(Item(kind, ref, _title(new, ref)))
        for ref in sorted(old.keys() - new.keys(), key=_natural):
            result.removed.append(Item(kind, ref, _title(old, ref)))
            result.unexplained += by_item.get(ref, [])
        for ref in sorted(old.keys() & new.keys(), key=_natural):
            b, a = old[ref], new[ref]
            title = str(a.get("titre", ""))
            reasons = tuple(by_item.get(ref, ()))
            for column, label in dates:
                if b.get(column) != a.get(column):
                    result.moved.append(
                        Moved(
                            kind, ref, title, label, _d(b.get(column)), _d(a.get(column)), reasons
                        )
                    )
            sb, sa = str(b.get("statut", "")), str(a.get("statut", ""))
            if sb != sa:
                if sa in _DROPPED:
                    result.abandoned.append(Item(kind, ref, title))
                else:
                    note = _status_note(kind, sb, sa)
                    result.statuses.append(Change(kind, ref, title, sb, sa, note))
            if kind == "action" and b.get("responsable") != a.get("responsable"):
                result.owners.append(
                    Change(kind, ref, title, b.get("responsable"), a.get("responsable"))
                )

    eng_b, eng_a = before.get("engagements", {}), after.get("engagements", {})
    for key in sorted(eng_b.keys() | eng_a.keys(), key=_natural):
        mb = (eng_b.get(key) or {}).get("montant")
        ma = (eng_a.get(key) or {}).get("montant")
        if mb != ma:
            e = eng_a.get(key) or eng_b[key]
            label = f"{e['service']} ({label_of(e['nature'])})"
            delta = Decimal(ma or "0") - Decimal(mb or "0")
            note = "hausse" if delta > 0 else "baisse"
            result.engagements.append(Change("engagement", e["action"], label, mb, ma, note))

    dos_b, dos_a = before.get("dossiers", {}), after.get("dossiers", {})
    for ref in sorted(dos_a, key=_natural):
        a = dos_a[ref]
        b = dos_b.get(ref, {})
        decided_now = a.get("etat") in _DECIDED and a.get("decision")
        decided_then = b.get("etat") in _DECIDED and b.get("decision")
        if decided_now and (not decided_then or b.get("decision") != a.get("decision")):
            amount = Decimal(a.get("accorde") or "0")
            granted = f", accordé {money_fr(amount)}" if amount > 0 else ""
            result.dossiers.append(
                Change(
                    "dossier",
                    ref,
                    str(a.get("titre", "")),
                    b.get("etat"),
                    a.get("etat"),
                    f"{label_of(str(a['decision']))}{granted}",
                )
            )

    ind_b, ind_a = before.get("indicateurs", {}), after.get("indicateurs", {})
    for ref in sorted(ind_a, key=_natural):
        a, b = ind_a[ref], ind_b.get(ref, {})
        if (a.get("valeur"), a.get("date")) != (b.get("valeur"), b.get("date")):
            result.indicators.append(
                Change(
                    "indicateur",
                    ref,
                    str(a.get("nom", "")),
                    b.get("valeur"),
                    a.get("valeur"),
                    str(a.get("unite", "")),
                )
            )
    result.moved.sort(key=lambda m: (-abs(m.days or 0), _natural(m.ref)))
    return result


def _natural(ref: str) -> tuple[Any, ...]:
    head = ref.rstrip("0123456789")
    tail = ref[len(head) :]
    return (head, int(tail) if tail.isdigit() else 0, ref)
