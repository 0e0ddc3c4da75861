"""The shape of an importable roadmap file, checked key by key before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from roadmap.domain import enums as e
from roadmap.domain.errors import ValidationError
from roadmap.domain.validation import amount, no_control
from roadmap.exchange.problems import Problems
from roadmap.exchange.values import AmountError, parse_money


@dataclass(frozen=True)
class F:
    """One key: its kind, whether it is required, and its limits."""

    kind: str  # str, text, date, datetime, int, bool, money, number, enum, strs, table, tables
    required: bool = False
    max_length: int = 200
    enum: type[e.LabelledEnum] | None = None
    spec: dict[str, F] | None = None


def S(n: int = 200, required: bool = False) -> F:
    return F("str", required, n)


REQ = True
TEXT = F("text", max_length=100_000)
DATE, DATETIME = F("date"), F("datetime")
STRS = F("strs")


def E(enum: type[e.LabelledEnum], required: bool = False) -> F:
    return F("enum", required, enum=enum)


def T(spec: dict[str, F], required: bool = False) -> F:
    return F("table", required, spec=spec)


def TS(spec: dict[str, F]) -> F:
    return F("tables", spec=spec)


ADJUSTMENT = {
    "champ": S(40, REQ),
    "ancienne_valeur": TEXT,
    "nouvelle_valeur": TEXT,
    "motif": F("text", REQ, 100_000),
    "cause": S(20),
    "nature": E(e.AdjustmentKind, REQ),
    "auteur": S(100, REQ),
    "le": F("datetime", REQ),
}
COMMENT = {
    "nature": E(e.CommentKind),
    "texte": F("text", REQ, 100_000),
    "auteur": S(100, REQ),
    "le": F("datetime", REQ),
}
ENGAGEMENT = {
    "service": S(50, REQ),
    "nature": E(e.EngagementKind, REQ),
    "montant": F("money", REQ),
    "debut": DATE,
    "fin": DATE,
    "description": TEXT,
}
DEPENDENCIES = {"depend_des_actions": STRS, "depend_des_jalons": STRS, "marge_jours": F("int")}
FOLLOW_UP = {"ajustements": TS(ADJUSTMENT), "commentaires": TS(COMMENT)}
# Read by an import only, never exported: the reason of a date this file moves.
REASON = {"motif": F("text", max_length=2000), "nature_motif": E(e.AdjustmentKind)}
ACTION = {
    "ref": S(20, REQ),
    "titre": S(200, REQ),
    "axe": S(20),
    "description": TEXT,
    "service_pilote": S(50, REQ),
    "responsable": S(100),
    "statut": E(e.ActionStatus),
    "debut": DATE,
    "fin": DATE,
    "pilier": E(e.Pillar),
    "services_contributeurs": STRS,
    "qpv": STRS,
    **DEPENDENCIES,
    "engagements": TS(ENGAGEMENT),
    **FOLLOW_UP,
    **REASON,
}
JALON = {
    "ref": S(20, REQ),
    "titre": S(200, REQ),
    "nature": E(e.JalonKind),
    "date_prevue": F("date", REQ),
    "date_actuelle": F("date", REQ),
    "statut": E(e.JalonStatus),
    "description": TEXT,
    "services_invites": STRS,
    "personnes_invitees": STRS,
    **DEPENDENCIES,
    **FOLLOW_UP,
    **REASON,
}
INDICATOR = {
    "ref": S(20, REQ),
    "nom": S(200, REQ),
    "unite": S(40),
    "axe": S(20),
    "description": TEXT,
    "valeurs": TS(
        {
            "date": F("date", REQ),
            "valeur": F("number", REQ),
            "commentaire": TEXT,
            "auteur": S(100, REQ),
            "le": F("datetime", REQ),
        }
    ),
}
RECORD = {
    "date": F("date", REQ),
    "texte": F("text", REQ, 100_000),
    "source": S(200),
    "axe": S(20),
    "auteur": S(100, REQ),
    "le": F("datetime", REQ),
}
CAMPAIGN = {
    "annee": F("int", REQ),
    "titre": S(200, REQ),
    "ouverture": F("date", REQ),
    "cloture": F("date", REQ),
    "services_instructeurs": STRS,
    "sert_la_feuille_de_route": F("bool"),
    "axes": STRS,
}
DOSSIER = {
    "ref": S(30, REQ),
    "campagne": F("int", REQ),
    "porteur": S(200, REQ),
    "titre": S(200, REQ),
    "resume": TEXT,
    "action": S(20),
    "axe": S(20),
    "pilier": E(e.Pillar),
    "budget_total": F("money"),
    "montant_demande": F("money"),
    "etat": E(e.DossierState),
    "date_limite_avis": DATE,
    "motif_etat": TEXT,
    "qpv": STRS,
    "services_instructeurs": STRS,
    "financements": TS(
        {"financeur": S(50, REQ), "demande": F("money", REQ), "accorde": F("money")}
    ),
    "avis": TS(
        {
            "service": S(50, REQ),
            "personne": S(100),
            "avis": E(e.AvisValue, REQ),
            "commentaire": TEXT,
            "le": F("datetime", REQ),
            "en_vigueur": F("bool"),
        }
    ),
    "decisions": TS(
        {
            "issue": E(e.DecisionOutcome, REQ),
            "motivation": TEXT,
            "motif_revision": TEXT,
            "decide_par": S(100, REQ),
            "le": F("datetime", REQ),
            "en_vigueur": F("bool"),
        }
    ),
}
BASELINE = {
    "nom": S(80, REQ),
    "prise_le": F("datetime", REQ),
    "prise_par": S(100, REQ),
    "jalon": S(20),
    "empreinte": S(80, REQ),
    "contenu": F("text", REQ, 50_000_000),
}
RELEVE = {
    "ref": S(20, REQ),
    "jalon": S(20, REQ),
    "texte": F("text", REQ, 2000),
    "porte_par": S(100),
    "echeance": DATE,
    "statut": E(e.ReleveStatus),
    "cree_par": S(100, REQ),
    "cree_le": F("datetime", REQ),
    "faite_par": S(100),
    "faite_le": DATETIME,
    "actions": STRS,
    "jalons": STRS,
}
ROADMAP = {
    "slug": S(60, REQ),
    "titre": S(200, REQ),
    "point_arrivee": F("text", REQ, 4000),
    "horizon": F("date", REQ),
    "statut": E(e.RoadmapStatus),
    "territoire": S(50),  # schema 2
    "service_politique_de_la_ville": S(50, REQ),
    "service_droit_commun": S(50, REQ),
    "ajustements": TS(ADJUSTMENT),
    "equipe": TS({"login": S(100, REQ), "role": E(e.Role, REQ), "cote": E(e.Side)}),
    "axes": TS({"ref": S(20, REQ), "titre": S(200, REQ), "description": TEXT}),
    "actions": TS(ACTION),
    "jalons": TS(JALON),
    "commentaires": TS(COMMENT),
    "indicateurs": TS(INDICATOR),
    "observations_qualitatives": TS(RECORD),
    "campagnes": TS(CAMPAIGN),
    "dossiers": TS(DOSSIER),
    "references": TS(BASELINE),
    "releve_decisions": TS(RELEVE),
    **REASON,
}
REFERENCE = {
    "territoires": TS({"code": S(50, REQ), "nom": S(200, REQ)}),  # schema 2
    "services": TS(
        {
            "code": S(50, REQ),
            "nom": S(200, REQ),
            "nature": E(e.ServiceKind, REQ),
            "parent": S(50),
            "archive": F("bool"),
        }
    ),
    "personnes": TS(
        {
            "login": S(100, REQ),
            "nom": S(200, REQ),
            "service": S(50),
            "actif": F("bool"),
            "courriel": S(200),
        }
    ),
    "qpv": TS({"code": S(20, REQ), "nom": S(200, REQ), "commune": S(200)}),
}
GENERATION = {
    "outil": S(),
    "version_outil": S(),
    "type": S(40, REQ),
    "service": S(50),
    "feuilles_de_route": STRS,
    "avec_contacts": F("bool"),
    "genere_le": DATETIME,
    "marges_au": DATE,
    "empreinte": S(80),
    "journal": S(80),
}
DOCUMENT = {
    "schema_version": F("int", REQ),
    "generation": T(GENERATION, REQ),
    "feuille_de_route": T(ROADMAP, REQ),
    "referentiel": T(REFERENCE),
}

_EXPECTED = {
    "str": "un texte",
    "text": "un texte",
    "date": "une date AAAA-MM-JJ",
    "datetime": "une date-heure avec fuseau (ex. 2026-01-31T09:30:00Z)",
    "int": "un entier",
    "bool": "true ou false",
    "money": 'un montant en texte (ex. "12500.00")',
    "number": 'un nombre en texte (ex. "120.5")',
    "enum": "une valeur de la liste",
    "strs": "une liste de textes",
    "table": "une table",
    "tables": "une liste de tables",
}


def _type_name(value: Any) -> str:
    names = {str: "texte", bool: "booléen", int: "entier", float: "nombre décimal"}
    names |= {list: "liste", dict: "table", date: "date", datetime: "date-heure"}
    return names.get(type(value), type(value).__name__)


def _check_value(value: Any, f: F, path: str, out: Problems) -> None:
    wrong = f"attendu {_EXPECTED[f.kind]}, trouvé {_type_name(value)}"
    if f.kind in ("str", "text", "money", "number", "enum"):
        if not isinstance(value, str):
            out.add(path, wrong)
            return
        if f.required and not value.strip():
            out.add(path, "ne peut pas être vide")
        elif len(value) > f.max_length and f.kind in ("str", "text"):
            out.add(path, f"trop long ({len(value)} caractères, {f.max_length} au plus)")
        elif f.kind in ("str", "text"):
            try:
                no_control(value, path, multiline=f.kind == "text")
            except ValidationError as exc:
                out.add(path, exc.message)
        elif f.kind == "money":
            try:
                amount(value, path)
            except ValidationError as exc:
                out.add(path, f"{exc.message} (attendu un montant positif, deux décimales)")
        elif f.kind == "number":
            _check_number(value, path, out)
        elif f.kind == "enum" and f.enum is not None and value not in {m.value for m in f.enum}:
            allowed = ", ".join(m.value for m in f.enum)
            out.add(path, f"valeur « {value} » inconnue ; attendu : {allowed}")
    elif f.kind == "date":
        if isinstance(value, str):
            _check_date_text(value, path, out)
        elif not isinstance(value, date) or isinstance(value, datetime):
            out.add(path, wrong)
    elif f.kind == "datetime":
        if not isinstance(value, datetime):
            out.add(path, wrong)
        elif value.tzinfo is None:
            out.add(path, "date-heure sans fuseau ; attendu par exemple 2026-01-31T09:30:00Z")
    elif f.kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            out.add(path, wrong)
    elif f.kind == "bool":
        if not isinstance(value, bool):
            out.add(path, wrong)
    elif f.kind == "strs":
        if not isinstance(value, list):
            out.add(path, wrong)
            return
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                out.add(f"{path}[{i}]", f"attendu un texte non vide, trouvé {_type_name(item)}")
    elif f.kind == "table":
        if not isinstance(value, dict):
            out.add(path, wrong)
            return
        check_table(value, f.spec or {}, path, out)
    elif f.kind == "tables":
        if not isinstance(value, list):
            out.add(path, wrong)
            return
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                out.add(f"{path}[{i}]", f"attendu une table, trouvé {_type_name(item)}")
            else:
                check_table(item, f.spec or {}, f"{path}[{i}]", out)


def _check_money(table: dict[str, Any], key: str, path: str, out: Problems) -> None:
    """Hand-written amounts: numbers or French strings, stored back in one canonical form."""
    try:
        table[key] = f"{parse_money(table[key]):f}"
    except AmountError as exc:
        out.add(path, str(exc))


def _check_date_text(value: str, path: str, out: Problems) -> None:
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{1,2}", text):
        out.add(
            path,
            f"date incomplète « {text} » : le jour manque ; attendu une date complète "
            "AAAA-MM-JJ sans guillemets, ex. 2026-01-15",
        )
    else:
        out.add(
            path, f"attendu une date AAAA-MM-JJ sans guillemets (ex. 2026-01-15), trouvé « {text} »"
        )


def _check_number(value: str, path: str, out: Problems) -> None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        out.add(path, f'« {value} » n\'est pas un nombre (attendu par exemple "120.5")')
        return
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        out.add(path, "nombre hors limites (moins de 10¹² attendu)")
    elif number != number.quantize(Decimal("0.0001")):
        out.add(path, "quatre décimales au plus")


def check_table(table: dict[str, Any], spec: dict[str, F], path: str, out: Problems) -> None:
    for key, f in spec.items():
        sub = f"{path}.{key}" if path else key
        if key not in table:
            if f.required:
                out.add(path or sub, f"clé obligatoire « {key} » absente ({_EXPECTED[f.kind]})")
            continue
        if f.kind == "money":
            _check_money(table, key, sub, out)
        else:
            _check_value(table[key], f, sub, out)
    for key in sorted(set(table) - set(spec)):
        sub = f"{path}.{key}" if path else key
        out.add(sub, f"clé inconnue « {key} » ; attendu l'une de : {', '.join(spec)}")
