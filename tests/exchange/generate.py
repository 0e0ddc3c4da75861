"""A large synthetic roadmap file, for round-trip tests at scale."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from roadmap.exchange.values import dumps


def large_roadmap(
    actions: int = 600, jalons: int = 150, dossiers: int = 800, seed: int = 7
) -> bytes:
    return dumps(large_roadmap_document(actions, jalons, dossiers, seed))


def large_roadmap_document(
    actions: int = 600, jalons: int = 150, dossiers: int = 800, seed: int = 7
) -> dict[str, Any]:
    rnd = random.Random(seed)
    start = date(2026, 1, 1)
    services = [
        {"code": f"svc-{i:03d}", "nom": f"Service {i}", "nature": "droit_commun"} for i in range(40)
    ]
    services[0] = {
        "code": "svc-000",
        "nom": "Politique de la ville",
        "nature": "politique_de_la_ville",
    }
    people = [
        {
            "login": f"p{i:03d}",
            "nom": f"Personne {i}",
            "service": services[i % 40]["code"],
            "actif": True,
        }
        for i in range(80)
    ]
    axes = [{"ref": f"AX{i}", "titre": f"Axe {i}"} for i in range(1, 7)]
    stamp = datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    action_items: list[dict[str, Any]] = []
    for i in range(1, actions + 1):
        begin = start + timedelta(days=rnd.randrange(0, 700))
        item: dict[str, Any] = {
            "ref": f"A{i}",
            "titre": f'Action {i} — « test » \\ "guillemets"',
            "axe": f"AX{rnd.randrange(1, 7)}",
            "service_pilote": services[rnd.randrange(40)]["code"],
            "responsable": people[rnd.randrange(80)]["login"],
            "statut": rnd.choice(["idee", "a_lancer", "en_cours", "terminee"]),
            "debut": begin,
            "fin": begin + timedelta(days=rnd.randrange(10, 200)),
            "services_contributeurs": sorted(
                {services[rnd.randrange(40)]["code"] for _ in range(3)}
            ),
        }
        if i > 1:  # dependencies only on earlier actions: acyclic by construction
            item["depend_des_actions"] = sorted(
                {f"A{rnd.randrange(1, i)}" for _ in range(2)}, key=lambda r: int(r[1:])
            )
        if i % 5 == 0:
            item["engagements"] = [
                {
                    "service": item["service_pilote"],
                    "nature": "budget",
                    "montant": f"{rnd.randrange(1, 10**6)}.{rnd.randrange(100):02d}",
                }
            ]
        if i % 7 == 0:
            item["ajustements"] = [
                {
                    "champ": "end_date",
                    "ancienne_valeur": "x",
                    "nouvelle_valeur": "y",
                    "motif": "contrainte de calendrier",
                    "nature": "contrainte",
                    "auteur": "p001",
                    "le": stamp + timedelta(minutes=i),
                }
            ]
        action_items.append(item)
    jalon_items = [
        {
            "ref": f"J{i}",
            "titre": f"COPIL {i}",
            "nature": "copil",
            "date_prevue": start + timedelta(days=i * 4),
            "date_actuelle": start + timedelta(days=i * 4 + (i % 3)),
            "services_invites": [services[i % 40]["code"]],
            "depend_des_actions": [f"A{rnd.randrange(1, actions + 1)}"],
        }
        for i in range(1, jalons + 1)
    ]
    dossier_items = [
        {
            "ref": f"D2026-{i:04d}",
            "campagne": 2026,
            "porteur": f"Association {i}",
            "titre": f"Projet {i}",
            "action": f"A{rnd.randrange(1, actions + 1)}",
            "montant_demande": f"{rnd.randrange(1000, 90000)}.00",
            "etat": "en_instruction",
            "date_limite_avis": date(2026, 4, 30),
            "services_instructeurs": ["svc-000", services[i % 40]["code"]]
            if i % 40
            else ["svc-000"],
            "financements": [{"financeur": "svc-000", "demande": "1000.00"}],
        }
        for i in range(1, dossiers + 1)
    ]
    doc = {
        "schema_version": 1,
        "generation": {"outil": "roadmap", "type": "feuille_de_route"},
        "feuille_de_route": {
            "slug": "grande-feuille",
            "titre": "Une grande feuille de route",
            "point_arrivee": "Tester à l'échelle",
            "horizon": date(2029, 12, 31),
            "service_politique_de_la_ville": "svc-000",
            "service_droit_commun": "svc-001",
            "equipe": [{"login": "p001", "role": "trinome", "cote": "politique_de_la_ville"}],
            "axes": axes,
            "actions": action_items,
            "jalons": jalon_items,
            "campagnes": [
                {
                    "annee": 2026,
                    "titre": "AAP 2026",
                    "ouverture": date(2026, 1, 5),
                    "cloture": date(2026, 3, 1),
                    "sert_la_feuille_de_route": True,
                }
            ],
            "dossiers": dossier_items,
        },
        "referentiel": {"services": services, "personnes": people},
    }
    return doc
