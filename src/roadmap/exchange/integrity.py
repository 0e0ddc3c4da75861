"""Cross-reference checks of an import file: references, cycles, horizon, the database.

Runs after the shape check and before any write; reads the database but never writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from roadmap import models as m
from roadmap.domain.enums import ServiceKind
from roadmap.exchange import READABLE_VERSIONS as READABLE
from roadmap.exchange import SCHEMA_VERSION
from roadmap.exchange.copil_import import check_copil
from roadmap.exchange.metadata import KIND_ROADMAP
from roadmap.exchange.problems import Problems
from roadmap.formatting import date_short

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$|^[a-z0-9]$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # a service code names a file


def check_header(doc: dict[str, Any], out: Problems) -> bool:
    """False when the file is not something this version can read at all."""
    version = doc.get("schema_version")
    if version is None:
        out.add("schema_version", "clé obligatoire absente (attendu un entier)")
        return False
    if isinstance(version, bool) or not isinstance(version, int) or version not in READABLE:
        readable = " et ".join(str(v) for v in READABLE)
        out.add(
            "schema_version",
            f"version de schéma « {version} » inconnue ; cette version lit {readable}",
        )
        return False
    if version < SCHEMA_VERSION:
        _newer_keys(doc, version, out)
    kind = (
        doc.get("generation", {}).get("type") if isinstance(doc.get("generation"), dict) else None
    )
    if kind is not None and kind != KIND_ROADMAP:
        out.add(
            "generation.type",
            f"« {kind} » ne s'importe pas ; attendu « {KIND_ROADMAP} » "
            "(un fichier de service n'est qu'une vue en lecture)",
        )
        return False
    return True


# Keys that came with a schema version: a file claiming an older one may not carry them.
_SINCE = {
    2: (("feuille_de_route", "territoire"), ("referentiel", "territoires")),
}


def _newer_keys(doc: dict[str, Any], version: int, out: Problems) -> None:
    for since, keys in _SINCE.items():
        for table, key in keys:
            section = doc.get(table)
            if since > version and isinstance(section, dict) and key in section:
                out.add(
                    f"{table}.{key}",
                    f"clé apparue avec schema_version = {since}, or le fichier dit {version} ; "
                    f"attendu schema_version = {since}",
                )


def _duplicates(items: list[dict[str, Any]], key: str, path: str, out: Problems) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        value = item.get(key)
        if value in seen:
            out.add(f"{path}[{i}].{key}", f"« {value} » apparaît deux fois")
        seen.add(value)
    return seen


class _Known:
    """References the file may use: declared in its referentiel or already in the base."""

    def __init__(self, doc: dict[str, Any], db: dict[str, set[str]]) -> None:
        ref = doc.get("referentiel", {})
        self.services = {s["code"] for s in ref.get("services", [])} | db["services"]
        self.people = {p["login"] for p in ref.get("personnes", [])} | db["people"]
        self.qpv = {q["code"] for q in ref.get("qpv", [])} | db["qpv"]
        self.territoires = {t["code"] for t in ref.get("territoires", [])} | db["territoires"]


def _expect(values: Iterable[str], known: set[str], what: str, path: str, out: Problems) -> None:
    for value in values:
        if value not in known:
            out.add(path, f"{what} « {value} » inconnu (ni dans [referentiel] ni dans la base)")


def _find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """A dependency loop as a list of nodes, found by an iterative DFS."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for root in sorted(edges):
        if state.get(root):
            continue
        stack = [(root, iter(edges.get(root, [])))]
        path = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                return [*path[path.index(child) :], child]
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(edges.get(child, []))))
                path.append(child)
    return None


async def _database_names() -> dict[str, set[str]]:
    return {
        "services": set(await m.Service.all().values_list("code", flat=True)),
        "people": set(await m.Person.all().values_list("login", flat=True)),
        "qpv": set(await m.Qpv.all().values_list("code", flat=True)),
        "territoires": set(await m.Territoire.all().values_list("code", flat=True)),
    }


