"""CSV files as French spreadsheets really write them (tests/badinput/data), each with its
expected French message, its exact line counts, and nothing written when refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from roadmap.cli import main
from roadmap.domain.errors import ValidationError
from roadmap.exchange.csv_output import safe_cell
from roadmap.models import Dossier, JournalEntry
from roadmap.usecases import instruction as ins
from roadmap.usecases.dossier_import import import_dossiers, load_mapping, parse
from tests.instruction.conftest import YEAR, World

from .conftest import DATA


def _raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


async def _plan(ref: str) -> dict[str, Decimal]:
    detail = await ins.dossier_detail(ref)
    return {p.financeur: p.asked for p in detail.plan}


async def test_excel_cp1252_semicolons_with_french_headers(world: World) -> None:
    report = await import_dossiers(
        world.pilote, _raw("excel-cp1252-pointvirgule.csv"), campagne=YEAR
    )
    assert report.errors == []
    assert (report.encoding, report.delimiter) == ("Windows-1252", ";")
    assert (report.lines, report.header_line, report.rows, report.blank) == (5, 1, 3, 1)
    assert report.imported == ["AAP2026-001", "AAP2026-002", "AAP2026-003"]
    assert await _plan("AAP2026-001") == {"dcs": Decimal("8000"), "pat": Decimal("2500.50")}
    second = await ins.dossier_detail("AAP2026-002")
    assert second.row.title == "Jardin partagé; deuxième tranche"  # quoted separator kept


async def test_libreoffice_long_format_grouped_by_dossier(world: World) -> None:
    raw = _raw("libreoffice-utf8-long.csv")
    report = await import_dossiers(world.pilote, raw, campagne=YEAR)
    assert report.errors == []
    assert (report.encoding, report.delimiter, report.layout) == ("UTF-8", ",", "long")
    # 7 physical lines: the header, 6 data lines of which one cell spans two lines
    assert (report.lines, report.rows, report.dossiers) == (7, 5, 3)
    assert await _plan("AAP2026-001") == {"dcs": Decimal("8000"), "pat": Decimal("2500.50")}
    assert await _plan("AAP2026-003") == {"dcs": Decimal("4500"), "pat": Decimal("1000")}
    first = await ins.dossier_detail("AAP2026-001")
    assert first.summary == "Des paniers à 5 €,\nlivrés le samedi"


async def test_mapping_file_for_another_tool(world: World) -> None:
    mapping = load_mapping(_raw("colonnes.toml"), "colonnes.toml")
    report = await import_dossiers(world.pilote, _raw("grist-export.csv"), mapping=mapping)
    assert report.errors == [] and report.imported == ["AAP2026-001", "AAP2026-002"]
    assert await _plan("AAP2026-001") == {"dcs": Decimal("8000"), "pat": Decimal("2500.50")}
    _, without = parse(_raw("grist-export.csv"), YEAR)
    assert (
        without.errors[0][0] == 1 and "colonne inconnue « Nom de l'asso »" in without.errors[0][1]
    )


def test_bad_mapping_files_are_named() -> None:
    with pytest.raises(ValidationError, match=r"colonnes\.« Projet » = 'couleur' : attendu"):
        load_mapping(b'[colonnes]\n"Projet" = "couleur"\n', "m.toml")
    with pytest.raises(ValidationError, match=r"m\.toml:2 : .*TOML invalide \(colonne"):
        load_mapping(b'[colonnes]\n"Projet" = titre\n', "m.toml")


async def test_unterminated_quote_is_named_with_its_line_and_nothing_is_written(
    world: World,
) -> None:
    report = await import_dossiers(world.pilote, _raw("guillemet-non-ferme.csv"), campagne=YEAR)
    assert report.imported == [] and report.rows == 0
    assert report.errors == [
        (
            3,
            "guillemet ouvert ligne 3 et jamais refermé : les lignes 3 à 5 ont été lues comme "
            'une seule cellule ; fermez le guillemet (") ou retirez-le, puis réimportez',
        )
    ]
    assert await Dossier.all().count() == 0


async def test_long_format_lines_of_one_dossier_must_agree(world: World) -> None:
    raw = (
        b"dossier;porteur;titre;budget_total;financeur;montant\n"
        b"1;Asso;Projet;1000;dcs;500\n"
        b"1;Asso;Projet;2000;pat;300\n"
        b"2;Autre;Projet;;dcs;100\n"
        b"2;Autre;Projet;;dcs;200\n"
    )
    report = await import_dossiers(world.pilote, raw, campagne=YEAR)
    assert report.imported == []
    assert (
        report.errors[0][0] == 2 and "ligne 3 : « 2000 » diffère de « 1000 »" in report.errors[0][1]
    )
    assert report.errors[1][0] == 4 and "financeur dcs déjà demandé ligne 4" in report.errors[1][1]
    assert not await JournalEntry.filter(entity="dossier").exists()


async def test_control_character_in_a_cell_names_line_and_field(world: World) -> None:
    report = await import_dossiers(world.pilote, _raw("caractere-de-controle.csv"), campagne=YEAR)
    assert report.imported == []
    assert report.errors[0][0] == 2 and report.errors[0][1].startswith(
        "porteur : caractère de contrôle U+0007"
    )


def test_formula_cells_are_neutralised_only_in_the_csv_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert [safe_cell(c) for c in ["=1+1", "+33", "-x", "@a", "\tx", "\rx", "Asso", "12,50"]] == [
        "'=1+1",
        "'+33",
        "'-x",
        "'@a",
        "'\tx",
        "\ufffdx",  # a carriage return is a control character in a cell: shown, inert
        "Asso",
        "12,50",
    ]
    import asyncio

    from roadmap.storage.database import close_database, open_database
    from roadmap.storage.location import parse_location
    from tests.instruction.conftest import build_world

    db = str(tmp_path / "f.db")

    async def seed() -> None:
        await open_database(parse_location(db))
        try:
            await build_world()
        finally:
            await close_database()

    asyncio.run(seed())
    monkeypatch.setenv("ROADMAP_USER", "nadia")
    code = main(["--db", db, "dossier", "import", str(DATA / "formules.csv"), "--campagne", "2026"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert main(["--db", db, "dossiers", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.lstrip("\ufeff").splitlines()
    text = "\n".join(lines)
    assert (
        "'=HYPERLINK(" in text and ";'+33 Association;'-Titre" in text and ";'@Collectif;" in text
    )
    assert main(["--db", db, "dossier", "show", "AAP2026-001"]) == 0
    shown = capsys.readouterr().out
    assert "Porteur      : =HYPERLINK(" in shown  # stored as typed
    # imported without a budget column: not "budget total 0 €" under 1 000 € asked
    assert "(budget total non renseigné)" in shown and "budget total 0" not in shown


def test_cli_summary_counts_lines_exactly(
    demo_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(demo_db)
    monkeypatch.setenv("ROADMAP_USER", "cmartin")  # a known person (unknown ones never write)
    code = main(["--db", db, "dossier", "import", str(DATA / "guillemet-non-ferme.csv")])
    out = capsys.readouterr()
    assert code == 2
    assert "guillemet-non-ferme.csv:ligne 3 : guillemet ouvert ligne 3" in out.err
    assert "Lu : UTF-8, séparateur point-virgule, 5 lignes ; aucune ligne de données lue" in out.out


async def test_headers_with_units_and_marks_as_spreadsheets_write_them(world: World) -> None:
    """« Montant sollicité (€) », « Porteur de projet * », « Coût total TTC »: the units
    and marks a spreadsheet adds around a title do not hide the usual spelling."""
    report = await import_dossiers(world.pilote, _raw("tableur-unites-cp1252.csv"))
    assert report.errors == [] and report.imported == ["AAP2026-001"]
    assert await _plan("AAP2026-001") == {"dcs": Decimal("8000"), "pat": Decimal("2500.50")}
    assert (await Dossier.get(ref="AAP2026-001")).total_budget == Decimal("12500")
