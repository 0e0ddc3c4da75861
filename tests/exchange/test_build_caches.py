"""The export's shortcuts (issue 15) keep every value as the plain code gave it.

Values parsed once per process (dates, datetimes, amounts given as text), ``prune`` done
in place, and the lookups a service file shares with the others (an action's common parts,
a campaign's year and territory): a dossier or an action held by two services still shows
each service its own roles, amounts, avis and co-instructors.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from roadmap.exchange.metadata import ExportOptions
from roadmap.exchange.service_doc import ServiceIndex, build_service_document
from roadmap.exchange.snapshot import TABLES, Snapshot, as_rows
from roadmap.exchange.values import as_date, as_datetime, money, prune, sorted_few


def test_prune_drops_only_missing_values_in_place() -> None:
    mapping: dict[str, Any] = {
        "none": None,
        "vide": "",
        "liste": [],
        "faux": False,
        "zero": 0,
        "table": {},
        "tuple": (),
        "date": date(2026, 1, 1),
        "texte": "x",
        "decimal": Decimal("0"),
    }
    pruned = prune(mapping)
    assert pruned is mapping
    assert list(pruned) == ["faux", "zero", "table", "tuple", "date", "texte", "decimal"]


def test_text_values_parsed_once_give_the_same_values() -> None:
    assert as_date("2026-04-30") == as_date("2026-04-30") == date(2026, 4, 30)
    assert as_date("2026-04-30 10:00:00") == date(2026, 4, 30)
    assert as_date("") is None and as_date("") is None and as_date(None) is None
    paris = datetime(2026, 1, 2, 11, tzinfo=timezone(timedelta(hours=1)))
    assert as_datetime("2026-01-02 10:00:00") == datetime(2026, 1, 2, 10, tzinfo=UTC)
    assert as_datetime("2026-01-02T11:00:00+01:00") == paris
    assert str(as_datetime("2026-01-02T11:00:00+01:00")) == "2026-01-02 10:00:00+00:00"
    assert str(as_datetime(paris)) == "2026-01-02 10:00:00+00:00"
    # Equal numbers that print apart are never taken from the text cache.
    assert money("0") == "0.00" and money(Decimal("-0")) == "-0.00"
    assert money("15000") == money("15000") == "15000.00"
    assert money(Decimal("15000.0")) == "15000.00" and money(12) == "12.00"
    assert money("") is None and money(None) is None


def test_sorted_few() -> None:
    lone = [{"b": 1}]
    assert sorted_few(lone, key=lambda _: 1 / 0) is lone  # a lone item's key is not needed
    assert sorted_few([3, 1, 2], key=lambda x: -x) == [3, 2, 1]


def _snapshot() -> Snapshot:
    """Two services sharing one action (pilot and contributor, each with its engagement)
    and one dossier (both instruct it, only the first finances it and gave an avis)."""
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    tables["service"] = [
        {"id": 1, "code": "svc-a", "name": "A", "kind": "etat", "parent_id": None, "archived": 0},
        {"id": 2, "code": "svc-b", "name": "B", "kind": "etat", "parent_id": None, "archived": 0},
    ]
    tables["territoire"] = [{"id": 1, "code": "metropole", "name": "Métropole"}]
    tables["roadmap"] = [
        {"id": 1, "slug": "fdr", "title": "F", "destination": "", "horizon": "2029-12-31",
         "status": "active", "pv_service_id": 1, "dc_service_id": 2, "territoire_id": 1},
    ]  # fmt: skip
    tables["action"] = [
        {"id": 1, "roadmap_id": 1, "ref": "A1", "axe_id": None, "title": "Action",
         "description": "", "pilot_service_id": 1, "owner_id": None, "status": "en_cours",
         "start_date": "2026-01-01", "end_date": "2026-03-01", "pillar": ""},
    ]  # fmt: skip
    tables["action_contributor"] = [{"action_id": 1, "service_id": 2}]
    tables["person"] = [
        {"id": 1, "login": "alice", "name": "Alice", "email": "", "service_id": 1, "active": 1},
        {"id": 2, "login": "bob", "name": "Bob", "email": "", "service_id": 2, "active": 1},
    ]
    tables["jalon"] = [
        {"id": 1, "roadmap_id": 1, "ref": "J1", "title": "COPIL", "kind": "copil",
         "planned_date": "2026-02-01", "current_date": "2026-02-01", "status": "prevu",
         "description": ""},
    ]  # fmt: skip
    tables["jalon_invite"] = [  # service A invited, and one person of each service
        {"jalon_id": 1, "service_id": 1, "person_id": None},
        {"jalon_id": 1, "service_id": None, "person_id": 1},
        {"jalon_id": 1, "service_id": None, "person_id": 2},
    ]
    tables["engagement"] = [
        {"id": 1, "action_id": 1, "service_id": 1, "kind": "budget", "amount": "100",
         "period_start": None, "period_end": None, "description": ""},
        {"id": 2, "action_id": 1, "service_id": 2, "kind": "etp", "amount": "2.5",
         "period_start": None, "period_end": None, "description": ""},
    ]  # fmt: skip
    tables["campagne"] = [
        {"id": 1, "year": 2026, "title": "AAP", "opens_on": "2026-01-05",
         "closes_on": "2026-03-01", "territoire_id": 1},
    ]  # fmt: skip
    tables["dossier"] = [
        {"id": 1, "campagne_id": 1, "ref": "D-1", "porteur": "Asso", "title": "Projet",
         "summary": "", "roadmap_id": 1, "action_id": 1, "axe_id": None, "pillar": "",
         "total_budget": "40000", "amount_asked": "12000", "state": "en_instruction",
         "avis_deadline": "2026-04-30", "state_reason": ""},
    ]  # fmt: skip
    tables["dossier_instructor"] = [
        {"dossier_id": 1, "service_id": 1},
        {"dossier_id": 1, "service_id": 2},
    ]
    tables["financement_line"] = [
        {"dossier_id": 1, "financeur_id": 1, "asked": "8000", "granted": None},
    ]
    tables["avis"] = [
        {"dossier_id": 1, "service_id": 1, "person_id": None, "value": "favorable",
         "comment": "", "given_at": "2026-01-02 10:00:00", "current": 1},
    ]  # fmt: skip
    return Snapshot(tables)


def test_shared_items_show_each_service_its_own_values() -> None:
    snap = _snapshot()
    index = ServiceIndex(snap)
    rows = snap.rows("service")
    first, second = (
        build_service_document(snap, index, s, ExportOptions())["service"] for s in rows
    )
    # The action: common parts built once, roles and engagements per service.
    assert first["actions"][0]["roles"] == ["engagement", "pilote"]
    assert second["actions"][0]["roles"] == ["contributeur", "engagement"]
    assert first["actions"][0]["engagements"] == [{"nature": "budget", "montant": "100.00"}]
    assert second["actions"][0]["engagements"] == [{"nature": "etp", "montant": "2.50"}]
    assert first["actions"][0]["titre"] == second["actions"][0]["titre"] == "Action"
    # The jalon: service A is invited with its person, service B through its person only.
    assert first["jalons"][0]["service_invite"] and first["jalons"][0]["personnes_invitees"] == [
        "alice"
    ]
    assert not second["jalons"][0]["service_invite"]
    assert second["jalons"][0]["personnes_invitees"] == ["bob"]
    # The dossier: the same campaign and territory, each service's own line and avis.
    a, b = first["dossiers"][0], second["dossiers"][0]
    assert (
        (a["campagne"], a["territoire"]) == (b["campagne"], b["territoire"]) == (2026, "metropole")
    )
    assert a["roles"] == ["financeur", "instructeur"] and b["roles"] == ["instructeur"]
    assert a["demande_au_service"] == "8000.00" and "demande_au_service" not in b
    assert a["avis_du_service"] == "favorable" and "avis_du_service" not in b
    assert a["co_instructeurs"] == ["svc-b"] and b["co_instructeurs"] == ["svc-a"]
    # Building a file again gives the same document (nothing cached was changed).
    again = build_service_document(snap, index, rows[0], ExportOptions())["service"]
    assert again == first


def test_rows_as_dicts_keep_each_text_once() -> None:
    columns = ("id", "code", 'cité "x"', "montant")
    found = [(1, "".join(["a", "b"]), None, Decimal("1.50")), (2, "".join(["a", "b"]), "é", 3)]
    strings: dict[str, str] = {}
    rows = as_rows(columns, found, strings)
    assert rows == [dict(zip(columns, r, strict=True)) for r in found]
    assert rows[0]["code"] is rows[1]["code"]
    assert as_rows(columns, [], strings) == []
