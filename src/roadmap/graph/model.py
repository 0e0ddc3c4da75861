"""The vocabulary of the roadmap graph: node kinds, edge kinds, stable node ids.

No networkx here: the TUI imports this module on its start-up path (RISKS 15).

Node attributes are plain strings and ints (never ``None``) so that GraphML and GEXF
can carry them as they are; a missing date is the empty string.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from datetime import date

# Node kinds
SERVICE = "service"
PERSON = "person"
ACTION = "action"
JALON = "jalon"
DOSSIER = "dossier"
DESTINATION = "destination"
NODE_KINDS = (DESTINATION, ACTION, JALON, DOSSIER, SERVICE, PERSON)

# Edge kinds; each edge is stored under its kind as the MultiDiGraph key.
DEPENDS_ON = "depends_on"  # dependent → prerequisite (waits for it)
PILOTS = "pilots"  # service → action
OWNS = "owns"  # person → action
CONTRIBUTES = "contributes"  # service → action
INVITED_TO = "invited_to"  # service or person → jalon
INSTRUCTS = "instructs"  # service → dossier
FINANCES = "finances"  # service (financeur) → dossier
MEMBER_OF = "member_of"  # person → destination (role in the roadmap) or → home service
CONCERNS = "concerns"  # dossier → the action it would fund
EDGE_KINDS = (
    DEPENDS_ON,
    PILOTS,
    OWNS,
    CONTRIBUTES,
    INVITED_TO,
    INSTRUCTS,
    FINANCES,
    MEMBER_OF,
    CONCERNS,
)
# Edges that say "this service/person takes part in this item".
PARTICIPATION = frozenset({PILOTS, OWNS, CONTRIBUTES, INVITED_TO, INSTRUCTS, FINANCES})

# Policy sides, from the service kinds of the domain.
PV = "politique_de_la_ville"
DC = "droit_commun"
ETAT = "etat"
PARTENAIRE = "partenaire"
AUTRE = "autre"

OPEN_ACTION = frozenset({"idee", "a_lancer", "en_cours", "bloquee"})
OPEN_DOSSIER = frozenset({"depose", "recevable", "en_instruction"})
WAITING_DOSSIER = frozenset({"depose", "recevable", "en_instruction", "avis_rendus"})

KIND_LABELS = {
    DESTINATION: "Point d'arrivée",
    ACTION: "Action",
    JALON: "Jalon",
    DOSSIER: "Dossier de subvention",
    SERVICE: "Service",
    PERSON: "Personne",
}
SIDE_LABELS = {
    PV: "Politique de la ville",
    DC: "Droit commun",
    ETAT: "État",
    PARTENAIRE: "Partenaire",
    AUTRE: "Autre",
}
EDGE_LABELS = {
    DEPENDS_ON: "dépend de",
    PILOTS: "pilote",
    OWNS: "est responsable de",
    CONTRIBUTES: "contribue à",
    INVITED_TO: "invité à",
    INSTRUCTS: "instruit",
    FINANCES: "finance",
    MEMBER_OF: "membre de",
    CONCERNS: "concerne",
}


def service_id(code: str) -> str:
    return f"service:{code}"


def person_id(login: str) -> str:
    return f"person:{login}"


def action_id(slug: str, ref: str) -> str:
    return f"action:{slug}:{ref}"


def jalon_id(slug: str, ref: str) -> str:
    return f"jalon:{slug}:{ref}"


def dossier_id(ref: str) -> str:
    return f"dossier:{ref}"


def destination_id(slug: str) -> str:
    return f"destination:{slug}"


def parse_day(value: object) -> date | None:
    """A node date attribute ("" when missing) as a date."""
    if isinstance(value, date):
        return value
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def short_ref(node: str) -> str:
    """``action:slug:A3`` → ``A3``; ``service:pat`` → ``pat``."""
    return node.rsplit(":", 1)[-1]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Tens of thousands of new dicts trigger full GC passes: a third of the build time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