async def check_references(doc: dict[str, Any], out: Problems) -> None:
    road = doc["feuille_de_route"]
    ref = doc.get("referentiel", {})
    known = _Known(doc, await _database_names())
    base = "feuille_de_route"

    if not _SLUG.match(road["slug"]):
        out.add(
            f"{base}.slug", "attendu : minuscules, chiffres et tirets (ex. pat-salon-martigues)"
        )
    for i, s in enumerate(ref.get("services", [])):
        if not _CODE.match(s["code"]):
            out.add(f"referentiel.services[{i}].code", "attendu : lettres, chiffres, . _ -")
        if "parent" in s:
            _expect(
                [s["parent"]], known.services, "service", f"referentiel.services[{i}].parent", out
            )
    for i, p in enumerate(ref.get("personnes", [])):
        if "service" in p:
            _expect(
                [p["service"]],
                known.services,
                "service",
                f"referentiel.personnes[{i}].service",
                out,
            )
        if p.get("courriel") and "@" not in p["courriel"]:
            out.add(
                f"referentiel.personnes[{i}].courriel", "adresse invalide (attendu nom@domaine)"
            )
    for key, path in (
        ("territoires", "code"),
        ("services", "code"),
        ("personnes", "login"),
        ("qpv", "code"),
    ):
        _duplicates(ref.get(key, []), path, f"referentiel.{key}", out)
    for i, t in enumerate(ref.get("territoires", [])):
        if not _SLUG.match(t["code"]):
            out.add(
                f"referentiel.territoires[{i}].code", "attendu : minuscules, chiffres et tirets"
            )
    if "territoire" in road:
        _expect(
            [road["territoire"]],
            known.territoires,
            "territoire",
            f"{base}.territoire",
            out,
        )

    for side in ("service_politique_de_la_ville", "service_droit_commun"):
        _expect([road[side]], known.services, "service", f"{base}.{side}", out)
    if road["service_politique_de_la_ville"] == road["service_droit_commun"]:
        out.add(
            f"{base}.service_droit_commun", "les deux côtés doivent être deux services différents"
        )
    pv_kind = next(
        (
            s["nature"]
            for s in ref.get("services", [])
            if s["code"] == road["service_politique_de_la_ville"]
        ),
        None,
    )
    if pv_kind is None:
        pv = await m.Service.get_or_none(code=road["service_politique_de_la_ville"])
        pv_kind = pv.kind if pv else None
    if pv_kind is not None and pv_kind != ServiceKind.POLITIQUE_DE_LA_VILLE:
        out.add(
            f"{base}.service_politique_de_la_ville",
            "ce service n'est pas un service politique de la ville",
        )

    axes = _duplicates(road.get("axes", []), "ref", f"{base}.axes", out)
    actions = _duplicates(road.get("actions", []), "ref", f"{base}.actions", out)
    jalons = _duplicates(road.get("jalons", []), "ref", f"{base}.jalons", out)
    _duplicates(road.get("indicateurs", []), "ref", f"{base}.indicateurs", out)
    _duplicates(road.get("equipe", []), "login", f"{base}.equipe", out)
    years = _duplicates(road.get("campagnes", []), "annee", f"{base}.campagnes", out)
    _duplicates(road.get("dossiers", []), "ref", f"{base}.dossiers", out)
    horizon = road["horizon"]

    for i, member in enumerate(road.get("equipe", [])):
        _expect([member["login"]], known.people, "personne", f"{base}.equipe[{i}].login", out)
    trinome = sum(1 for mb in road.get("equipe", []) if mb["role"] == "trinome")
    if trinome > 3:
        out.add(f"{base}.equipe", f"{trinome} membres au trinôme ; 3 au plus")

    edges: dict[str, list[str]] = {}
    for kind, items, label in (
        ("action", road.get("actions", []), "actions"),
        ("jalon", road.get("jalons", []), "jalons"),
    ):
        for i, item in enumerate(items):
            path = f"{base}.{label}[{i}]"
            node = f"{kind} {item['ref']}"
            edges[node] = [f"action {r}" for r in item.get("depend_des_actions", [])] + [
                f"jalon {r}" for r in item.get("depend_des_jalons", [])
            ]
            for r in item.get("depend_des_actions", []):
                if r not in actions:
                    out.add(f"{path}.depend_des_actions", f"action « {r} » absente du fichier")
            for r in item.get("depend_des_jalons", []):
                if r not in jalons:
                    out.add(f"{path}.depend_des_jalons", f"jalon « {r} » absent du fichier")
            if "axe" in item and item["axe"] not in axes:
                out.add(f"{path}.axe", f"axe « {item['axe']} » absent de feuille_de_route.axes")
            for date_key in ("debut", "fin", "date_actuelle"):
                value = item.get(date_key)
                if value is not None and value > horizon:
                    out.add(
                        f"{path}.{date_key}",
                        f"{date_short(value)} dépasse l'horizon ({date_short(horizon)}) ; "
                        "attendu une date avant l'horizon",
                    )
            if item.get("debut") and item.get("fin") and item["fin"] < item["debut"]:
                out.add(f"{path}.fin", "la fin précède le début")
            _expect(
                item.get("services_contributeurs", []),
                known.services,
                "service",
                f"{path}.services_contributeurs",
                out,
            )
            _expect(
                item.get("services_invites", []),
                known.services,
                "service",
                f"{path}.services_invites",
                out,
            )
            _expect(
                item.get("personnes_invitees", []),
                known.people,
                "personne",
                f"{path}.personnes_invitees",
                out,
            )
            _expect(item.get("qpv", []), known.qpv, "QPV", f"{path}.qpv", out)
            if "service_pilote" in item:
                _expect(
                    [item["service_pilote"]],
                    known.services,
                    "service",
                    f"{path}.service_pilote",
                    out,
                )
            if "responsable" in item:
                _expect([item["responsable"]], known.people, "personne", f"{path}.responsable", out)
            for k, eng in enumerate(item.get("engagements", [])):
                _expect(
                    [eng["service"]],
                    known.services,
                    "service",
                    f"{path}.engagements[{k}].service",
                    out,
                )
    cycle = _find_cycle(edges)
    if cycle:
        out.add(f"{base}.actions", "les dépendances forment un cycle : " + " → ".join(cycle))

    for i, ind in enumerate(road.get("indicateurs", [])):
        if "axe" in ind and ind["axe"] not in axes:
            out.add(
                f"{base}.indicateurs[{i}].axe",
                f"axe « {ind['axe']} » absent de feuille_de_route.axes",
            )
    for i, rec in enumerate(road.get("observations_qualitatives", [])):
        if "axe" in rec and rec["axe"] not in axes:
            out.add(f"{base}.observations_qualitatives[{i}].axe", f"axe « {rec['axe']} » absent")
    for i, camp in enumerate(road.get("campagnes", [])):
        path = f"{base}.campagnes[{i}]"
        if not 1900 <= camp["annee"] <= 2200:
            out.add(f"{path}.annee", "année hors limites (1900 à 2200)")
        if camp["cloture"] < camp["ouverture"]:
            out.add(f"{path}.cloture", "la clôture précède l'ouverture")
        _expect(
            camp.get("services_instructeurs", []),
            known.services,
            "service",
            f"{path}.services_instructeurs",
            out,
        )
        for r in camp.get("axes", []):
            if r not in axes:
                out.add(f"{path}.axes", f"axe « {r} » absent de feuille_de_route.axes")
    await _check_dossiers(road, known, axes, actions, years, out)
    check_copil(road, known.people, actions, jalons, out)


