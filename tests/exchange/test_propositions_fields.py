"""What else a service proposes through its file (issue 17, second part): its contact
people's name and e-mail, who of its people is responsable of an action it pilots, its
commitments (ETP, added, withdrawn), and a moved date accepted with the form's choice
(shift the dependents or keep their dates). SQLite and PostgreSQL."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from roadmap import models as m
from roadmap.domain.errors import PermissionDenied, StaleVersion, ValidationError
from roadmap.exchange.export import export
from roadmap.exchange.problems import ImportRefused
from roadmap.exchange.receive import receive_file
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import reference
from roadmap.usecases.demo import DEMO_SLUG
from roadmap.usecases.identity import actor_for
from roadmap.usecases.propositions import accept_proposition, list_propositions
from tests.exchange.test_propositions import Edit, _exported, _returned

NEW_END = date(2027, 4, 30)  # A13 ends 2027-03-29 in the demo; A14 starts 2027-04-08


def _item(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    return next(a for a in doc["service"]["actions"] if a["ref"] == ref)


def _contact(doc: dict[str, Any], login: str) -> dict[str, Any]:
    return next(c for c in doc["service"]["contacts"] if c["login"] == login)


async def _receive(tmp_path: Path, code: str, edit: Edit, name: str = "retour.toml") -> list[Any]:
    source = tmp_path / "ex" / "services" / f"{code}.toml"
    path = _returned(tmp_path, source, edit, name)
    return (await receive_file(await actor_for("cmartin"), path)).recorded


async def _refused(tmp_path: Path, code: str, edit: Edit) -> str:
    before = await m.Proposition.all().count()
    with pytest.raises(ImportRefused) as refused:
        await _receive(tmp_path, code, edit, "refuse.toml")
    assert await m.Proposition.all().count() == before
    return str(refused.value)


# --- a moved date: shift the dependents, or keep their dates --------------------------------


def _move_a13(d: dict[str, Any]) -> None:
    a = _item(d, "A13")
    a["fin"], a["motif"], a["nature_motif"] = NEW_END, "recrutement retardé", "contrainte"


@pytest.mark.parametrize("shift", [True, False], ids=["decaler", "garder"])
async def test_moved_date_accepted_with_the_forms_choice(
    db: DatabaseLocation, tmp_path: Path, shift: bool
) -> None:
    await _exported(tmp_path)
    (p,) = await _receive(tmp_path, "ars", _move_a13)
    a14 = await m.Action.get(roadmap__slug=DEMO_SLUG, ref="A14")
    done = await accept_proposition(await actor_for("cmartin"), p.id, shift_dependents=shift)
    assert (await m.Action.get(id=(await m.Action.get(ref="A13")).id)).end_date == NEW_END
    after = await m.Action.get(id=a14.id)
    if shift:
        assert [(s.ref, s.cause) for s in done.shifted] == [("A14", "A13")]
        assert after.start_date is not None and after.start_date >= NEW_END > a14.start_date
        assert after.version == a14.version + 1
        adj = await m.Adjustment.filter(action_id=a14.id).order_by("-id").first()
        assert adj is not None and adj.cause == "A13"  # the cause in its column (issue 11)
        assert "proposé par ars" in adj.reason and "accepté par cmartin" in adj.reason
        assert not done.warnings
    else:
        assert done.shifted == ()
        assert (after.start_date, after.version) == (a14.start_date, a14.version)
        assert any("A14" in w and "A13" in w for w in done.warnings)
        assert not await m.Adjustment.filter(action_id=a14.id).exists()


# --- contact people: name and e-mail of the service's own people ---------------------------


async def test_contact_details_are_proposed_and_accepted_by_an_administrator(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await _exported(tmp_path)

    def edit(d: dict[str, Any]) -> None:
        c = _contact(d, "efabre")  # ARS's own person, listed as its contact
        c["nom"], c["courriel"] = "Élodie Fabre-Nguyen", "elodie.fabre@ars.example"

    recorded = await _receive(tmp_path, "ars", edit)
    got = {p.field: (p.item_kind, p.item_ref, p.base_value, p.proposed_value) for p in recorded}
    assert got == {
        "nom": ("personne", "efabre", "Élodie Fabre", "Élodie Fabre-Nguyen"),
        # the export had no e-mails (no --with-contacts): the base is the stored one
        "courriel": ("personne", "efabre", "elodie.fabre@example.org", "elodie.fabre@ars.example"),
    }
    assert not any(p.current_value != p.base_value for p in recorded)
    trinome = await actor_for("nbenali")  # trinôme, not administrator: people are reference data
    with pytest.raises(PermissionDenied, match="administrat"):
        await accept_proposition(trinome, recorded[0].id)
    me = await actor_for("cmartin")
    for p in recorded:
        await accept_proposition(me, p.id)
    person = await m.Person.get(login="efabre")
    assert (person.name, person.email) == ("Élodie Fabre-Nguyen", "elodie.fabre@ars.example")
    rows = await m.JournalEntry.filter(
        entity="personne", entity_ref="efabre", operation="modification"
    )
    assert {r.field for r in rows} == {"nom", "courriel"}
    assert all("proposé par ars" in r.reason and "accepté par cmartin" in r.reason for r in rows)
    await export(tmp_path / "ex")
    again = tomllib.loads((tmp_path / "ex" / "services" / "ars.toml").read_text("utf-8"))
    assert _contact(again, "efabre")["nom"] == "Élodie Fabre-Nguyen"


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: _contact(d, "cmartin").__setitem__("nom", "C. Martin"), "autre service"),
        (lambda d: _contact(d, "efabre").__setitem__("service", "dcs"), ".service"),
        (lambda d: _contact(d, "efabre").__setitem__("courriel", "pas-une-adresse"), ".courriel"),
        (lambda d: d["service"]["contacts"].append({"login": "x"}), "nouveaux_contacts"),
    ],
    ids=["autre-service", "service", "courriel", "ajout"],
)  # fmt: skip
async def test_contacts_outside_scope_are_refused(
    db: DatabaseLocation, tmp_path: Path, edit: Edit, where: str
) -> None:
    await _exported(tmp_path)
    assert where in await _refused(tmp_path, "ars", edit)


@pytest.mark.parametrize(
    ("login", "may"),
    [("cmartin", True), ("nbenali", False), ("sgarcia", False), ("inconnu", False)],
)
async def test_edit_person_is_an_administrators_act_versioned_and_journaled(
    db: DatabaseLocation, tmp_path: Path, login: str, may: bool
) -> None:
    await _exported(tmp_path)
    actor = await actor_for(login)
    card = await reference.person_card("efabre")
    assert card.service_code == "ars"
    if not may:
        with pytest.raises(PermissionDenied):
            await reference.edit_person(
                actor, "efabre", card.version, name="Autre", email="", service_code="ars"
            )
        assert (await m.Person.get(login="efabre")).name == card.name
        return
    version = await reference.edit_person(
        actor,
        "efabre",
        card.version,
        name="Élodie Fabre",
        email="ef@ars.example",
        service_code="ars",
    )
    assert version == card.version + 1
    (row,) = await m.JournalEntry.filter(entity="personne", operation="modification")
    assert (row.field, row.old_value, row.new_value) == ("courriel", card.email, "ef@ars.example")
    with pytest.raises(StaleVersion):
        await reference.edit_person(
            actor, "efabre", card.version, name="Bis", email="", service_code="ars"
        )
    with pytest.raises(ValidationError, match="courriel"):
        await reference.edit_person(
            actor, "efabre", version, name="Bis", email="sans-arobase", service_code="ars"
        )


# --- responsable: who of its people pilots an action it pilots -----------------------------


async def test_responsable_proposed_by_the_pilot_service(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await _exported(tmp_path)
    doc = tomllib.loads((tmp_path / "ex" / "services" / "dapat.toml").read_text("utf-8"))
    assert _item(doc, "A4")["responsable"] == "lmoreau" and "pilote" in _item(doc, "A4")["roles"]
    (p,) = await _receive(
        tmp_path, "dapat", lambda d: _item(d, "A4").__setitem__("responsable", "jrey")
    )
    assert (p.field, p.base_value, p.proposed_value) == ("responsable", "lmoreau", "jrey")
    await accept_proposition(await actor_for("cmartin"), p.id)
    action = await m.Action.get(roadmap__slug=DEMO_SLUG, ref="A4").prefetch_related("owner")
    assert action.owner.login == "jrey"
    row = await m.JournalEntry.filter(entity_ref="A4", field="responsable").order_by("-id").first()
    assert row is not None and (row.old_value, row.new_value) == ("lmoreau", "jrey")
    assert "proposé par dapat" in row.reason and "accepté par cmartin" in row.reason
    text = await _refused(
        tmp_path, "dapat", lambda d: _item(d, "A4").__setitem__("responsable", "cmartin")
    )
    assert "A4" not in text or ".responsable" in text
    assert "n'est pas une personne (active) de dapat" in text
    await export(tmp_path / "ex")
    text = await _refused(
        tmp_path, "ars", lambda d: _item(d, "A13").__setitem__("responsable", "efabre")
    )
    assert "seul le service pilote" in text


# --- engagements: ETP, a new one, one withdrawn --------------------------------------------


async def test_engagements_etp_added_and_withdrawn(db: DatabaseLocation, tmp_path: Path) -> None:
    await _exported(tmp_path)
    caf = tomllib.loads((tmp_path / "ex" / "services" / "caf.toml").read_text("utf-8"))
    ref = next(a["ref"] for a in caf["service"]["actions"] if len(a.get("engagements", [])) == 2)
    first, second = _item(caf, ref)["engagements"]

    def edit(d: dict[str, Any]) -> None:
        engagements = _item(d, ref)["engagements"]
        engagements.pop(1)  # withdrawn
        engagements.append({"nature": "etp", "montant": "0,5", "debut": date(2026, 9, 1),
                            "description": "Conseillère CAF"})  # fmt: skip

    recorded = await _receive(tmp_path, "caf", edit)
    by_kind = {p.field.split(":")[0]: p for p in recorded}
    assert set(by_kind) == {"retrait_engagement", "ajout_engagement"}
    added, gone = by_kind["ajout_engagement"], by_kind["retrait_engagement"]
    assert added.proposed_value == (
        '{ nature = "etp", montant = "0.50", debut = 2026-09-01, description = "Conseillère CAF" }'
    )
    assert gone.proposed_value == "" and second["description"] in gone.base_value
    me = await actor_for("cmartin")
    await accept_proposition(me, added.id)
    await accept_proposition(me, gone.id)
    rows = await m.Engagement.filter(action__ref=ref, service__code="caf").order_by("id")
    assert [(r.kind.value, str(r.amount), r.description) for r in rows] == [
        ("budget", first["montant"], first["description"]),
        ("etp", "0.50", "Conseillère CAF"),
    ]
    journal = await m.JournalEntry.filter(entity="engagement", entity_ref=f"{ref}/caf")
    ops = {r.operation for r in journal if "proposé par caf" in r.reason}
    assert ops == {"création", "suppression"}
    # the same file again: both already done, nothing recorded
    again = await _receive(tmp_path, "caf", edit, "bis.toml")
    assert again == []

    text = await _refused(tmp_path, "caf", lambda d: _item(d, ref)["engagements"].append(
        {"nature": "temps", "montant": "beaucoup", "couleur": "bleu"}))  # fmt: skip
    for where in ("engagements[2].nature", "engagements[2].montant", "engagements[2].couleur"):
        assert where in text


async def test_etp_amount_is_proposed_and_accepted(db: DatabaseLocation, tmp_path: Path) -> None:
    await _exported(tmp_path)
    sante = tomllib.loads((tmp_path / "ex" / "services" / "sante.toml").read_text("utf-8"))
    ref = next(
        a["ref"] for a in sante["service"]["actions"]
        if any(e["nature"] == "etp" for e in a.get("engagements", []))
    )  # fmt: skip

    def edit(d: dict[str, Any]) -> None:
        e = next(e for e in _item(d, ref)["engagements"] if e["nature"] == "etp")
        e["montant"] = "0,8"

    (p,) = await _receive(tmp_path, "sante", edit)
    assert p.field.startswith("montant:") and (p.base_value, p.proposed_value) == ("0.30", "0.80")
    await accept_proposition(await actor_for("cmartin"), p.id)
    stored = await m.Engagement.get(id=int(p.field.removeprefix("montant:")))
    assert (stored.kind.value, str(stored.amount)) == ("etp", "0.80")
    (row,) = [r for r in await list_propositions(await actor_for("cmartin")) if r.id == p.id]
    assert row.status == "acceptee"
    # The trinôme and the service read the commitment, never its row number.
    words = "etp 01/01/2026 → 31/12/2026 « Animatrice santé »"
    assert row.field_label == f"montant de l'engagement {words}"
    await export(tmp_path / "again")
    again = tomllib.loads((tmp_path / "again" / "services" / "sante.toml").read_text("utf-8"))
    (fate,) = again["service"]["propositions"]
    assert (fate["ref"], fate["champ"], fate["sort"]) == (ref, "montant", "acceptée")
    assert fate["engagement"] == {
        "nature": "etp", "debut": date(2026, 1, 1), "fin": date(2026, 12, 31),
        "description": "Animatrice santé",
    }  # fmt: skip


async def test_moved_date_contradicting_dependents_needs_a_choice(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await _exported(tmp_path)
    (p,) = await _receive(tmp_path, "ars", _move_a13)
    me = await actor_for("cmartin")
    with pytest.raises(ValidationError, match="--decaler") as refused:
        await accept_proposition(me, p.id)  # no choice made, as `accepter N` alone
    assert "A14" in str(refused.value)
    assert (await m.Proposition.get(id=p.id)).status == "en_attente"
    assert (await m.Action.get(roadmap__slug=DEMO_SLUG, ref="A13")).end_date != NEW_END


@pytest.mark.parametrize("login", ["sgarcia", "pdurand", "inconnu"])
async def test_a_reader_never_gets_a_file_read(
    db: DatabaseLocation, tmp_path: Path, login: str
) -> None:
    """Refused before the file is opened: through `roadmap serve`, a browser session
    typing a server path learns nothing of that file."""
    await _exported(tmp_path)
    with pytest.raises(PermissionDenied):
        await receive_file(await actor_for(login), tmp_path / "absent.toml")
