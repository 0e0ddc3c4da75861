"""Who may send a service file back through the browser (``check_deposit``), per role, on
SQLite and PostgreSQL: a service's own people its file; trinôme and direction any service's
file; an unknown person nothing; and the CLI's refusals of the file itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmap import models as m
from roadmap.domain.errors import PermissionDenied, RoadmapError
from roadmap.exchange.export import export
from roadmap.exchange.receive import check_deposit
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.demo import build_demo
from roadmap.usecases.identity import actor_for
from tests.roles import make_admin

from .test_propositions import TODAY

MAY_RECEIVE = {"jrey", "nbenali"}  # trinôme, direction


async def test_deposit_doors_per_role(db: DatabaseLocation, tmp_path: Path) -> None:
    await build_demo(await make_admin("cmartin"), today=TODAY)
    await export(tmp_path / "ex")
    files = {
        code: (tmp_path / "ex" / "services" / f"{code}.toml").read_text(encoding="utf-8")
        for code in ("caf", "ars")
    }
    for login in ("jrey", "nbenali", "sgarcia", "pdurand"):
        person = await m.Person.get(login=login).prefetch_related("service")
        own = person.service.code if person.service else None  # type: ignore[union-attr]
        actor = await actor_for(login)
        for code, text in files.items():
            if login in MAY_RECEIVE or code == own:
                assert await check_deposit(actor, f"{code}.toml", text) == code
            else:
                with pytest.raises(PermissionDenied, match="votre service"):
                    await check_deposit(actor, f"{code}.toml", text)
    with pytest.raises(PermissionDenied, match="pas une personne connue"):
        await check_deposit(await actor_for("inconnu"), "caf.toml", files["caf"])
    jrey = await actor_for("jrey")
    forged = files["caf"].replace('empreinte = "', 'empreinte = "0', 1)
    roadmap_file = (tmp_path / "ex" / "pat-salon-martigues.toml").read_text(encoding="utf-8")
    for text, words in ((forged, "base inconnue"), (roadmap_file, "pas le fichier d'un service")):
        with pytest.raises(RoadmapError, match=words):
            await check_deposit(jrey, "retour.toml", text)
    assert await m.Proposition.all().count() == 0  # a deposit records nothing by itself
