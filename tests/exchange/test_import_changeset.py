"""Import over an existing roadmap is a change set applied through the use cases (issue 9)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from roadmap import models as m
from roadmap.domain.errors import PermissionDenied, ValidationError
from roadmap.exchange import import_rights
from roadmap.exchange.importer import import_file
from roadmap.exchange.problems import ImportRefused
from roadmap.graph.report import reroutings, write_report
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.identity import actor_for
from tests.conftest import journal_actor
from tests.roles import make_admin

SOURCE = Path(__file__).parent / "data" / "pat-test.toml"
Edit = Callable[[dict[str, Any]], None]
ADMIN = "admin"


@pytest.fixture(autouse=True)
def administrator(monkeypatch: pytest.MonkeyPatch) -> None:
    """The administrator of these bases is the login ``admin``."""

    async def is_admin(actor: Any) -> bool:
        return bool(actor.login == ADMIN)

    monkeypatch.setattr(import_rights, "is_administrator", is_admin)


def base() -> dict[str, Any]:
    """The test roadmap with a direction member and a lecteur; ``admin`` is a known person."""
    doc = tomllib.loads(SOURCE.read_text())
    for login, role in (("ddir", "direction"), ("llect", "lecteur")):
        doc["referentiel"]["personnes"].append({"login": login, "nom": login.upper()})
        road(doc)["equipe"].append({"login": login, "role": role, "cote": "autre"})
    road(doc)["equipe"].sort(key=lambda x: x["login"])
    doc["referentiel"]["personnes"].sort(key=lambda x: x["login"])
    return doc


def edited(tmp_path: Path, edit: Edit, name: str = "pat-test.toml") -> Path:
    doc = base()
    edit(doc)
    path = tmp_path / name
    path.write_text(tomli_w.dumps(doc))
    return path


def road(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["feuille_de_route"]


async def restored(tmp_path: Path, edit: Edit | None = None) -> Path:
    """The base roadmap (``edit`` applied) restored by the administrator; returns its file."""
    path = edited(tmp_path, edit or (lambda doc: None), "base.toml")
    await import_file(await make_admin(ADMIN), path)
    await m.Person.create(login=ADMIN, name="Administratrice")
    return path


async def counts() -> dict[str, int]:
    models = (m.JournalEntry, m.Action, m.Adjustment, m.Decision, m.Avis, m.Roadmap, m.Person)
    return {model.__name__: await model.all().count() for model in models}


def _retitle(doc: dict[str, Any]) -> None:
    road(doc)["titre"] = "PAT × QPV, nouvelle version"
    road(doc)["actions"][0]["titre"] = "Diagnostic partagé"
    road(doc)["actions"][0]["statut"] = "terminee"
    road(doc)["jalons"][1]["titre"] = "COPIL de printemps"


async def test_each_changed_field_journaled_by_the_importer(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)
    last = await m.JournalEntry.all().order_by("-id").first()
    before = last.id if last else 0
    result = await import_file(await actor_for("pbernard"), edited(tmp_path, _retitle))
    assert not result.created
    assert result.changes == [
        "feuille de route pat-test : titre : « PAT × politique de la ville » → "
        "« PAT × QPV, nouvelle version »",
        "action A1 : titre : « Diagnostic de l'offre alimentaire » → « Diagnostic partagé »",
        "action A1 : statut : « en_cours » → « terminee »",
        "jalon J2 : titre : « Journée sprint » → « COPIL de printemps »",
    ]
    rows = await m.JournalEntry.filter(id__gt=before).order_by("id")
    fields = [
        (r.entity, r.entity_ref, r.field, r.new_value) for r in rows if r.operation != "import"
    ]
    assert fields == [
        ("feuille de route", "pat-test", "titre", "PAT × QPV, nouvelle version"),
        ("action", "A1", "titre", "Diagnostic partagé"),
        ("action", "A1", "statut", "terminee"),
        ("jalon", "J2", "titre", "COPIL de printemps"),
    ]
    assert {r.actor for r in rows} == {await journal_actor("pbernard")}
    assert (await m.Action.get(ref="A1")).version == 2  # the use case's version rule


def _forged_author(doc: dict[str, Any]) -> None:
    road(doc)["dossiers"][0]["decisions"][0]["decide_par"] = "pbernard"


def _forged_amount(doc: dict[str, Any]) -> None:
    road(doc)["dossiers"][0]["financements"][0]["accorde"] = "10000.00"


def _forged_adjustment(doc: dict[str, Any]) -> None:
    road(doc)["ajustements"].append(
        {
            "champ": "horizon",
            "ancienne_valeur": "2026-12-31",
            "nouvelle_valeur": "2027-12-31",
            "motif": "inventé",
            "nature": "contrainte",
            "auteur": "sroux",
            "le": road(doc)["ajustements"][0]["le"].replace(year=2020),
        }
    )


def _rewritten_avis(doc: dict[str, Any]) -> None:
    road(doc)["dossiers"][0]["avis"][0]["avis"] = "defavorable"


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (_forged_author, "feuille_de_route.dossiers[0].decisions[0].decide_par"),
        (_forged_amount, "feuille_de_route.dossiers[0].financements[0].accorde"),
        (_forged_adjustment, "feuille_de_route.ajustements[1]"),
        (_rewritten_avis, "feuille_de_route.dossiers[0].avis[0].avis"),
    ],
    ids=["auteur-decision", "montant-accorde", "ajustement-invente", "avis-reecrit"],
)
async def test_forged_history_refused_with_key_path_nothing_written(
    db: DatabaseLocation, tmp_path: Path, edit: Edit, where: str
) -> None:
    await restored(tmp_path)
    before = await counts()
    path = edited(tmp_path, lambda d: (edit(d), _retitle(d)))
    with pytest.raises(ImportRefused) as refused:
        await import_file(await actor_for("cmartin"), path)
    assert where in str(refused.value)
    assert "rien n'a été écrit" in str(refused.value)
    assert await counts() == before
    assert (await m.Roadmap.get(slug="pat-test")).title == "PAT × politique de la ville"
    decision = await m.Decision.get()
    assert decision.decided_by == "cmartin"


def _moved(doc: dict[str, Any]) -> None:
    road(doc)["actions"][0]["fin"] = date(2026, 9, 30)
    road(doc)["jalons"][1]["date_actuelle"] = date(2026, 5, 19)
    road(doc)["horizon"] = date(2029, 6, 30)


async def test_moved_dates_need_a_reason(db: DatabaseLocation, tmp_path: Path) -> None:
    await restored(tmp_path)
    before = await counts()
    with pytest.raises(ImportRefused) as refused:
        await import_file(await actor_for("cmartin"), edited(tmp_path, _moved))
    message = str(refused.value)
    assert "feuille_de_route.actions[0].fin" in message and "action A1" in message
    assert "feuille_de_route.jalons[1].date_actuelle" in message and "jalon J2" in message
    assert "feuille_de_route.horizon" in message
    assert "--motif" in message
    assert await counts() == before


async def test_moved_dates_with_a_reason_create_adjustments_the_report_lists(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)

    def own_reason(doc: dict[str, Any]) -> None:
        _moved(doc)
        road(doc)["jalons"][1]["motif"] = "salle indisponible"
        road(doc)["jalons"][1]["nature_motif"] = "contrainte"

    result = await import_file(
        await actor_for("cmartin"),
        edited(tmp_path, own_reason),
        motif="diagnostic élargi à Martigues",
        nature="opportunite",
    )
    assert "action A1 : fin : « 2026-06-30 » → « 2026-09-30 »" in result.changes
    listed = {(r.item, r.new, r.reason, r.author) for r in await reroutings("pat-test", None)}
    assert ("A1", "2026-09-30", "diagnostic élargi à Martigues", "cmartin") in listed
    assert ("J2", "2026-05-19", "salle indisponible", "cmartin") in listed
    assert ("feuille de route", "2029-06-30", "diagnostic élargi à Martigues", "cmartin") in listed
    kinds = dict(await m.Adjustment.filter(author="cmartin").values_list("new_value", "kind"))
    assert kinds["2026-09-30"] == "opportunite" and kinds["2026-05-19"] == "contrainte"
    report = tmp_path / "copil.md"
    await write_report(await actor_for("cmartin"), "pat-test", report, picture=False)
    text = report.read_text()
    assert "diagnostic élargi à Martigues" in text and "salle indisponible" in text


async def test_dry_run_lists_the_changes_and_writes_nothing(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)
    before = await counts()
    path = edited(tmp_path, _retitle)
    result = await import_file(await actor_for("cmartin"), path, dry_run=True)
    assert result.dry_run and len(result.changes) == 4
    assert await counts() == before
    assert (await m.Action.get(ref="A1")).title == "Diagnostic de l'offre alimentaire"
    real = await import_file(await actor_for("cmartin"), path)
    assert real.changes == result.changes


async def test_identical_file_changes_nothing(db: DatabaseLocation, tmp_path: Path) -> None:
    path = await restored(tmp_path)
    before = await counts()
    result = await import_file(await actor_for("llect"), path)
    assert result.changes == [] and result.summary() == "rien à changer"
    assert await counts() == before


ROLES = [
    (ADMIN, False),  # administrator of the base, not a member: the forms refuse too
    ("ddir", True),
    ("cmartin", True),  # trinôme
    ("sroux", False),  # cercle élargi
    ("llect", False),
    ("inconnu", False),
]


@pytest.mark.parametrize(("login", "allowed"), ROLES, ids=[r[0] for r in ROLES])
async def test_update_by_role(
    db: DatabaseLocation, tmp_path: Path, login: str, allowed: bool
) -> None:
    await restored(tmp_path)
    before = await counts()
    path = edited(tmp_path, _retitle)
    if allowed:
        await import_file(await actor_for(login), path)
        assert (await m.Action.get(ref="A1")).title == "Diagnostic partagé"
        return
    with pytest.raises(PermissionDenied):
        await import_file(await actor_for(login), path)
    assert await counts() == before
    assert (await m.Action.get(ref="A1")).title == "Diagnostic de l'offre alimentaire"


def _new_slug(doc: dict[str, Any]) -> None:
    road(doc)["slug"] = "pat-bis"
    road(doc)["dossiers"] = []
    road(doc)["campagnes"] = []


NEW_SLUG = [
    (ADMIN, True),
    ("ddir", True),
    ("cmartin", False),
    ("sroux", False),
    ("llect", False),
    ("inconnu", False),
]


@pytest.mark.parametrize(("login", "allowed"), NEW_SLUG, ids=[r[0] for r in NEW_SLUG])
async def test_new_slug_by_role(
    db: DatabaseLocation, tmp_path: Path, login: str, allowed: bool
) -> None:
    await restored(tmp_path)
    before = await counts()
    path = edited(tmp_path, _new_slug, "pat-bis.toml")
    if allowed:
        result = await import_file(await actor_for(login), path)
        assert result.created and await m.Roadmap.exists(slug="pat-bis")
        return
    with pytest.raises(PermissionDenied, match="administrateur"):
        await import_file(await actor_for(login), path)
    assert await counts() == before


async def test_new_people_need_an_administrator(db: DatabaseLocation, tmp_path: Path) -> None:
    await restored(tmp_path)

    def newcomer(doc: dict[str, Any]) -> None:
        _new_slug(doc)
        doc["referentiel"]["personnes"].append({"login": "nouveau", "nom": "Nouvelle Personne"})
        road(doc)["equipe"].append({"login": "nouveau", "role": "lecteur", "cote": "autre"})

    before = await counts()
    path = edited(tmp_path, newcomer, "pat-bis.toml")
    with pytest.raises(PermissionDenied, match="personne nouveau"):
        await import_file(await actor_for("ddir"), path)
    assert await counts() == before
    result = await import_file(await make_admin(ADMIN), path)
    assert "personne nouveau" in result.new_reference


async def test_differing_reference_data_refused(db: DatabaseLocation, tmp_path: Path) -> None:
    await restored(tmp_path)

    def renamed(doc: dict[str, Any]) -> None:
        doc["referentiel"]["personnes"][0]["nom"] = "Quelqu'un d'autre"

    with pytest.raises(ImportRefused, match=r"referentiel\.personnes\[0\]\.nom"):
        await import_file(await actor_for("cmartin"), edited(tmp_path, renamed))


async def test_restore_keeps_authors_and_says_so(db: DatabaseLocation) -> None:
    await import_file(await make_admin(ADMIN), SOURCE)
    decision = await m.Decision.get()
    assert decision.decided_by == "cmartin"
    adjustments = await m.Adjustment.all().values_list("author", flat=True)
    assert set(adjustments) == {"cmartin"}
    row = await m.JournalEntry.filter(operation="restauration", entity="décision").get()
    assert row.actor == await journal_actor(ADMIN)
    assert row.reason.startswith("restauré depuis pat-test.toml, auteur d'origine cmartin")


async def test_new_action_through_the_use_case(db: DatabaseLocation, tmp_path: Path) -> None:
    await restored(tmp_path)

    def added(doc: dict[str, Any]) -> None:
        road(doc)["actions"].append(
            {
                "ref": "A11",
                "titre": "Nouvelle action",
                "service_pilote": "dsu",
                "depend_des_actions": ["A1"],
            }
        )

    result = await import_file(await actor_for("cmartin"), edited(tmp_path, added))
    assert "action A11 : création" in result.changes
    created = await m.JournalEntry.filter(entity="action", entity_ref="A11").order_by("id")
    assert created[0].operation == "création"
    assert {r.actor for r in created} == {await journal_actor("cmartin")}


async def test_dossier_edits_go_through_the_dossier_use_cases(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    def open_dossier(doc: dict[str, Any]) -> None:
        dossier = road(doc)["dossiers"][0]
        dossier.update(etat="en_instruction")
        dossier.pop("decisions")
        dossier["financements"][1].pop("accorde")

    path = edited(tmp_path, open_dossier, "ouvert.toml")
    await import_file(await make_admin(ADMIN), path)

    def changed(doc: dict[str, Any]) -> None:
        open_dossier(doc)
        dossier = road(doc)["dossiers"][0]
        dossier["titre"] = "Paniers solidaires du Canton"
        dossier["financements"][0]["demande"] = "6000.00"
        dossier["montant_demande"] = "16000.00"

    result = await import_file(await actor_for("cmartin"), edited(tmp_path, changed))
    assert result.changes == [
        "dossier D2026-001 : titre : « Paniers solidaires » → « Paniers solidaires du Canton »",
        "financement D2026-001/caf : demande : « 5000.50 » → « 6000.00 »",
    ]
    rows = await m.JournalEntry.filter(
        entity_ref="D2026-001", actor=await journal_actor("cmartin")
    ).order_by("id")
    written = [(r.field, r.new_value) for r in rows]
    # the use case also derives what the form derives (the action's axe, the avis state)
    assert ("titre", "Paniers solidaires du Canton") in written
    assert ("demandé caf", "6000") in written
    assert (await m.Dossier.get(ref="D2026-001")).amount_asked == 16000


async def test_dossier_rules_of_the_form_apply(db: DatabaseLocation, tmp_path: Path) -> None:
    """A decided dossier no longer changes (the use case says so); its state moves on."""
    await restored(tmp_path)
    before = await counts()

    def retitled(doc: dict[str, Any]) -> None:
        road(doc)["dossiers"][0]["titre"] = "Autre titre"

    with pytest.raises(ValidationError, match="ne change plus"):
        await import_file(await actor_for("cmartin"), edited(tmp_path, retitled))
    assert await counts() == before

    def notified(doc: dict[str, Any]) -> None:
        road(doc)["dossiers"][0]["etat"] = "notifie"

    await import_file(await actor_for("cmartin"), edited(tmp_path, notified))
    assert (await m.Dossier.get(ref="D2026-001")).state == "notifie"
    row = await m.JournalEntry.filter(entity_ref="D2026-001").order_by("-id").first()
    assert row is not None and row.actor == await journal_actor("cmartin")


def _campaign_edit(doc: dict[str, Any]) -> None:
    campaign = road(doc)["campagnes"][0]
    campaign["titre"] = "AAP 2026 — alimentation"
    campaign.pop("axes")  # the whole roadmap, as the campaign form says it
    campaign["services_instructeurs"] = sorted([*campaign["services_instructeurs"], "caf"])


async def test_campaign_edits_go_through_the_campaign_use_case(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)
    result = await import_file(await actor_for("cmartin"), edited(tmp_path, _campaign_edit))
    assert any(line.startswith("campagne 2026 : titre") for line in result.changes)
    rows = await m.JournalEntry.filter(entity="campagne", actor=await journal_actor("cmartin"))
    assert {r.field for r in rows} >= {"titre", "services instructeurs"}
    campaign = await m.Campagne.get(year=2026)
    assert campaign.title == "AAP 2026 — alimentation"
    codes = await m.CampagneInstructor.filter(campagne_id=campaign.id).values_list(
        "service__code", flat=True
    )
    assert "caf" in codes


async def test_shared_campaign_needs_rights_on_every_roadmap_it_serves(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)

    def other(doc: dict[str, Any]) -> None:
        _new_slug(doc)
        road(doc)["campagnes"] = base()["feuille_de_route"]["campagnes"]
        road(doc)["equipe"] = [{"login": "ddir", "role": "trinome", "cote": "autre"}]

    await import_file(await make_admin(ADMIN), edited(tmp_path, other, "pat-bis.toml"))
    before = await counts()
    with pytest.raises(PermissionDenied, match="pat-bis"):
        await import_file(await actor_for("cmartin"), edited(tmp_path, _campaign_edit))
    assert await counts() == before
    assert (await m.Campagne.get(year=2026)).title != "AAP 2026 — alimentation"


async def test_stamped_file_does_not_overwrite_a_later_change(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    """The version rule of the forms, for a file exported with --stamp."""
    await restored(tmp_path)
    from roadmap.usecases import actions as act
    from roadmap.usecases.base import now

    exported_at = now()
    action = await m.Action.get(ref="A1")
    data = act.ActionInput(
        title="Titre d'une collègue", pilot_service="pat", axe_ref="AX1",
        owner_login="pbernard", status="en_cours", start_date=action.start_date,
        end_date=action.end_date, pillar="cadre_de_vie",
    )  # fmt: skip
    await act.update_action(await actor_for("pbernard"), "pat-test", "A1", action.version, data)

    def stale(doc: dict[str, Any]) -> None:
        _retitle(doc)
        doc["generation"]["genere_le"] = exported_at

    before = await counts()
    who = await journal_actor("pbernard")
    with pytest.raises(ImportRefused, match=f"modifiée dans la base par {who}"):
        await import_file(await actor_for("cmartin"), edited(tmp_path, stale))
    assert await counts() == before
    assert (await m.Action.get(ref="A1")).title == "Titre d'une collègue"

    def fresh(doc: dict[str, Any]) -> None:
        _retitle(doc)
        doc["generation"]["genere_le"] = now()

    await import_file(await actor_for("cmartin"), edited(tmp_path, fresh))
    assert (await m.Action.get(ref="A1")).title == "Diagnostic partagé"


async def test_stored_inconsistency_does_not_block_a_reimport(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    """A derived total already off in the base is not the file's fault (found on big data)."""

    def off(doc: dict[str, Any]) -> None:
        road(doc)["dossiers"][0]["montant_demande"] = "1.00"

    path = await restored(tmp_path, off)
    assert (await import_file(await actor_for("cmartin"), path)).changes == []

    def changed(doc: dict[str, Any]) -> None:
        road(doc)["dossiers"][0]["montant_demande"] = "2.00"

    with pytest.raises(ImportRefused, match="montant_demande est la somme"):
        await import_file(await actor_for("cmartin"), edited(tmp_path, changed))


def _new_dossier(ref: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        road(doc)["dossiers"].append(
            {
                "ref": ref,
                "campagne": 2026,
                "porteur": "Centre social Canto-Perdrix",
                "titre": "Cuisine partagée",
                "budget_total": "3000.00",
                "montant_demande": "1200.00",
                "services_instructeurs": ["dsu"],
                "financements": [{"financeur": "dsu", "demande": "1200.00"}],
            }
        )

    return edit


async def test_new_dossier_deposited_through_the_use_case(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)
    before = await counts()
    with pytest.raises(ImportRefused, match="référence attendue « AAP2026-001 »"):
        await import_file(await actor_for("cmartin"), edited(tmp_path, _new_dossier("D9")))
    assert await counts() == before
    result = await import_file(
        await actor_for("cmartin"), edited(tmp_path, _new_dossier("AAP2026-001"))
    )
    assert "dossier AAP2026-001 : création" in result.changes
    dossier = await m.Dossier.get(ref="AAP2026-001")
    assert dossier.state == "depose" and dossier.amount_asked == 1200
    row = await m.JournalEntry.get(entity="dossier", entity_ref="AAP2026-001")
    assert (row.operation, row.actor) == ("dépôt", await journal_actor("cmartin"))
