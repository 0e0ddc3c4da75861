"""The demo's invented reference data, and how to tell it from a team's real data.

The demo creates services, people, a territory and QPV shared by the whole base. A real
roadmap must never pick them up by accident, and removing the demo takes them away when
nothing real uses them. A row is the demo's when its code *and* its name are the demo's:
a team that kept a code like « dcs » under its own name owns that row.
"""

from __future__ import annotations

DEMO_SLUG = "pat-salon-martigues"
DEMO_TERRITORY = ("amp", "Métropole Aix-Marseille-Provence")

SERVICES = [
    (
        "dcs",
        "Direction de la cohésion sociale (politique de la ville)",
        "politique_de_la_ville",
        None,
    ),
    ("dapat", "Direction agriculture et PAT", "droit_commun", None),
    ("resto-martigues", "Restauration scolaire — Ville de Martigues", "droit_commun", None),
    ("sante", "Direction santé publique", "droit_commun", None),
    ("prefecture", "Préfecture des Bouches-du-Rhône (délégués du préfet)", "etat", None),
    ("ddets", "DDETS des Bouches-du-Rhône", "etat", None),
    ("ars", "ARS Provence-Alpes-Côte d'Azur", "etat", None),
    ("caf", "CAF des Bouches-du-Rhône", "partenaire", None),
    ("departement", "Département des Bouches-du-Rhône", "partenaire", None),
    ("centres-sociaux", "Fédération des centres sociaux", "partenaire", None),
]

PEOPLE = [
    ("cmartin", "Claire Martin", "claire.martin@example.org", "dcs"),
    ("jrey", "Julien Rey", "julien.rey@example.org", "dapat"),
    ("nbenali", "Nadia Benali", "nadia.benali@example.org", "dcs"),
    ("sgarcia", "Sophie Garcia", "sophie.garcia@example.org", "caf"),
    ("khaddad", "Karim Haddad", "karim.haddad@example.org", "centres-sociaux"),
    ("molivier", "Marc Olivier", "marc.olivier@example.org", "prefecture"),
    ("efabre", "Élodie Fabre", "elodie.fabre@example.org", "ars"),
    ("tlambert", "Thomas Lambert", "thomas.lambert@example.org", "resto-martigues"),
    ("pdurand", "Pierre Durand", "pierre.durand@example.org", "departement"),
    ("lmoreau", "Léa Moreau", "lea.moreau@example.org", "dapat"),
]

# Codes are illustrative, in the national QPV format.
QPVS = [
    ("QN01301M", "Les Canourgues", "Salon-de-Provence"),
    ("QN01302M", "Les Bressons-Blazots", "Salon-de-Provence"),
    ("QN01311M", "Canto-Perdrix", "Martigues"),
    ("QN01312M", "Notre-Dame-des-Marins", "Martigues"),
    ("QN01313M", "Mas de Pouane", "Martigues"),
]

DEMO_PERSONA = "Mathilde Roux"  # the demo's own persona (invented), given to the runner

_SERVICE_NAMES = {code: name for code, name, *_ in SERVICES}
_PEOPLE_NAMES = {login: name for login, name, *_ in PEOPLE}
_QPV_NAMES = {code: name for code, name, _ in QPVS}


def is_demo_service(code: str, name: str) -> bool:
    return _SERVICE_NAMES.get(code) == name


def is_demo_person(login: str, name: str, service_code: str | None) -> bool:
    """An invented demo person, or the runner's seat still under the demo's persona."""
    if _PEOPLE_NAMES.get(login) == name:
        return True
    return name == DEMO_PERSONA and (service_code is None or service_code in _SERVICE_NAMES)


def is_demo_qpv(code: str, name: str) -> bool:
    return _QPV_NAMES.get(code) == name


def is_demo_territory(code: str, name: str) -> bool:
    return (code, name) == DEMO_TERRITORY
