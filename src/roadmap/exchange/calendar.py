"""iCalendar files: jalons and AAP deadlines in the services' own agendas.

UIDs are stable so a re-import updates events, and never collide in a partner's calendar:
the left part names the item (the roadmap's slug for jalons and avis deadlines,
"avis-<slug>-<ref>"; the campaign's year and a short hash of its title and opening for its
closing, "aap-2026-<hash>-cloture"), the right part names the database that wrote it
("@<instance>.feuille-de-route", migration 0010): the same demo on two machines, or two
territories' bases, write different UIDs; the same base writes the same ones. A service's
calendar holds only the deadlines that are its own to meet: an avis deadline only for a
dossier it instructs, whose avis it has not given yet, and which is not decided.
DTSTAMP comes from the data (the last re-routing, else a fixed origin) unless ``--stamp``,
and SEQUENCE counts the re-routings, so the bytes only change when the data does and a
moved event always carries a later DTSTAMP and a higher SEQUENCE.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event

from roadmap import __version__
from roadmap.domain.enums import JalonKind
from roadmap.domain.validation import printable

UID_DOMAIN = "feuille-de-route"  # after the instance id: "<uid>@<instance>.feuille-de-route"
PRODID = f"-//Feuille de route partagée//roadmap {__version__}//FR"
NO_HISTORY = datetime(2000, 1, 1, tzinfo=UTC)  # DTSTAMP of an event never re-routed
EventKey = tuple[str, str]  # ("jalon", "slug/ref"), ("aap", "2026"), ("avis", "D-1")
# states where avis are still awaited: after these, an avis deadline is nobody's to meet
AWAITING_AVIS = frozenset({"depose", "recevable", "en_instruction"})


def uid_domain(instance: str) -> str:
    """The right-hand part of every UID this database writes (RFC 5545: a domain)."""
    return f"{instance}.{UID_DOMAIN}"


def _event(
    uid: str,
    domain: str,
    summary: str,
    day: date,
    stamp: datetime,
    *,
    description: str = "",
    category: str,
    sequence: int = 0,
    cancelled: bool = False,
) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{domain}")
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))  # an all-day event
    # a control character still in the data (stored before the doors refused it) would
    # go raw into the file: shown as U+FFFD instead
    event.add("summary", printable(summary))
    if description:
        event.add("description", printable(description))
    event.add("categories", [printable(category)])
    event.add("sequence", sequence)
    event.add("transp", "TRANSPARENT")
    if cancelled:
        event.add("status", "CANCELLED")
    return event


def jalon_event(slug: str, jalon: dict[str, Any], now: datetime | None, domain: str) -> Event:
    moves = [a for a in jalon.get("ajustements", []) if "date" in a.get("champ", "")]
    stamp = now or max(
        (a["le"] for a in jalon.get("ajustements", []) if "le" in a),
        default=NO_HISTORY,
    )
    kind = JalonKind(jalon["nature"])
    lines = [f"Feuille de route : {slug}", f"Date prévue : {jalon['date_prevue']:%d/%m/%Y}"]
    lines += [
        f"Ajustement : {a.get('ancienne_valeur', '')} → {a.get('nouvelle_valeur', '')} "
        f"({a.get('nature', '')}) : {a.get('motif', '')}"
        for a in moves
    ]
    if jalon.get("description"):
        lines.append(jalon["description"])
    return _event(
        f"jalon-{slug}-{jalon['ref']}",
        domain,
        f"{kind.label} — {jalon['titre']}",
        jalon["date_actuelle"],
        stamp,
        description="\n".join(lines),
        category=kind.label,
        sequence=len(moves),
        cancelled=jalon.get("statut") == "annule",
    )


def campaign_uid(campaign: dict[str, Any]) -> str:
    """The same in the roadmap and the service files: year, title and opening date."""
    year = campaign[_year_key(campaign)]
    identity = f"{year}|{campaign['titre']}|{campaign['ouverture']}".encode()
    return f"aap-{year}-{hashlib.sha256(identity).hexdigest()[:10]}-cloture"


def campaign_event(campaign: dict[str, Any], now: datetime | None, domain: str) -> Event:
    closes: date = campaign["cloture"]
    return _event(
        campaign_uid(campaign),
        domain,
        f"Clôture de l'AAP {campaign[_year_key(campaign)]} — {campaign['titre']}",
        closes,
        now or NO_HISTORY,
        description=f"Ouverture : {campaign['ouverture']:%d/%m/%Y}",
        category=JalonKind.ECHEANCE_AAP.label,
    )


def _year_key(campaign: dict[str, Any]) -> str:
    return "annee" if "annee" in campaign else "campagne"


def dossier_event(
    slug: str | None, dossier: dict[str, Any], now: datetime | None, domain: str
) -> Event:
    deadline: date = dossier["date_limite_avis"]
    where = slug or f"aap{dossier.get('campagne', '')}"
    return _event(
        f"avis-{where}-{dossier['ref']}",
        domain,
        f"Date limite des avis — dossier {dossier['ref']} ({dossier['porteur']})",
        deadline,
        now or NO_HISTORY,
        description=dossier["titre"],
        category="Avis AAP",
    )


def roadmap_events(
    document: dict[str, Any], now: datetime | None, instance: str
) -> dict[EventKey, Event]:
    domain = uid_domain(instance)
    document = document["feuille_de_route"]
    slug = document["slug"]
    events: dict[EventKey, Event] = {}
    for jalon in document.get("jalons", []):
        events[("jalon", f"{slug}/{jalon['ref']}")] = jalon_event(slug, jalon, now, domain)
    for campaign in document.get("campagnes", []):
        events[("aap", str(campaign["annee"]))] = campaign_event(campaign, now, domain)
    for dossier in document.get("dossiers", []):
        if "date_limite_avis" in dossier and dossier.get("etat") in AWAITING_AVIS:
            events[("avis", dossier["ref"])] = dossier_event(slug, dossier, now, domain)
    return events


def service_events(
    document: dict[str, Any], known: dict[EventKey, Event], now: datetime | None, instance: str
) -> list[Event]:
    """The service's events, reusing the roadmap events so UIDs and SEQUENCE agree."""
    domain = uid_domain(instance)
    events: dict[EventKey, Event] = {}
    document = document["service"]
    for jalon in document.get("jalons", []):
        key = ("jalon", f"{jalon['feuille_de_route']}/{jalon['ref']}")
        if key in known:
            events[key] = known[key]
    for campaign in document.get("echeances_aap", []):
        key = f"{campaign['campagne']}/{campaign.get('territoire', '')}"  # one per territory
        events[("aap", key)] = campaign_event(campaign, now, domain)
    for dossier in document.get("dossiers", []):
        if _own_avis_deadline(dossier):
            slug = dossier.get("feuille_de_route")
            events[("avis", dossier["ref"])] = dossier_event(slug, dossier, now, domain)
    return [events[k] for k in sorted(events)]


def _own_avis_deadline(dossier: dict[str, Any]) -> bool:
    """A deadline this service has to meet: it instructs, has not given its avis, and the
    dossier still waits for avis (a co-financer or a decided dossier has nothing to do)."""
    return (
        "date_limite_avis" in dossier
        and "instructeur" in dossier.get("roles", [])
        and "avis_du_service" not in dossier
        and dossier.get("etat") in AWAITING_AVIS
    )


def calendar_bytes(name: str, events: list[Event]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", printable(name))
    for event in sorted(events, key=lambda e: str(e["uid"])):
        calendar.add_component(event)
    return bytes(calendar.to_ical())
