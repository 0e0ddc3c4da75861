"""Compare an import file with the stored roadmap: what changes, and what may not.

Both sides are export documents (the stored one is built from a snapshot read in the
import's transaction), so a value means the same thing on each side. The result is a
plan of item changes, applied later through the use cases, and the problems that
refuse the whole file: forged history, moved dates without a reason, changes no form
allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from roadmap.exchange.values import natural_key
from roadmap.formatting import gendered, plural
from roadmap.usecases.base import show

# Keys that only an export writes (computed) or only an import reads (the reason).
COMPUTED = ("marge_jours",)
REASON_KEYS = ("motif", "nature_motif")

_HISTORY_NAMES = {
    "ajustements": "un ajustement d'itinéraire",
    "commentaires": "un commentaire",
    "valeurs": "une valeur d'indicateur",
    "observations_qualitatives": "une observation",
    "avis": "un avis",
    "decisions": "une décision",
}
_HISTORY_HINT = (
    "l'historique d'une feuille de route existante ne se réécrit pas par import ; "
    "un nouvel acte se saisit dans l'application, à votre nom"
)


@dataclass
class FieldChange:
    key: str
    old: Any
    new: Any

    def text(self) -> str:
        return f"{self.key} : {_shown(self.old)} → {_shown(self.new)}"


def _shown(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "(vide)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = show(value)
    return f"« {text[:60]}{'…' if len(text) > 60 else ''} »"


@dataclass
class ItemChange:
    """One item of the file that differs from the base, and how."""

    kind: str  # feuille de route, membre, axe, action, jalon, engagement, indicateur
    ref: str
    path: str  # key path in the file
    op: str  # création, modification, retrait
    fields: list[FieldChange] = field(default_factory=list)
    item: dict[str, Any] = field(default_factory=dict)  # the file's item
    moved: list[str] = field(default_factory=list)  # date keys moved: a re-routing
    reason: str = ""
    nature: str = ""
    outcome: str = ""  # what a removal did (deleted, or kept closed), known once applied

    def changed(self, *keys: str) -> bool:
        return any(f.key in keys for f in self.fields)

    def lines(self) -> list[str]:
        head = f"{self.kind} {self.ref}"
        if self.op != "modification":
            return [f"{head} : {self.op}" + (f" : {self.outcome}" if self.outcome else "")]
        out = [f"{head} : {f.text()}" for f in self.fields]
        if self.moved and self.reason:
            out.append(f"{head} : ajustement d'itinéraire ({self.nature}) : {self.reason}")
        return out


@dataclass
class Plan:
    changes: list[ItemChange] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (key path, message)

    def refuse(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def lines(self) -> list[str]:
        return [line for c in self.changes for line in c.lines()]

    def count(self) -> int:
        """Changes as a reviewer counts them: one per field, creation or removal."""
        return sum(len(c.fields) if c.op == "modification" else 1 for c in self.changes)

    def of(self, kind: str, op: str | None = None) -> list[ItemChange]:
        return [c for c in self.changes if c.kind == kind and (op is None or c.op == op)]


# --- helpers ---------------------------------------------------------------------------


def _clean(item: dict[str, Any], drop: Iterable[str]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in drop}


def _field_changes(
    old: dict[str, Any], new: dict[str, Any], keys: Iterable[str]
) -> list[FieldChange]:
    return [FieldChange(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def _next_refs(prefix: str, existing: Iterable[str]) -> Iterable[str]:
    """The references the use cases will give to new items, in order (as next_ref does)."""
    numbers = [
        int(r[len(prefix) :])
        for r in existing
        if r.startswith(prefix) and r[len(prefix) :].isdigit()
    ]
    n = max(numbers, default=0)
    while True:
        n += 1
        yield f"{prefix}{n}"


def _history(plan: Plan, path: str, key: str, new: dict[str, Any], old: dict[str, Any]) -> None:
    """Every past act in the file must be in the base as it is; the base may hold more."""
    wanted = list(new.get(key, []))
    stored = list(old.get(key, []))
    unmatched: list[int] = []
    for i, entry in enumerate(wanted):
        if entry in stored:
            stored.remove(entry)
        else:
            unmatched.append(i)
    for i in unmatched:
        entry = wanted[i]
        where = f"{path}.{key}[{i}]"
        twin = _closest(entry, stored)
        if twin is None:
            plan.refuse(
                where,
                f"{_HISTORY_NAMES[key]} {gendered(_HISTORY_NAMES[key], 'absent')} de la base "
                f"ne s'ajoute pas : {_HISTORY_HINT}",
            )
            continue
        stored.remove(twin)
        for k in sorted(set(entry) | set(twin)):
            if entry.get(k) != twin.get(k):
                plan.refuse(
                    f"{where}.{k}",
                    f"{_HISTORY_NAMES[key]} ne se modifie pas : la base a {_shown(twin.get(k))}, "
                    f"le fichier {_shown(entry.get(k))} ; {_HISTORY_HINT}",
                )


def _closest(entry: dict[str, Any], candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    best, score = None, 0
    for c in candidates:
        same = sum(1 for k in entry if c.get(k) == entry[k])
        if same > score:
            best, score = c, same
    return best if score >= max(1, len(entry) // 2) else None


def _by_key(items: list[dict[str, Any]], key: str) -> dict[Any, tuple[int, dict[str, Any]]]:
    return {x[key]: (i, x) for i, x in enumerate(items)}


def _reason(plan: Plan, change: ItemChange, motif: str, nature: str) -> None:
    """A moved date needs a reason: the item's own, else the import's."""
    item = change.item
    change.reason = (item.get("motif") or motif or "").strip()
    change.nature = item.get("nature_motif") or nature or ""
    if not change.moved:
        return
    dates = ", ".join(
        f"{k} {_shown(f.old)} → {_shown(f.new)}"
        for f in change.fields
        for k in [f.key]
        if k in change.moved
    )
    if not change.reason:
        plan.refuse(
            f"{change.path}.{change.moved[0]}",
            f"{change.kind} {change.ref} : date déplacée ({dates}) sans motif ; ajoutez "
            'motif = "…" et nature_motif = "contrainte" ou "opportunite" à côté de l\'élément, '
            'ou --motif "…" --nature contrainte|opportunite pour tout l\'import',
        )
    elif not change.nature:
        plan.refuse(
            f"{change.path}.{change.moved[0]}",
            f"{change.kind} {change.ref} : date déplacée ({dates}) : la nature du motif manque "
            "(nature_motif à côté de l'élément, ou --nature contrainte|opportunite)",
        )


# --- sections --------------------------------------------------------------------------

_ROADMAP_FIELDS = ("titre", "point_arrivee", "horizon", "statut")
_FIXED_ROADMAP = ("service_politique_de_la_ville", "service_droit_commun")
_ACTION_FIELDS = (
    "titre", "axe", "description", "service_pilote", "responsable", "statut", "debut", "fin",
    "pilier", "services_contributeurs", "qpv", "depend_des_actions", "depend_des_jalons",
)  # fmt: skip
_JALON_FIELDS = (
    "titre", "nature", "date_prevue", "date_actuelle", "statut", "description",
    "services_invites", "personnes_invitees", "depend_des_actions", "depend_des_jalons",
)  # fmt: skip
_INDICATOR_FIELDS = ("nom", "unite", "axe", "description")
_NOT_BY_IMPORT = "ne se fait pas par import : utilisez l'application (mêmes règles, journalisé)"


def compare(
    new: dict[str, Any],
    old: dict[str, Any],
    *,
    motif: str = "",
    nature: str = "",
    dossier_refs: Iterable[str] = (),
    retired: Mapping[str, Iterable[str]] | None = None,
) -> Plan:
    """The plan turning the stored roadmap ``old`` into the file's ``new`` (both documents).

    ``dossier_refs``: every dossier reference of the base (they are numbered per year across
    roadmaps), so that a new dossier's expected reference is known. ``retired``: by prefix
    (A, J, I), references of deleted items, which a new item never takes again.
    """
    gone = retired or {}
    plan = Plan()
    root = "feuille_de_route"
    _roadmap(plan, root, new, old, motif, nature)
    _team(plan, root, new, old)
    _axes(plan, root, new, old)
    _items(plan, root, "actions", "action", "A", _ACTION_FIELDS, new, old, motif, nature,
           gone.get("A", ()))  # fmt: skip
    _items(plan, root, "jalons", "jalon", "J", _JALON_FIELDS, new, old, motif, nature,
           gone.get("J", ()))  # fmt: skip
    _indicators(plan, root, new, old, gone.get("I", ()))
    for key in ("ajustements", "commentaires", "observations_qualitatives"):
        _history(plan, root, key, new, old)
    _campaigns(plan, root, new, old)
    _dossiers(plan, root, new, old, set(dossier_refs))
    return plan


def _roadmap(
    plan: Plan, root: str, new: dict[str, Any], old: dict[str, Any], motif: str, nature: str
) -> None:
    for key in _FIXED_ROADMAP:
        if new.get(key) != old.get(key):
            plan.refuse(
                f"{root}.{key}", f"changer les deux côtés d'une feuille de route {_NOT_BY_IMPORT}"
            )
    fields = _field_changes(old, new, _ROADMAP_FIELDS)
    if fields or new.get("motif"):
        change = ItemChange("feuille de route", new["slug"], root, "modification", fields, new)
        change.moved = ["horizon"] if change.changed("horizon") else []
        _reason(plan, change, motif, nature)
        if fields:
            plan.changes.append(change)


def _team(plan: Plan, root: str, new: dict[str, Any], old: dict[str, Any]) -> None:
    before = _by_key(old.get("equipe", []), "login")
    after = _by_key(new.get("equipe", []), "login")
    for login, (i, member) in after.items():
        path = f"{root}.equipe[{i}]"
        if login not in before:
            plan.changes.append(ItemChange("membre", login, path, "création", item=member))
            continue
        fields = _field_changes(before[login][1], member, ("role", "cote"))
        if fields:
            plan.changes.append(ItemChange("membre", login, path, "modification", fields, member))
    for login, (_, member) in before.items():
        if login not in after:
            plan.changes.append(
                ItemChange("membre", login, f"{root}.equipe", "retrait", item=member)
            )


def _axes(plan: Plan, root: str, new: dict[str, Any], old: dict[str, Any]) -> None:
    before = _by_key(old.get("axes", []), "ref")
    after = _by_key(new.get("axes", []), "ref")
    refs = _next_refs("AX", before)
    for ref, (i, axe) in after.items():
        path = f"{root}.axes[{i}]"
        if ref not in before:
            expected = next(refs)
            if ref != expected:
                plan.refuse(
                    f"{path}.ref",
                    f"nouvel axe : référence attendue « {expected} » (la suivante libre)",
                )
            plan.changes.append(ItemChange("axe", ref, path, "création", item=axe))
            continue
        fields = _field_changes(before[ref][1], axe, ("titre", "description"))
        if fields:
            plan.changes.append(ItemChange("axe", ref, path, "modification", fields, axe))
    for ref, _ in before.items():
        if ref not in after:
            plan.refuse(
                f"{root}.axes", f"axe {ref} absent du fichier : supprimer un axe {_NOT_BY_IMPORT}"
            )
    kept = [r for r in after if r in before]
    if kept != [r for r in before if r in after] or list(after)[: len(kept)] != kept:
        plan.refuse(f"{root}.axes", f"changer l'ordre des axes {_NOT_BY_IMPORT}")


def _new_items(
    plan: Plan,
    root: str,
    section: str,
    prefix: str,
    before: dict[Any, tuple[int, dict[str, Any]]],
    after: dict[Any, tuple[int, dict[str, Any]]],
    retired: Iterable[str],
    noun: str = "élément",
) -> Iterator[tuple[str, dict[str, Any], str]]:
    """The file's new items (ref, item, path) in ref order, each refused unless it takes
    the next free ref (never one retired)."""
    refs = _next_refs(prefix, [*before, *retired])
    for ref in sorted((r for r in after if r not in before), key=natural_key):
        i, item = after[ref]
        path = f"{root}.{section}[{i}]"
        expected = next(refs)
        if ref != expected:
            plan.refuse(
                f"{path}.ref",
                f"nouvel {noun} : référence attendue « {expected} » (la suivante libre)",
            )
        yield ref, item, path


def _items(
    plan: Plan,
    root: str,
    section: str,
    kind: str,
    prefix: str,
    keys: tuple[str, ...],
    new: dict[str, Any],
    old: dict[str, Any],
    motif: str,
    nature: str,
    retired: Iterable[str],
) -> None:
    before = _by_key(old.get(section, []), "ref")
    after = _by_key(new.get(section, []), "ref")
    for ref, item, path in _new_items(plan, root, section, prefix, before, after, retired):
        for key in ("ajustements", "commentaires"):
            if item.get(key):
                plan.refuse(
                    f"{path}.{key}[0]",
                    f"{_HISTORY_NAMES[key]} d'un élément nouveau ne s'importe pas : "
                    f"{_HISTORY_HINT}",
                )
        if kind == "jalon" and item.get("date_prevue") != item.get("date_actuelle"):
            plan.refuse(
                f"{path}.date_actuelle",
                "nouveau jalon : date_prevue et date_actuelle doivent être égales",
            )
        plan.changes.append(ItemChange(kind, ref, path, "création", item=item))
        for j, e in enumerate(item.get("engagements", [])):
            plan.changes.append(_engagement(ref, e, f"{path}.engagements[{j}]", "création"))
    for ref, (i, item) in after.items():
        path = f"{root}.{section}[{i}]"
        if ref not in before:
            deps = _field_changes({}, item, ("depend_des_actions", "depend_des_jalons"))
            if deps:  # set once every new item exists
                plan.changes.append(ItemChange(kind, ref, path, "modification", deps, item))
            continue
        current = before[ref][1]
        for key in ("ajustements", "commentaires"):
            _history(plan, path, key, item, current)
        fields = _field_changes(current, item, keys)
        change = ItemChange(kind, ref, path, "modification", fields, item)
        if kind == "action":
            change.moved = [
                f.key for f in fields if f.key in ("debut", "fin") and f.old is not None
            ]
        else:
            change.moved = ["date_actuelle"] if change.changed("date_actuelle") else []
            if change.changed("date_prevue"):
                plan.refuse(
                    f"{path}.date_prevue",
                    "la date prévue d'un jalon est son histoire : "
                    "déplacez date_actuelle, avec un motif",
                )
        _reason(plan, change, motif, nature)
        if fields:
            plan.changes.append(change)
        if kind == "action":
            _engagements(plan, path, ref, item, current)
    closed = {"action": "abandonnee", "jalon": "annule"}[kind]
    for ref, (_, item) in before.items():
        # Absent from the file: removed through the use case, which deletes it only when it
        # has no history and otherwise closes it; one already closed stays as it is.
        if ref not in after and item.get("statut") != closed:
            plan.changes.append(ItemChange(kind, ref, f"{root}.{section}", "retrait", item=item))


def _engagements(
    plan: Plan, path: str, ref: str, item: dict[str, Any], current: dict[str, Any]
) -> None:
    stored = list(current.get("engagements", []))
    for j, e in enumerate(item.get("engagements", [])):
        if e in stored:
            stored.remove(e)
        else:
            plan.changes.append(_engagement(ref, e, f"{path}.engagements[{j}]", "création"))
    for e in stored:
        plan.changes.append(_engagement(ref, e, f"{path}.engagements", "retrait"))


def _engagement(ref: str, e: dict[str, Any], path: str, operation: str) -> ItemChange:
    return ItemChange(
        "engagement", f"{ref}/{e['service']}", path, operation, item={**e, "action": ref}
    )


def _indicators(
    plan: Plan, root: str, new: dict[str, Any], old: dict[str, Any], retired: Iterable[str]
) -> None:
    before = _by_key(old.get("indicateurs", []), "ref")
    after = _by_key(new.get("indicateurs", []), "ref")
    new_items = _new_items(plan, root, "indicateurs", "I", before, after, retired, "indicateur")
    for ref, item, path in new_items:
        if item.get("valeurs"):
            plan.refuse(f"{path}.valeurs[0]", f"une valeur d'indicateur {_NOT_BY_IMPORT}")
        plan.changes.append(ItemChange("indicateur", ref, path, "création", item=item))
    for ref, (i, item) in after.items():
        if ref not in before:
            continue
        path = f"{root}.indicateurs[{i}]"
        fields = _field_changes(before[ref][1], item, _INDICATOR_FIELDS)
        if fields:
            plan.changes.append(ItemChange("indicateur", ref, path, "modification", fields, item))
        _history(plan, path, "valeurs", item, before[ref][1])
    for ref, (_, item) in before.items():
        if ref in after:
            continue
        if item.get("valeurs"):
            plan.refuse(
                f"{root}.indicateurs",
                f"indicateur {ref} absent du fichier : il a "
                f"{plural(len(item['valeurs']), 'valeur relevée', 'valeurs relevées')}, "
                "qui sont des observations de la feuille de route ; il ne se "
                "supprime pas (remettez-le dans le fichier)",
            )
            continue
        plan.changes.append(
            ItemChange("indicateur", ref, f"{root}.indicateurs", "retrait", item=item)
        )


_CAMPAIGN_FIELDS = (
    "titre", "ouverture", "cloture", "services_instructeurs", "sert_la_feuille_de_route", "axes",
)  # fmt: skip


def _campaigns(plan: Plan, root: str, new: dict[str, Any], old: dict[str, Any]) -> None:
    """A campaign is shared: its edits go through the campaign use cases (their rights)."""
    before = _by_key(old.get("campagnes", []), "annee")
    for i, c in enumerate(new.get("campagnes", [])):
        path = f"{root}.campagnes[{i}]"
        current = before.get(c["annee"])
        fields = _field_changes(current[1], c, _CAMPAIGN_FIELDS) if current else []
        if current is not None and not fields:
            continue
        if bool(c.get("axes")) == bool(c.get("sert_la_feuille_de_route")):
            plan.refuse(  # what the campaign form can express
                f"{path}.sert_la_feuille_de_route",
                "une campagne modifiée sert soit toute la feuille de route "
                "(sert_la_feuille_de_route = true), soit certains axes (axes = [...]), "
                "pas les deux ni aucun",
            )
        op = "modification" if current else "rattachement"
        plan.changes.append(ItemChange("campagne", str(c["annee"]), path, op, fields, c))
    years = {c["annee"] for c in new.get("campagnes", [])}
    for year in before:
        if year not in years:
            plan.refuse(
                f"{root}.campagnes",
                f"campagne {year} absente du fichier : la détacher {_NOT_BY_IMPORT}",
            )


_DOSSIER_HISTORY = ("avis", "decisions")


# Keys of a dossier the dossier form edits (edit_dossier); ``etat`` goes through transition.
_DOSSIER_FIELDS = (
    "porteur", "titre", "resume", "action", "axe", "pilier", "budget_total",
    "date_limite_avis", "qpv", "services_instructeurs",
)  # fmt: skip


def _dossiers(
    plan: Plan, root: str, new: dict[str, Any], old: dict[str, Any], taken: set[str]
) -> None:
    before = _by_key(old.get("dossiers", []), "ref")
    after = _by_key(new.get("dossiers", []), "ref")
    counters: dict[int, Iterable[str]] = {}
    for ref, (i, d) in after.items():
        path = f"{root}.dossiers[{i}]"
        if ref not in before:
            year = d["campagne"]
            refs = counters.setdefault(year, _next_dossier_refs(year, taken))
            _new_dossier(plan, path, ref, next(iter(refs)), d)
            continue
        current = before[ref][1]
        for key in _DOSSIER_HISTORY:
            _history(plan, path, key, d, current)
        if d.get("campagne") != current.get("campagne"):
            plan.refuse(f"{path}.campagne", "un dossier ne change pas de campagne")
        fields = _field_changes(current, d, (*_DOSSIER_FIELDS, "etat", "motif_etat"))
        if any(f.key == "motif_etat" for f in fields) and not any(f.key == "etat" for f in fields):
            plan.refuse(f"{path}.motif_etat", "le motif d'état ne change qu'avec l'état")
        if fields:
            plan.changes.append(ItemChange("dossier", ref, path, "modification", fields, d))
        _financements(plan, path, d, current)
        asked = sum(Decimal(f["demande"]) for f in d.get("financements", []))
        given = d.get("montant_demande")
        if given != current.get("montant_demande") and Decimal(given or "0") != asked:
            plan.refuse(
                f"{path}.montant_demande",
                f"montant_demande est la somme des demandes du plan de financement ({asked:.2f})",
            )
    for ref in before:
        if ref not in after:
            plan.refuse(
                f"{root}.dossiers", f"dossier {ref} absent du fichier : le retirer {_NOT_BY_IMPORT}"
            )


def _next_dossier_refs(year: int, taken: set[str]) -> Iterable[str]:
    """AAP2026-001, -002…: what ``create_dossier`` gives, per year across the base."""
    prefix = f"AAP{year}-"
    numbers = [
        int(r[len(prefix) :]) for r in taken if r.startswith(prefix) and r[len(prefix) :].isdigit()
    ]
    n = max(numbers, default=0)
    while True:
        n += 1
        yield f"{prefix}{n:03d}"


_NEW_DOSSIER_ONLY = {"etat": "depose"}


def _new_dossier(plan: Plan, path: str, ref: str, expected: str, d: dict[str, Any]) -> None:
    """A new dossier is deposited through the dossier use case: no history, initial state."""
    if ref != expected:
        plan.refuse(
            f"{path}.ref",
            f"nouveau dossier : référence attendue « {expected} » (la suivante libre)",
        )
    for key in _DOSSIER_HISTORY:
        if d.get(key):
            plan.refuse(
                f"{path}.{key}[0]", f"{_HISTORY_NAMES[key]} ne s'importe pas : {_HISTORY_HINT}"
            )
    if d.get("etat", "depose") != "depose" or d.get("motif_etat"):
        plan.refuse(f"{path}.etat", "un nouveau dossier est déposé ; son état avance ensuite")
    for j, f in enumerate(d.get("financements", [])):
        if f.get("accorde") is not None:
            plan.refuse(
                f"{path}.financements[{j}].accorde", "un montant accordé vient d'une décision"
            )
    plan.changes.append(ItemChange("dossier", ref, path, "création", item=d))


def _financements(plan: Plan, path: str, d: dict[str, Any], current: dict[str, Any]) -> None:
    stored = {f["financeur"]: f for f in current.get("financements", [])}
    ref = d["ref"]
    for j, f in enumerate(d.get("financements", [])):
        where = f"{path}.financements[{j}]"
        item = {"dossier": ref, **f}
        was = stored.pop(f["financeur"], None)
        if was is None:
            if f.get("accorde") is not None:
                plan.refuse(f"{where}.accorde", "un montant accordé vient d'une décision")
            change = ItemChange("financement", f"{ref}/{f['financeur']}", where, "création")
            change.item = item
            plan.changes.append(change)
            continue
        if f.get("accorde") != was.get("accorde"):
            plan.refuse(
                f"{where}.accorde",
                "le montant accordé vient d'une décision : il ne se modifie pas par import "
                f"(base : {_shown(was.get('accorde'))})",
            )
        fields = _field_changes(was, f, ("demande",))
        if fields:
            plan.changes.append(
                ItemChange(
                    "financement", f"{ref}/{f['financeur']}", where, "modification", fields, item
                )
            )
    for code, was in stored.items():
        if was.get("accorde") is not None:
            plan.refuse(f"{path}.financements", f"financeur {code} : un montant accordé reste")
        plan.changes.append(
            ItemChange("financement", f"{ref}/{code}", f"{path}.financements", "retrait",
                       item={"dossier": ref, **was})
        )  # fmt: skip


def strip_import_only(document: dict[str, Any]) -> dict[str, Any]:
    """The file's roadmap without computed keys (margins); reasons stay for the plan."""
    road = _clean(document, COMPUTED)
    for section in ("actions", "jalons"):
        if section in road:
            road[section] = [_clean(x, COMPUTED) for x in road[section]]
    return road
