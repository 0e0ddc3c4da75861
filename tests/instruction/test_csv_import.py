"""CSV import of dossiers as French spreadsheets write them (docs/dossiers-csv.md)."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from roadmap.cli import main
from roadmap.models import Dossier, FinancementLine, JournalEntry
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.usecases import instruction as ins
from roadmap.usecases.dossier_import import decode, import_dossiers, parse, sniff_delimiter

from .conftest import SLUG, YEAR, build_world

HEADER = [
    "Porteur",
    "Titre",
    "Résumé",
    "Action",
    "QPV",
    "Pilier",
    "Budget total",
    "demande_dcs",
    "Demande pat",
    "Date limite avis",
]
GOOD = [
    [
        "Épicerie de l'Étang",
        "Paniers solidaires",
        "Des paniers à 5 €",
        "A1",
        "",
        "Cadre de vie",
        "12 500,50",
        "8 000",
        "2 500,50",
        "30/04/2026",
    ],
    [
        "Les Jardins du Mistral",
        "Jardin partagé",
        "",
        "",
        "",
        "cohesion_sociale",
        "30000",
        "15000",
        "",
        "2026-05-15",
    ],
]


def build(
    rows: list[list[str]],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
    header: list[str] = HEADER,
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16"]
DELIMITERS = [";", ",", "\t"]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("delimiter", DELIMITERS, ids=["pointvirgule", "virgule", "tab"])
def test_parse_every_encoding_and_separator(encoding: str, delimiter: str) -> None:
    raw = build(GOOD, delimiter=delimiter, encoding=encoding)
    rows, report = parse(raw, YEAR)
    assert report.errors == []
    assert report.delimiter == delimiter and report.rows == 2
    first = rows[0]
    assert first.line == 2 and first.data.porteur == "Épicerie de l'Étang"
    assert first.data.summary == "Des paniers à 5 €"
    assert first.data.pillar == "cadre_de_vie"
    assert [(p.financeur, p.asked) for p in first.plan] == [("dcs", "8 000"), ("pat", "2 500,50")]
    assert rows[1].plan == [ins.FinancementInput("dcs", "15000")]


def test_decode_and_sniff() -> None:
    assert decode("é".encode("cp1252")) == ("é", "Windows-1252")
    assert decode(codecs.BOM_UTF8 + "é".encode()) == ("é", "UTF-8 (BOM)")
    with pytest.raises(Exception, match="encodage non reconnu"):
        decode(b"\x81\x8d")
    assert sniff_delimiter('"a;b",c\n1;2') == ","
    assert sniff_delimiter("\n\nporteur;titre") == ";"


def test_header_problems_are_reported_on_line_1() -> None:
    for header, expected in [
        (["porteur", "titre", "couleur", "demande_dcs"], "colonne inconnue « couleur »"),
        (["titre", "demande_dcs"], "colonne obligatoire absente : porteur"),
        (["porteur", "titre"], "aucune colonne de montant : demande_"),
        (["porteur", "titre", "demande_dcs", "Demande dcs"], "financeur dcs en double"),
    ]:
        rows, report = parse(build([], header=header), YEAR)
        assert rows == []
        assert report.errors[0][0] == 1 and expected in report.errors[0][1]
    _, report = parse(b"", YEAR)
    assert report.errors == [(1, "fichier vide : la ligne d'en-tête manque")]


def test_bad_rows_named_with_their_physical_line() -> None:
    rows = [
        ["A", "Multi\nligne", "", "", "", "", "100", "50", "", ""],  # lines 2-3
        ["", "Sans porteur", "", "", "", "", "", "50", "", ""],  # line 4
        ["B", "Montant faux", "", "", "", "", "", "12.500,00", "", ""],  # line 5
        ["C", "Ambigu", "", "", "", "", "", "12.500", "", ""],  # line 6
        ["D", "Rien demandé", "", "", "", "", "", "", "", ""],  # line 7
        ["E", "Date", "", "", "", "", "", "5", "", "31/02/2026"],  # line 8
        ["F", "Pilier", "", "", "", "culture", "", "5", "", ""],  # line 9
        ["G", "Négatif", "", "", "", "", "", "-5", "", ""],  # line 10
    ]
    parsed, report = parse(build(rows), YEAR)
    assert [r.line for r in parsed] == [2]
    lines = dict(report.errors)
    assert sorted(lines) == [4, 5, 6, 7, 8, 9, 10]
    assert lines[4] == "porteur : ne peut pas être vide"
    assert "demande_dcs" in lines[5] or "dcs" in lines[5]
    assert "ambigu" in lines[6]
    assert lines[7] == "plan de financement : aucun montant demandé"
    assert lines[8].startswith("date limite des avis")
    assert lines[9].startswith("pilier")
    assert "négatif" in lines[10]


def test_year_required_without_column() -> None:
    _, report = parse(build(GOOD), None)
    assert [line for line, _ in report.errors] == [2, 3]
    assert "--campagne" in report.errors[0][1]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("delimiter", DELIMITERS, ids=["pointvirgule", "virgule", "tab"])
async def test_import_good_file(sqlite_world, encoding: str, delimiter: str) -> None:
    report = await import_dossiers(
        sqlite_world.pilote, build(GOOD, delimiter=delimiter, encoding=encoding), campagne=YEAR
    )
    assert report.errors == [] and report.imported == ["AAP2026-001", "AAP2026-002"]
    first = await ins.dossier_detail("AAP2026-001")
    assert first.row.porteur == "Épicerie de l'Étang"
    assert first.total_budget == Decimal("12500.50")
    assert first.row.asked == Decimal("10500.50")
    assert first.row.axe == sqlite_world.axe and first.row.roadmap == SLUG
    assert first.row.instructors == ("dcs", "ddets", "pat")  # campaign defaults
    assert str(first.row.avis_deadline) == "2026-04-30"


async def test_all_or_nothing_then_partial(world) -> None:
    rows = [
        *GOOD,
        ["X", "Action inconnue", "", "A99", "", "", "", "5", "", ""],  # line 4
        ["Y", "QPV inconnu", "", "", "QX0", "", "", "5", "", ""],  # line 5
        ["Z", "Budget trop petit", "", "", "", "", "10", "5", "6", ""],  # line 6
        ["Épicerie de l'Étang", "Paniers solidaires", "", "", "", "", "", "1", "", ""],  # dup
    ]
    raw = build(rows)
    report = await import_dossiers(world.pilote, raw, campagne=YEAR)
    assert report.imported == []
    assert [line for line, _ in report.errors] == [4, 5, 6, 7]
    assert "action" in report.errors[0][1] and "A99" in report.errors[0][1]
    assert "QX0" in report.errors[1][1]
    assert report.errors[2][1].startswith("budget total")
    assert "ligne 2" in report.errors[3][1]
    assert await Dossier.all().count() == 0
    assert not await JournalEntry.filter(entity="dossier").exists()

    report = await import_dossiers(world.pilote, raw, campagne=YEAR, partial=True)
    assert report.imported == ["AAP2026-001", "AAP2026-002"]
    assert len(report.errors) == 4
    assert await Dossier.all().count() == 2
    assert await FinancementLine.all().count() == 3
    # importing the same file again creates no duplicate
    report = await import_dossiers(world.pilote, raw, campagne=YEAR, partial=True)
    assert report.imported == [] and await Dossier.all().count() == 2
    assert any("déjà importé" in message for _, message in report.errors)


async def test_import_needs_rights_and_campaign(world) -> None:
    report = await import_dossiers(world.ddets, build(GOOD), campagne=YEAR)
    assert report.imported == [] and len(report.errors) == 2
    assert "trinôme ou direction" in report.errors[0][1]
    report = await import_dossiers(world.pilote, build(GOOD), campagne=2031)
    assert report.errors[0] == (2, "campagne : aucune campagne AAP 2031")


def _cli(db: str, *argv: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        code = main(["--db", db, *argv])
    return code, buffer.getvalue()


def test_cli_import_and_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "r.db")

    async def seed() -> None:
        await open_database(parse_location(db))
        try:
            await build_world()
        finally:
            await close_database()

    asyncio.run(seed())
    monkeypatch.setenv("ROADMAP_USER", "nadia")
    bad = tmp_path / "dossiers.csv"
    bad.write_bytes(
        build([*GOOD, ["", "Sans porteur", "", "", "", "", "", "5", "", ""]], encoding="cp1252")
    )
    code, text = _cli(db, "dossier", "import", str(bad), "--campagne", str(YEAR))
    assert code == 1
    assert "dossiers.csv:ligne 4 : porteur : ne peut pas être vide" in text
    assert "Aucun dossier importé" in text and "Windows-1252" in text
    code, text = _cli(db, "dossier", "import", str(bad), "--campagne", str(YEAR), "--partial")
    assert code == 1 and "2 dossiers importés : AAP2026-001, AAP2026-002" in text
    code, text = _cli(db, "dossiers", "--campagne", str(YEAR))
    assert code == 0 and "Épicerie de l'Étang" in text and "Déposé" in text
    code, text = _cli(db, "dossiers", "--format", "csv")
    assert code == 0
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("ref;campagne;porteur;titre;etat")
    assert lines[1].startswith("AAP2026-001;2026;Épicerie de l'Étang;Paniers solidaires;depose")
    assert ";10500,50;" in lines[1]
    code, text = _cli(db, "dossier", "import", str(tmp_path / "absent.csv"))
    assert code == 4 and "absent.csv" in text and "introuvable" in text  # I/O
    header_only = tmp_path / "entete.csv"
    header_only.write_text("porteur;couleur\n", encoding="utf-8")
    code, text = _cli(db, "dossier", "import", str(header_only), "--campagne", "2026")
    assert code == 2 and "ligne 1" in text and "couleur" in text


def test_cli_instruct_a_dossier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deposit to notification from the command line, with the refusal's motivation."""
    db = str(tmp_path / "r.db")

    async def seed() -> None:
        await open_database(parse_location(db))
        try:
            w = await build_world()
            await ins.create_dossier(
                w.pilote,
                YEAR,
                ins.DossierInput("Asso", "Projet", total_budget="100"),
                [ins.FinancementInput("dcs", "100")],
            )
        finally:
            await close_database()

    asyncio.run(seed())
    ref = "AAP2026-001"
    monkeypatch.setenv("ROADMAP_USER", "nadia")
    assert _cli(db, "dossier", "etat", ref, "notifie")[0] == 2
    assert _cli(db, "dossier", "etat", ref, "recevable")[0] == 0
    assert _cli(db, "dossier", "etat", ref, "en_instruction")[0] == 0
    for login, value in (("nadia", "favorable"), ("paul", "favorable"), ("sophie", "defavorable")):
        monkeypatch.setenv("ROADMAP_USER", login)
        code, text = _cli(
            db, "dossier", "avis", ref, "--valeur", value, "--commentaire", "Avis motivé"
        )
        assert code == 0, text
    assert "Avis rendus" in text
    monkeypatch.setenv("ROADMAP_USER", "claire")
    code, text = _cli(db, "dossier", "avis", ref, "--valeur", "favorable")
    assert code == 3 and "refusé" in text
    monkeypatch.setenv("ROADMAP_USER", "nadia")
    code, text = _cli(db, "dossier", "decide", ref, "--issue", "refuse")
    assert code == 2 and "motivation" in text
    code, text = _cli(
        db,
        "dossier",
        "decide",
        ref,
        "--issue",
        "refuse",
        "--motivation",
        "Le projet ne touche pas les habitants des QPV.",
    )
    assert code == 0, text
    assert _cli(db, "dossier", "etat", ref, "notifie")[0] == 0
    code, text = _cli(db, "dossier", "show", ref)
    assert "Refusé" in text and "Le projet ne touche pas les habitants des QPV." in text
    assert "Notifié" in text