async def _check_dossiers(
    road: dict[str, Any],
    known: _Known,
    axes: set[str],
    actions: set[str],
    years: set[Any],
    out: Problems,
) -> None:
    base = "feuille_de_route.dossiers"
    refs = [d["ref"] for d in road.get("dossiers", [])]
    elsewhere = {
        ref: slug
        for ref, slug in await m.Dossier.filter(ref__in=refs).values_list("ref", "roadmap__slug")
        if slug is not None and slug != road["slug"]
    }
    for i, d in enumerate(road.get("dossiers", [])):
        path = f"{base}[{i}]"
        if d["ref"] in elsewhere:
            out.add(
                f"{path}.ref",
                f"le dossier « {d['ref']} » appartient déjà à « {elsewhere[d['ref']]} »",
            )
        if d["campagne"] not in years:
            out.add(
                f"{path}.campagne",
                f"campagne {d['campagne']} absente de feuille_de_route.campagnes",
            )
        if "action" in d and d["action"] not in actions:
            out.add(f"{path}.action", f"action « {d['action']} » absente du fichier")
        if "axe" in d and d["axe"] not in axes:
            out.add(f"{path}.axe", f"axe « {d['axe']} » absent de feuille_de_route.axes")
        _expect(d.get("qpv", []), known.qpv, "QPV", f"{path}.qpv", out)
        _expect(
            d.get("services_instructeurs", []),
            known.services,
            "service",
            f"{path}.services_instructeurs",
            out,
        )
        _duplicates(d.get("financements", []), "financeur", f"{path}.financements", out)
        for k, line in enumerate(d.get("financements", [])):
            _expect(
                [line["financeur"]],
                known.services,
                "service",
                f"{path}.financements[{k}].financeur",
                out,
            )
        for k, avis in enumerate(d.get("avis", [])):
            _expect([avis["service"]], known.services, "service", f"{path}.avis[{k}].service", out)
            if "personne" in avis:
                _expect(
                    [avis["personne"]], known.people, "personne", f"{path}.avis[{k}].personne", out
                )
