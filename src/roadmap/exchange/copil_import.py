"""Import of ``references`` (baselines) and ``releve_decisions``: checked, then restored.

A baseline's ``contenu`` must still match its ``empreinte``: a file edited by hand is
refused before anything is written. Baselines are never updated: one already in the base
under the same name must be identical, else the import is refused. Each restored baseline
gets its own journal row with the digest, so ``roadmap baseline verify`` keeps working.
"""

from __future__ import annotations

from typing import Any

from roadmap import models as m
from roadmap.exchange.copil_doc import content_digest
from roadmap.exchange.problems import Problems
from roadmap.formatting import date_short
from roadmap.usecases.base import journal
from roadmap.usecases.identity import Actor

BASE = "feuille_de_route"


def check_copil(
    road: dict[str, Any], people: set[str], actions: set[str], jalons: set[str], out: Problems
) -> None:
    names: set[str] = set()
    for i, b in enumerate(road.get("references", [])):
        path = f"{BASE}.references[{i}]"
        if b["nom"] in names:
            out.add(f"{path}.nom", f"« {b['nom']} » apparaît deux fois")
        names.add(b["nom"])
        if content_digest(b["contenu"]) != b["empreinte"]:
            out.add(
                f"{path}.contenu",
                "le contenu ne correspond plus à son empreinte (référence modifiée hors "
                "application) ; une référence ne se modifie pas",
            )
    refs: set[str] = set()
    steering = {
        j["ref"]
        for j in road.get("jalons", [])
        if j.get("nature") in ("copil", "cotech") and j.get("statut") == "tenu"
    }
    for i, d in enumerate(road.get("releve_decisions", [])):
        path = f"{BASE}.releve_decisions[{i}]"
        if d["ref"] in refs:
            out.add(f"{path}.ref", f"« {d['ref']} » apparaît deux fois")
        refs.add(d["ref"])
        if d["jalon"] not in steering:
            out.add(
                f"{path}.jalon", f"« {d['jalon']} » n'est pas un COPIL ou COTECH tenu du fichier"
            )
        if "porte_par" in d and d["porte_par"] not in people:
            out.add(f"{path}.porte_par", f"personne « {d['porte_par']} » inconnue")
        for r in d.get("actions", []):
            if r not in actions:
                out.add(f"{path}.actions", f"action « {r} » absente du fichier")
        for r in d.get("jalons", []):
            if r not in jalons:
                out.add(f"{path}.jalons", f"jalon « {r} » absent du fichier")


def check_update(new: dict[str, Any], stored: dict[str, Any], out: Problems) -> None:
    """Updating a roadmap by file neither takes, edits nor drops baselines or the relevé:
    those are acts of the application (same rules, journaled)."""
    have = {b["nom"]: b for b in stored.get("references", [])}
    for i, b in enumerate(new.get("references", [])):
        if have.get(b["nom"], {}).get("contenu") != b["contenu"]:
            out.add(
                f"{BASE}.references[{i}]",
                f"la référence « {b['nom']} » n'est pas celle de la base : une référence se "
                "prend dans l'application et ne se modifie jamais",
            )
    if {b["nom"] for b in new.get("references", [])} < set(have):
        out.add(f"{BASE}.references", "une référence ne se supprime pas par import")
    if new.get("releve_decisions", []) != stored.get("releve_decisions", []):
        out.add(
            f"{BASE}.releve_decisions",
            "le relevé de décisions ne change pas par import : utilisez l'application "
            "(« roadmap decision ajouter|fait », mêmes règles, journalisé)",
        )


async def write_copil(
    actor: Actor,
    road: dict[str, Any],
    rid: int,
    people: dict[str, int],
    actions: dict[str, int],
    jalons: dict[str, int],
    filename: str,
) -> dict[str, int]:
    existing = set(await m.Baseline.filter(roadmap_id=rid).values_list("name", flat=True))
    restored = 0
    for b in road.get("references", []):
        if b["nom"] in existing:
            continue
        await m.Baseline.create(
            roadmap_id=rid,
            name=b["nom"],
            taken_at=b["prise_le"],
            taken_by=b["prise_par"],
            jalon_ref=b.get("jalon", ""),
            content=b["contenu"],
        )
        await journal(
            actor,
            roadmap=road["slug"],
            entity="référence",
            ref=b["nom"],
            operation="création",
            new=b["empreinte"],
            reason=f"import de {filename} "
            f"(prise le {date_short(b['prise_le'])} par {b['prise_par']})",
        )
        restored += 1
    # The relevé follows the file, like the re-routings: replaced as a whole.
    await m.ReleveDecision.filter(roadmap_id=rid).delete()
    carriers = {d["porte_par"] for d in road.get("releve_decisions", []) if "porte_par" in d}
    people = {
        **dict(await m.Person.filter(login__in=carriers).values_list("login", "id")),
        **people,
    }
    for d in road.get("releve_decisions", []):
        decision = await m.ReleveDecision.create(
            roadmap_id=rid,
            jalon_id=jalons[d["jalon"]],
            ref=d["ref"],
            text=d["texte"],
            carrier_id=people.get(d.get("porte_par", "")),
            due_date=d.get("echeance"),
            status=d.get("statut", "ouverte"),
            created_at=d["cree_le"],
            created_by=d["cree_par"],
            done_at=d.get("faite_le"),
            done_by=d.get("faite_par", ""),
            updated_by=actor.login,
        )
        await m.ReleveLink.bulk_create(
            [
                m.ReleveLink(decision_id=decision.id, action_id=actions[r])
                for r in d.get("actions", [])
            ]
            + [
                m.ReleveLink(decision_id=decision.id, jalon_id=jalons[r])
                for r in d.get("jalons", [])
            ]
        )
    return {"références": restored, "décisions de COPIL": len(road.get("releve_decisions", []))}
