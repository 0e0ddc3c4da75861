"""Items absent from an imported file, and indicator edits, go through their use cases
(issue 9): deleted when they have no history, kept closed (abandonnée, annulé) when they
have one, an indicator with values never removed; journaled field by field as the importer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from roadmap import models as m
from roadmap.domain.errors import PermissionDenied, StaleVersion, ValidationError
from roadmap.exchange import import_rights
from roadmap.exchange.importer import import_file
from roadmap.exchange.problems import ImportRefused
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases import removal
from roadmap.usecases.identity import actor_for
from tests.conftest import journal_actor

from .test_import_changeset import ADMIN, counts, edited, restored, road

TRINOME = "cmartin"


@pytest.fixture(autouse=True)
def administrator(monkeypatch: pytest.MonkeyPatch) -> None:
    async def is_admin(actor: Any) -> bool:
        return bool(actor.login == ADMIN)

    monkeypatch.setattr(import_rights, "is_administrator", is_admin)


def _with_a_spare_indicator(doc: dict[str, Any]) -> None:
    road(doc)["indicateurs"].append({"ref": "I2", "nom": "Repas servis", "unite": "repas"})


def _drop(section: str, ref: str) -> Any:
    def edit(doc: dict[str, Any]) -> None:
        road(doc)[section] = [x for x in road(doc)[section] if x["ref"] != ref]

    return edit


async def _rows(entity: str, ref: str) -> list[tuple[str, str, str, str, str]]:
    return list(
        await m.JournalEntry.filter(entity=entity, entity_ref=ref)
        .order_by("id")
        .values_list("actor", "operation", "field", "old_value", "reason")
    )


async def test_an_action_without_history_is_deleted_and_journaled(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)
    trinome = await actor_for(TRINOME)
    path = edited(tmp_path, _drop("actions", "A10"))
    before = await counts()
    dry = await import_file(trinome, path, dry_run=True)
    assert dry.dry_run and dry.changes == ["action A10 : retrait : suppression (aucun historique)"]
    assert await counts() == before  # the listing, nothing written
    done = await import_file(trinome, path)
    assert done.changes == dry.changes
    assert not await m.Action.exists(ref="A10")
    rows = await _rows("action", "A10")
    me = await journal_actor(TRINOME)
    assert (me, "suppression", "", "Sans axe", "ne figure plus dans le fichier importé") in rows
    assert (me, "modification", "titre", "Sans axe") in [r[:4] for r in rows]  # field by field
    assert (me, "modification", "statut", "idee") in [r[:4] for r in rows]


async def test_an_action_with_history_is_kept_abandoned(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path)
    trinome = await actor_for(TRINOME)

    def without_a1(doc: dict[str, Any]) -> None:
        _drop("actions", "A1")(doc)
        for item in [*road(doc)["actions"], *road(doc)["jalons"]]:  # A2, J2 waited for it
            kept = [r for r in item.pop("depend_des_actions", []) if r != "A1"]
            if kept:
                item["depend_des_actions"] = kept

    path = edited(tmp_path, without_a1)
    result = await import_file(trinome, path)
    [line] = [x for x in result.changes if x.startswith("action A1 :")]
    # started, with a commitment: it cannot go, it is abandoned
    assert line.startswith("action A1 : retrait : conservation comme « abandonnée »")
    assert "engagement" in line and "statut en_cours" in line
    a1 = await m.Action.get(ref="A1")
    assert a1.status.value == "abandonnee"
    assert await m.Engagement.filter(action_id=a1.id).exists()  # history kept with it
    [row] = [r for r in await _rows("action", "A1") if r[2] == "statut"]
    assert row[:4] == (await journal_actor(TRINOME), "modification", "statut", "en_cours")
    assert "historique" in row[4]
    # the same file again: already abandoned, nothing more to do
    again = await import_file(trinome, path, dry_run=True)
    assert not [x for x in again.changes if x.startswith("action A1 :")]


async def test_jalons_deleted_or_cancelled(db: DatabaseLocation, tmp_path: Path) -> None:
    await restored(tmp_path)
    trinome = await actor_for(TRINOME)

    def without_jalons(doc: dict[str, Any]) -> None:
        road(doc)["jalons"] = []
        for action in road(doc)["actions"]:
            action.pop("depend_des_jalons", None)  # A2 no longer waits for J1

    result = await import_file(trinome, edited(tmp_path, without_jalons))
    lines = sorted(result.changes)
    assert any(x.startswith("jalon J1 : retrait : conservation comme « annulé »") for x in lines)
    assert "jalon J2 : retrait : suppression (aucun historique)" in lines
    assert (await m.Jalon.get(ref="J1")).status.value == "annule"  # held, re-routed: kept
    assert not await m.Jalon.exists(ref="J2")


async def test_indicators_edited_deleted_or_refused(db: DatabaseLocation, tmp_path: Path) -> None:
    await restored(tmp_path, _with_a_spare_indicator)
    trinome = await actor_for(TRINOME)
    i1 = await m.Indicator.get(ref="I1")

    def edit(doc: dict[str, Any]) -> None:
        _with_a_spare_indicator(doc)
        road(doc)["indicateurs"][0]["nom"] = "Foyers accompagnés"
        road(doc)["indicateurs"][0]["unite"] = "ménages"
        road(doc)["indicateurs"].pop()  # I2: no value, removed

    result = await import_file(trinome, edited(tmp_path, edit))
    assert "indicateur I2 : retrait : suppression (aucun historique)" in result.changes
    assert any(x.startswith("indicateur I1 : nom : ") for x in result.changes), result.changes
    after = await m.Indicator.get(ref="I1")
    assert (after.name, after.unit, after.version) == (
        "Foyers accompagnés",
        "ménages",
        i1.version + 1,
    )
    fields = {r[2]: r for r in await _rows("indicateur", "I1")}
    assert fields["nom"][:4] == (await journal_actor(TRINOME), "modification", "nom", i1.name)
    assert fields["unité"][3] == i1.unit
    assert not await m.Indicator.exists(ref="I2")
    # I1 has values: absent from a file, it is refused with its key path, nothing written
    before = await counts()
    with pytest.raises(ImportRefused) as refused:
        await import_file(trinome, edited(tmp_path, _drop("indicateurs", "I1")))
    assert "feuille_de_route.indicateurs" in str(refused.value)
    assert "valeur relevée" in str(refused.value)
    assert await counts() == before


@pytest.mark.parametrize("login", ["llect", "sroux", "inconnu"])
async def test_removals_are_refused_to_those_the_forms_refuse(
    db: DatabaseLocation, tmp_path: Path, login: str
) -> None:
    await restored(tmp_path)
    before = await counts()
    with pytest.raises(PermissionDenied):
        await import_file(await actor_for(login), edited(tmp_path, _drop("actions", "A10")))
    assert await counts() == before
    assert await m.Action.exists(ref="A10")


async def test_the_use_cases_check_versions_and_rights(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    await restored(tmp_path, _with_a_spare_indicator)
    trinome = await actor_for(TRINOME)
    a10 = await m.Action.get(ref="A10")
    with pytest.raises(StaleVersion):
        await removal.remove_action(trinome, "pat-test", "A10", a10.version - 1)
    with pytest.raises(PermissionDenied):
        await removal.remove_action(await actor_for("llect"), "pat-test", "A10", a10.version)
    assert await m.Action.exists(ref="A10")
    i1 = await m.Indicator.get(ref="I1")
    with pytest.raises(ValidationError, match="valeur"):
        await removal.remove_indicator(trinome, "pat-test", "I1", i1.version)
    data = removal.IndicatorInput("Nouveau nom", i1.unit)
    with pytest.raises(PermissionDenied):
        await removal.edit_indicator(await actor_for("sroux"), "pat-test", "I1", i1.version, data)
    with pytest.raises(StaleVersion):
        await removal.edit_indicator(trinome, "pat-test", "I1", i1.version + 5, data)
    assert await removal.edit_indicator(trinome, "pat-test", "I1", i1.version, data) == (
        i1.version + 1
    )


async def test_a_deleted_reference_is_never_given_again(
    db: DatabaseLocation, tmp_path: Path
) -> None:
    """A service may still hold the deleted A10 in an older file: no new item is A10 again."""
    from roadmap.usecases.actions import ActionInput, add_action
    from roadmap.usecases.jalons import JalonInput, add_jalon
    from roadmap.usecases.observations import create_indicator

    await restored(tmp_path, _with_a_spare_indicator)
    trinome = await actor_for(TRINOME)

    def without_the_last(doc: dict[str, Any]) -> None:
        for section, ref in (("actions", "A10"), ("jalons", "J2"), ("indicateurs", "I2")):
            _drop(section, ref)(doc)

    await import_file(trinome, edited(tmp_path, without_the_last))
    assert not await m.Action.exists(ref="A10")  # the highest of each: deleted, no history
    assert not await m.Jalon.exists(ref="J2")
    assert not await m.Indicator.exists(ref="I2")

    def with_a_new_a10(doc: dict[str, Any]) -> None:
        without_the_last(doc)
        road(doc)["actions"].append(
            {"ref": "A10", "titre": "Autre chose", "service_pilote": "caf", "statut": "idee"}
        )

    with pytest.raises(ImportRefused, match="référence attendue « A11 »"):
        await import_file(trinome, edited(tmp_path, with_a_new_a10))
    assert not await m.Action.exists(ref="A10")

    saved = await add_action(trinome, "pat-test", ActionInput("Nouvelle", pilot_service="caf"))
    assert saved.ref == "A11"
    jalon = await add_jalon(trinome, "pat-test", JalonInput("Nouveau", date="2026-06-01"))
    assert jalon.ref == "J3"
    assert await create_indicator(trinome, "pat-test", "Nouvel indicateur") == "I3"
