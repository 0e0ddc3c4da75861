"""The COPIL report on the demo, and the CLI commands end to end."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import networkx as nx
import pytest

from roadmap.cli import main
from roadmap.graph.report import write_report
from roadmap.models import Annotation, Campagne, Dossier, DossierInstructor, Roadmap
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import DatabaseLocation, parse_location
from roadmap.usecases.demo import DEMO_SLUG, build_demo
from roadmap.usecases.identity import current_actor
from roadmap.usecases.reference import service_by_code
from tests.roles import make_admin

TODAY = date(2026, 3, 2)
PRIVATE = "NOTE PRIVÉE À NE JAMAIS PUBLIER"
SECTIONS = [
    "# Revue COPIL — ",
    "## Point d'arrivée",
    "## Avancement par axe",
    "## Chemin critique",
    "## Marges à risque",
    "## Ajustements d'itinéraire",
    "## Dossiers en attente",
    "## Alliance",
    "## Charge",
    "## Fragilités de la coopération",
]


async def demo_with_a_dossier() -> None:
    await build_demo(await make_admin((await current_actor()).login), today=TODAY)
    roadmap = await Roadmap.get(slug=DEMO_SLUG)
    campagne = await Campagne.filter(year=2026).first() or await Campagne.create(
        territoire_id=roadmap.territoire_id,  # type: ignore[attr-defined]
        year=2026,
        title="AAP 2026",
        opens_on=date(2026, 1, 5),
        closes_on=date(2026, 4, 15),
    )
    dossier = await Dossier.create(
        campagne=campagne,
        ref="AAP26-001",
        porteur="Épicerie solidaire des Canourgues",
        title="Paniers solidaires",
        roadmap=roadmap,
        state="en_instruction",
        avis_deadline=date(2026, 5, 1),
    )
    await DossierInstructor.create(dossier=dossier, service=await service_by_code("dcs"))
    await Annotation.create(
        dossier=dossier, author="testeur", text=PRIVATE, created_at=datetime.now(UTC)
    )


async def test_report_on_the_demo_has_every_section(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    await demo_with_a_dossier()
    out = tmp_path / "copil.md"
    path, picture = await write_report(await current_actor(), DEMO_SLUG, out, today=TODAY)
    text = path.read_text(encoding="utf-8")
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert picture is not None and picture.name == "copil-graphe.svg"
    assert f"![Dépendances, chemin critique et coopération]({picture.name})" in text
    assert picture.stat().st_size > 20_000
    assert "→ point d'arrivée**" in text
    assert "AAP26-001" in text and "Épicerie solidaire des Canourgues" in text
    assert "Actions associant politique de la ville et droit commun" in text
    assert PRIVATE not in text and PRIVATE not in picture.read_text(encoding="utf-8")
    # The last COPIL held names the window of re-routings.
    assert "depuis le dernier COPIL (J" in text


async def test_report_without_picture_and_bad_name(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    await build_demo(await make_admin((await current_actor()).login), today=TODAY)
    path, picture = await write_report(
        await current_actor(), DEMO_SLUG, tmp_path / "r.md", picture=False, today=TODAY
    )
    assert picture is None and "![" not in path.read_text(encoding="utf-8")
    from roadmap.domain.errors import ValidationError

    with pytest.raises(ValidationError, match=r"\.md"):
        await write_report(await current_actor(), DEMO_SLUG, tmp_path / "r.txt")


# --- the CLI, end to end --------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo is built once per module (it takes seconds); each test gets a copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"

    async def prepare() -> None:
        await open_database(parse_location(str(path)))
        try:
            await build_demo(await make_admin((await current_actor()).login), today=TODAY)
        finally:
            await close_database()

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ROADMAP_USER", "testeur")
        patch.setenv("XDG_DATA_HOME", str(path.parent / "xdg"))
        asyncio.run(prepare())
    return path


@pytest.fixture
def demo_file(demo_master: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo.db"
    for suffix in ("", "-wal"):  # closed cleanly, the WAL is normally gone already
        source = demo_master.with_name(demo_master.name + suffix)
        if source.exists():
            shutil.copyfile(source, copy.with_name(copy.name + suffix))
    return copy


def test_cli_graph_writes_every_format(demo_file: Path, tmp_path: Path) -> None:
    for name in ("g.graphml", "g.gexf", "g.dot", "g.mmd", "g.svg", "g.png"):
        args = ["--db", str(demo_file), "graph", "--roadmap", DEMO_SLUG]
        code = main([*args, "--out", str(tmp_path / name)])
        assert code == 0, name
        assert (tmp_path / name).stat().st_size > 1000
    back = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    assert f"destination:{DEMO_SLUG}" in back


def test_cli_refuses_bad_options_in_french(
    demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--db", str(demo_file), "graph", "--format", "pdf", "--out", str(tmp_path / "g.pdf")])
    assert exited.value.code == 2
    assert "choix invalide" in capsys.readouterr().err
    graph = ["--db", str(demo_file), "graph"]
    assert main([*graph, "--format", "svg", "--out", str(tmp_path / "g.png")]) == 2
    assert "--out : l'extension « .png » ne correspond pas au format svg" in capsys.readouterr().err
    assert main(["--db", str(demo_file), "graph", "--out", str(tmp_path / "g.txt")]) == 2
    assert "--format : précisez le format" in capsys.readouterr().err
    # a folder that does not exist is an I/O failure, exit 4 as for export and report
    assert main(["--db", str(demo_file), "graph", "--out", str(tmp_path / "nulle/part.svg")]) == 4
    assert "n'existe pas" in capsys.readouterr().err
    assert main([*graph, "--roadmap", "absente", "--out", str(tmp_path / "g.svg")]) == 2
    assert "introuvable" in capsys.readouterr().err
    assert main(["--db", str(demo_file), "report", "--out", str(tmp_path / "r.html")]) == 2
    assert ".md" in capsys.readouterr().err


def test_cli_unknown_user_reads(
    demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 2: lecteurs and unknown users read only; reading the graph is reading."""
    monkeypatch.setenv("ROADMAP_USER", "visiteur")
    assert main(["--db", str(demo_file), "graph", "--out", str(tmp_path / "g.dot")]) == 0
    assert (tmp_path / "g.dot").stat().st_size > 100


def test_cli_report(demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "copil.md"
    assert main(["--db", str(demo_file), "report", "--roadmap", DEMO_SLUG, "--out", str(out)]) == 0
    assert "rapport écrit" in capsys.readouterr().out
    assert "## Chemin critique" in out.read_text(encoding="utf-8")
    assert (tmp_path / "copil-graphe.svg").exists()
