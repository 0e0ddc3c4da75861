"""An imported roadmap never silently takes the demo's services, nor the demo's version
of a shared service: the import is refused and names the next step."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
import tomli_w

from roadmap.exchange.importer import import_file
from roadmap.exchange.problems import ImportRefused
from roadmap.models import Roadmap
from roadmap.storage.location import DatabaseLocation
from roadmap.usecases.demo import build_demo
from roadmap.usecases.demo_remove import remove_demo
from tests.roles import make_admin

EXAMPLE = Path(__file__).resolve().parents[2] / "exports" / "demo" / "pat-salon-martigues.toml"
DCS = "Direction de la cohésion sociale (politique de la ville)"


def _real_file(tmp_path: Path, *, dcs_name: str) -> Path:
    """A team's own roadmap file (no dossiers) that happens to use the code « dcs »."""
    doc = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    road = doc["feuille_de_route"]
    road["slug"] = "vraie-feuille"
    for key in ("dossiers", "references", "releve_decisions"):
        road.pop(key, None)
    for service in doc["referentiel"]["services"]:
        if service["code"] == "dcs":
            service["nom"] = dcs_name
    path = tmp_path / "vraie.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


async def test_a_shared_service_in_its_demo_version_is_refused(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    admin = await make_admin("mdupont")
    await build_demo(admin, today=date(2026, 3, 2))
    path = _real_file(tmp_path, dcs_name="Direction de la politique de la ville de Martigues")
    with pytest.raises(ImportRefused) as refused:
        await import_file(admin, path)
    text = str(refused.value)
    assert "referentiel.services" in text and "roadmap demo --supprimer" in text
    assert not await Roadmap.exists(slug="vraie-feuille")
    await remove_demo(admin)  # the next step named: then the file goes in with its own
    await import_file(admin, path)
    assert await Roadmap.exists(slug="vraie-feuille")


async def test_a_new_roadmap_on_the_demo_services_is_refused(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    admin = await make_admin("mdupont")
    await build_demo(admin, today=date(2026, 3, 2))
    with pytest.raises(ImportRefused, match="service inventé de la démonstration"):
        await import_file(admin, _real_file(tmp_path, dcs_name=DCS))
    assert not await Roadmap.exists(slug="vraie-feuille")
