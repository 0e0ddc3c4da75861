"""Services answer through their own file: proposals the trinôme accepts or refuses (issue 17)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from roadmap import models as m
from roadmap.domain.errors import PermissionDenied, ValidationError
from roadmap.exchange.export import export
from roadmap.exchange.problems import ImportRefused
from roadmap.exchange.receive import receive_file
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import actions as act
from roadmap.usecases.demo import DEMO_SLUG, build_demo
from roadmap.usecases.identity import actor_for
from roadmap.usecases.propositions import (
    accept_proposition,
    list_propositions,
    refuse_proposition,
)
from tests.roles import make_admin

TODAY = date(2026, 3, 2)
SERVICE = "ars"  # contributes to A13/A14, invited to a jalon in the demo
Edit = Callable[[dict[str, Any]], None]


async def _exported(tmp_path: Path) -> Path:
    await build_demo(await make_admin("cmartin"), today=TODAY)
    await export(tmp_path / "ex")
    return tmp_path / "ex" / "services" / f"{SERVICE}.toml"


def _returned(tmp_path: Path, source: Path, edit: Edit, name: str = "retour.toml") -> Path:
    doc = tomllib.loads(source.read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / name
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


def _action(doc: dict[str, Any], role: str = "contributeur") -> dict[str, Any]:
    return next(a for a in doc["service"]["actions"] if role in a["roles"])


def _jalon(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["service"]["jalons"][0]


async def _counts() -> tuple[int, int, int]:
    return (
        await m.Proposition.all().count(),
        await m.JournalEntry.all().count(),
        await m.Adjustment.all().count(),
    )


async def test_unchanged_file_gives_no_proposal(db: DatabaseLocation, tmp_path: Path) -> None:
    source = await _exported(tmp_path)
    before = await _counts()
    result = await receive_file(await actor_for("cmartin"), source)
    assert result.recorded == [] and result.service == SERVICE
    assert await _counts() == before


async def test_each_allowed_field_becomes_one_proposal(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    source = await _exported(tmp_path)
    doc = tomllib.loads(source.read_text(encoding="utf-8"))
    a = _action(doc)
    new_end = a["fin"] + timedelta(days=14)

    def edit(d: dict[str, Any]) -> None:
        item = _action(d)
        item["statut"] = "bloquee" if item["statut"] != "bloquee" else "en_cours"
        item["fin"] = new_end
        item["motif"] = "recrutement retardé"
        item["nature_motif"] = "contrainte"
        _jalon(d)["commentaire"] = "Deux personnes de l'ARS viendront."
        d["reponse"] = {"auteur": "Julie Durand"}

    result = await receive_file(await actor_for("cmartin"), _returned(tmp_path, source, edit))
    got = {(p.item_ref, p.field): (p.base_value, p.proposed_value) for p in result.recorded}
    assert got == {
        (a["ref"], "statut"): (a["statut"], _action(tomllib.loads(
            _returned(tmp_path, source, edit, "x.toml").read_text()))["statut"]),
        (a["ref"], "fin"): (a["fin"].isoformat(), new_end.isoformat()),
        (_jalon(doc)["ref"], "commentaire"): ("", "Deux personnes de l'ARS viendront."),
    }  # fmt: skip
    assert {p.author for p in result.recorded} == {"Julie Durand"}
    assert {p.service_code for p in result.recorded} == {SERVICE}
    fin = next(p for p in result.recorded if p.field == "fin")
    assert fin.reason == "recrutement retardé" and fin.current_value == fin.base_value
    # nothing applied yet; each reception is journaled
    stored = await m.Action.get(roadmap__slug=DEMO_SLUG, ref=a["ref"])
    assert stored.end_date == a["fin"]
    ops = await m.JournalEntry.filter(operation="proposition reçue").count()
    assert ops == 3
    # the same file again records nothing twice
    again = await receive_file(
        await actor_for("cmartin"), _returned(tmp_path, source, edit, "bis.toml")
    )
    assert again.recorded == [] and len(again.already) == 3


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: _action(d).__setitem__("titre", "Autre titre"), ".titre"),
        (lambda d: d["service"]["actions"].append(
            {**_action(d), "ref": "A999"}), "service.actions["),
        (lambda d: _action(d).__setitem__("fin", "bientôt"), ".fin"),
        (lambda d: _action(d).__setitem__("statut", "fini"), ".statut"),
        (lambda d: _action(d).__setitem__("fin", date(2027, 1, 1)), ".motif"),
        (lambda d: d["service"].__setitem__("nom", "ARS bis"), "service.nom"),
        (lambda d: _jalon(d).__setitem__("date", date(2027, 1, 1)), ".date"),
        (lambda d: _jalon(d).__setitem__("commentaire", 12), ".commentaire"),
    ],
    ids=["titre", "inconnu", "date-texte", "statut", "sans-motif", "nom", "jalon-date", "type"],
)  # fmt: skip
async def test_outside_scope_or_malformed_is_refused_with_key_path(
    db: DatabaseLocation, tmp_path: Path, edit: Edit, where: str
) -> None:
    source = await _exported(tmp_path)

    def both(d: dict[str, Any]) -> None:  # one good proposal beside the bad one
        _jalon(d)["commentaire"] = "ok"
        edit(d)

    path = _returned(tmp_path, source, both)
    before = await _counts()
    with pytest.raises(ImportRefused) as refused:
        await receive_file(await actor_for("cmartin"), path)
    assert where in str(refused.value)
    assert "retour.toml" in str(refused.value)
    assert await _counts() == before


async def test_action_the_service_only_funds_is_not_its_to_change(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await build_demo(await make_admin("cmartin"), today=TODAY)
    me = await actor_for("cmartin")
    ars = await m.Service.get(code=SERVICE)
    taken = set(
        await m.ActionContributor.filter(service_id=ars.id).values_list("action_id", flat=True)
    )
    funded = next(
        a for a in await m.Action.all() if a.pilot_service_id != ars.id and a.id not in taken
    )
    await act.add_engagement(me, DEMO_SLUG, funded.ref, act.EngagementInput(SERVICE, "etp", "0.2"))
    await export(tmp_path / "ex")
    source = tmp_path / "ex" / "services" / f"{SERVICE}.toml"

    def edit(d: dict[str, Any]) -> None:
        item = next(a for a in d["service"]["actions"] if a["ref"] == funded.ref)
        assert item["roles"] == ["engagement"]
        item["statut"] = "abandonnee"

    with pytest.raises(ImportRefused, match="ni ne contribue"):
        await receive_file(me, _returned(tmp_path, source, edit))


async def test_forged_fingerprint_or_other_service_is_refused(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    source = await _exported(tmp_path)
    forged = _returned(
        tmp_path, source, lambda d: d["generation"].__setitem__("empreinte", "sha256:" + "0" * 64)
    )
    with pytest.raises(ImportRefused, match="base inconnue"):
        await receive_file(await actor_for("cmartin"), forged)
    other = tomllib.loads((source.parent / "dcs.toml").read_text(encoding="utf-8"))
    other["generation"]["service"] = SERVICE
    other["service"]["code"] = SERVICE
    path = tmp_path / "autre.toml"
    path.write_text(tomli_w.dumps(other), encoding="utf-8")
    with pytest.raises(ImportRefused, match="autre service"):
        await receive_file(await actor_for("cmartin"), path)
    assert await m.Proposition.all().count() == 0


async def test_conflict_when_both_sides_changed(db: DatabaseLocation, tmp_path: Path) -> None:
    source = await _exported(tmp_path)
    doc = tomllib.loads(source.read_text(encoding="utf-8"))
    ref = _action(doc)["ref"]
    me = await actor_for("cmartin")
    stored = await m.Action.get(roadmap__slug=DEMO_SLUG, ref=ref)
    await act.set_action_status(me, DEMO_SLUG, ref, stored.version, "bloquee")

    def edit(d: dict[str, Any]) -> None:
        _action(d)["statut"] = "abandonnee"

    result = await receive_file(me, _returned(tmp_path, source, edit))
    (p,) = result.recorded
    assert (p.base_value, p.current_value, p.proposed_value) == (
        _action(doc)["statut"],
        "bloquee",
        "abandonnee",
    )
    assert result.conflicts() == [p]
    (row,) = await list_propositions(me)
    assert row.conflict


async def test_accept_goes_through_the_use_case_refuse_keeps_motive_and_next_export_tells(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    source = await _exported(tmp_path)
    doc = tomllib.loads(source.read_text(encoding="utf-8"))
    a = _action(doc)
    new_end = a["fin"] + timedelta(days=10)

    def edit(d: dict[str, Any]) -> None:
        _action(d)["fin"] = new_end
        _action(d)["motif"] = "salle indisponible"
        _action(d)["nature_motif"] = "contrainte"
        _jalon(d)["commentaire"] = "Nous viendrons."
        d["reponse"] = {"auteur": "Julie Durand"}

    me = await actor_for("cmartin")
    result = await receive_file(me, _returned(tmp_path, source, edit))
    fin = next(p for p in result.recorded if p.field == "fin")
    comment = next(p for p in result.recorded if p.field == "commentaire")
    await accept_proposition(me, fin.id)
    stored = await m.Action.get(roadmap__slug=DEMO_SLUG, ref=a["ref"])
    assert stored.end_date == new_end
    adj = await m.Adjustment.filter(action_id=stored.id).order_by("-id").first()
    assert adj is not None and adj.new_value == new_end.isoformat()
    assert "salle indisponible" in adj.reason
    assert "proposé par ars (Julie Durand), accepté par cmartin" in adj.reason
    journal = await m.JournalEntry.filter(entity_ref=a["ref"], operation="ajustement").first()
    assert journal is not None and "accepté par cmartin" in journal.reason
    with pytest.raises(ValidationError, match="déjà acceptée"):
        await accept_proposition(me, fin.id)
    with pytest.raises(ValidationError, match="motif"):
        await refuse_proposition(me, comment.id, "")
    await refuse_proposition(me, comment.id, "hors sujet pour ce COPIL")
    assert await m.Comment.filter(text__contains="Nous viendrons").count() == 0
    await export(tmp_path / "ex")
    fates = tomllib.loads(source.read_text(encoding="utf-8"))["service"]["propositions"]
    by_field = {f["champ"]: f for f in fates}
    assert by_field["fin"]["sort"] == "acceptée" and by_field["fin"]["decide_par"] == "cmartin"
    assert by_field["commentaire"]["sort"] == "refusée"
    assert by_field["commentaire"]["motif_refus"] == "hors sujet pour ce COPIL"
    # deterministic: a second export writes the same bytes
    first = source.read_bytes()
    await export(tmp_path / "ex", rebuild=True)
    assert source.read_bytes() == first


async def test_accepted_status_and_comment_name_both(db: DatabaseLocation, tmp_path: Path) -> None:
    source = await _exported(tmp_path)

    def edit(d: dict[str, Any]) -> None:
        _action(d)["statut"] = "bloquee" if _action(d)["statut"] != "bloquee" else "en_cours"
        _jalon(d)["commentaire"] = "Présents."

    me = await actor_for("jrey")
    result = await receive_file(me, _returned(tmp_path, source, edit), declared_author="jd")
    for p in result.recorded:
        await accept_proposition(me, p.id)
    status = await m.JournalEntry.filter(operation="modification", field="statut").order_by("-id")
    assert "proposé par ars (jd), accepté par jrey" in status[0].reason
    comment = await m.Comment.filter(text__contains="Présents.").first()
    assert comment is not None and "accepté par jrey" in comment.text
    assert {r.status for r in await list_propositions(me)} == {"acceptee"}


@pytest.mark.parametrize(
    ("login", "may"),
    [("cmartin", True), ("nbenali", True), ("sgarcia", False), ("pdurand", False),
     ("inconnu", False)],
)  # fmt: skip
async def test_doors_by_role(db: DatabaseLocation, tmp_path: Path, login: str, may: bool) -> None:
    source = await _exported(tmp_path)
    path = _returned(tmp_path, source, lambda d: _jalon(d).__setitem__("commentaire", "x y z"))
    two = _returned(
        tmp_path, source, lambda d: _action(d).__setitem__("statut", "bloquee"), "deux.toml"
    )
    actor = await actor_for(login)
    boss = await actor_for("cmartin")
    if not may:
        with pytest.raises(PermissionDenied):
            await receive_file(actor, path)
        with pytest.raises(PermissionDenied):
            await receive_file(actor, source)  # even an unchanged file
        assert await m.Proposition.all().count() == 0
    first = (await receive_file(boss if not may else actor, path)).recorded[0]
    second = (await receive_file(boss, two)).recorded[0]
    if may:
        await accept_proposition(actor, first.id)
        await refuse_proposition(actor, second.id, "pas maintenant")
        assert await list_propositions(actor)
    else:
        with pytest.raises(PermissionDenied):
            await accept_proposition(actor, first.id)
        with pytest.raises(PermissionDenied):
            await refuse_proposition(actor, second.id, "pas maintenant")
        assert await list_propositions(actor) == []
        assert {p.status for p in await m.Proposition.all()} == {"en_attente"}


async def test_engagement_amount_is_proposed_and_accepted(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await _exported(tmp_path)
    source = tmp_path / "ex" / "services" / "caf.toml"
    doc = tomllib.loads(source.read_text(encoding="utf-8"))
    action = next(a for a in doc["service"]["actions"] if a.get("engagements"))
    before = action["engagements"][0]

    def edit(d: dict[str, Any]) -> None:
        item = next(a for a in d["service"]["actions"] if a["ref"] == action["ref"])
        item["engagements"][0]["montant"] = "30000,50"

    me = await actor_for("cmartin")
    (p,) = (await receive_file(me, _returned(tmp_path, source, edit))).recorded
    assert p.field.startswith("montant:")
    assert (p.base_value, p.proposed_value) == (before["montant"], "30000.50")
    await accept_proposition(me, p.id)
    stored = await m.Engagement.get(id=int(p.field.removeprefix("montant:")))
    assert str(stored.amount) == "30000.50" and stored.description == before["description"]
    row = await m.JournalEntry.filter(entity="engagement", operation="modification").first()
    assert row is not None and "proposé par caf" in row.reason

    def bad(d: dict[str, Any]) -> None:
        item = next(a for a in d["service"]["actions"] if a["ref"] == action["ref"])
        item["engagements"][0]["montant"] = "beaucoup"
        item["engagements"][0]["description"] = "autre"

    with pytest.raises(ImportRefused) as refused:
        await receive_file(me, _returned(tmp_path, source, bad, "bad.toml"))
    # another description: a new commitment (and the old one withdrawn), whose amount is wrong
    assert "engagements[0].montant" in str(refused.value)


async def test_indicator_value_and_observation_are_proposed_and_accepted(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    source = await _exported(tmp_path)

    def edit(d: dict[str, Any]) -> None:
        d["service"]["valeurs_indicateurs"] = [
            {"feuille_de_route": DEMO_SLUG, "indicateur": "I1", "date": date(2026, 2, 28),
             "valeur": "41,5", "commentaire": "relevé ARS"},
        ]  # fmt: skip
        d["service"]["observations"] = [
            {"feuille_de_route": DEMO_SLUG, "date": date(2026, 2, 27),
             "texte": "Les familles demandent des ateliers le samedi.", "source": "PMI"},
        ]  # fmt: skip

    me = await actor_for("cmartin")
    value, record = (await receive_file(me, _returned(tmp_path, source, edit))).recorded
    assert (value.item_kind, value.item_ref, value.proposed_value) == ("indicateur", "I1", "41.5")
    assert record.item_kind == "qualitatif" and record.reason == "PMI"
    before = await m.IndicatorValue.all().count()
    await accept_proposition(me, value.id)
    await accept_proposition(me, record.id)
    assert await m.IndicatorValue.all().count() == before + 1
    stored = await m.IndicatorValue.all().order_by("-id").first()
    assert stored is not None and str(stored.value.normalize()) == "41.5"
    assert "accepté par cmartin" in stored.comment
    kept = await m.QualitativeRecord.filter(text__contains="le samedi").first()
    assert kept is not None and "PMI" in kept.source

    def bad(d: dict[str, Any]) -> None:
        d["service"]["valeurs_indicateurs"] = [
            {"feuille_de_route": DEMO_SLUG, "indicateur": "I99", "date": date(2026, 2, 28),
             "valeur": "3"},
            {"feuille_de_route": "autre", "date": date(2026, 2, 28), "valeur": "3"},
            {"feuille_de_route": DEMO_SLUG, "indicateur": "I1", "date": "hier", "valeur": "3"},
        ]  # fmt: skip

    count = await m.Proposition.all().count()
    with pytest.raises(ImportRefused) as refused:
        await receive_file(me, _returned(tmp_path, source, bad, "bad.toml"))
    text = str(refused.value)
    assert "valeurs_indicateurs[1].feuille_de_route" in text
    assert "valeurs_indicateurs[2].date" in text
    assert await m.Proposition.all().count() == count


async def test_draft_avis_is_confirmed_by_a_member_of_the_service(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await _exported(tmp_path)
    source = tmp_path / "ex" / "services" / "dapat.toml"
    doc = tomllib.loads(source.read_text(encoding="utf-8"))
    dossier = next(
        d
        for d in doc["service"]["dossiers"]
        if "instructeur" in d["roles"]
        and d["etat"] in ("en_instruction", "avis_rendus")
        and d.get("feuille_de_route")
    )

    def edit(d: dict[str, Any]) -> None:
        item = next(x for x in d["service"]["dossiers"] if x["ref"] == dossier["ref"])
        item["avis_propose"] = "reserve"
        item["avis_commentaire"] = "budget de fonctionnement à préciser"

    boss = await actor_for("cmartin")
    (p,) = (await receive_file(boss, _returned(tmp_path, source, edit))).recorded
    assert (p.item_kind, p.item_ref, p.proposed_value) == ("avis", dossier["ref"], "reserve")
    with pytest.raises(PermissionDenied, match="membre de ce service"):
        await accept_proposition(boss, p.id)  # the trinôme of another service cannot
    member = await actor_for("lmoreau")  # dapat, cercle élargi
    assert [r.id for r in await list_propositions(member)] == [p.id]
    await accept_proposition(member, p.id)
    avis = await m.Avis.get(dossier__ref=dossier["ref"], service__code="dapat", current=True)
    assert avis.value == "reserve" and avis.person_id == member.person_id
    assert "confirmé par lmoreau" in avis.comment

    def forged(d: dict[str, Any]) -> None:
        item = next(x for x in d["service"]["dossiers"] if x["ref"] == dossier["ref"])
        was = item.get("avis_du_service")
        item["avis_du_service"] = "defavorable" if was != "defavorable" else "favorable"

    with pytest.raises(ImportRefused, match="avis_du_service"):
        await receive_file(boss, _returned(tmp_path, source, forged, "f.toml"))


async def test_new_contact_is_created_once_accepted(db: DatabaseLocation, tmp_path: Path) -> None:
    source = await _exported(tmp_path)

    def edit(d: dict[str, Any]) -> None:
        d["service"]["nouveaux_contacts"] = [
            {"login": "jdurand", "nom": "Julie Durand", "courriel": "julie.durand@ars.example"}
        ]

    me = await actor_for("cmartin")
    (p,) = (await receive_file(me, _returned(tmp_path, source, edit))).recorded
    assert (p.item_kind, p.item_ref, p.proposed_value) == ("personne", "jdurand", "Julie Durand")
    assert not await m.Person.exists(login="jdurand")
    await accept_proposition(me, p.id)
    person = await m.Person.get(login="jdurand").prefetch_related("service")
    assert person.service.code == SERVICE and person.email == "julie.durand@ars.example"

    def taken(d: dict[str, Any]) -> None:
        d["service"]["nouveaux_contacts"] = [{"login": "efabre", "nom": "Déjà là"}]

    with pytest.raises(ImportRefused, match=r"nouveaux_contacts\[0\].login"):
        await receive_file(me, _returned(tmp_path, source, taken, "t.toml"))
