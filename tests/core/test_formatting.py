"""French formatting shared by the screens, the command line and the report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from roadmap import formatting as fr

NNBSP = "\u202f"


def test_dates() -> None:
    assert fr.date_short(date(2026, 11, 29)) == "29/11/2026"
    assert fr.date_long(date(2026, 11, 29)) == "29 novembre 2026"
    assert fr.date_long(date(2027, 2, 1)) == "1 février 2027"
    assert fr.month_short(date(2026, 1, 5)) == "janv. 2026"
    assert fr.date_short(None) == ""
    assert fr.moment(datetime(2026, 3, 2, 9, 30, tzinfo=UTC)).startswith("02/03/2026")


def test_numbers_and_amounts() -> None:
    assert fr.number(0.15) == "0,15"
    assert fr.number(Decimal("0.1523"), 2) == "0,15"
    assert fr.number(12500) == f"12{NNBSP}500"
    assert fr.amount(Decimal("45000")) == f"45{NNBSP}000{NNBSP}€"
    assert fr.amount(Decimal("12500.5")) == f"12{NNBSP}500,50{NNBSP}€"
    assert fr.amount(None) == "—"
    assert " " not in fr.amount(Decimal("1234567"))  # never a breakable space in an amount


def test_a_count_reads_as_babel_writes_it() -> None:
    """``number`` answers an int without babel (start-up): the same text as babel's."""
    from babel.numbers import format_decimal

    for value in [*range(-1100, 1100, 7), 12_500, 1_000_000, -98_765_432, 10**15]:
        expected = str(format_decimal(value, locale=fr.LOCALE)).replace("\xa0", NNBSP)
        assert fr.number(value) == expected


def test_plurals() -> None:
    assert fr.plural(1, "jardin") == "1 jardin"
    assert fr.plural(2, "jardin") == "2 jardins"
    assert fr.plural(0, "action") == "0 action"
    assert fr.plural(3, "journal") == "3 journaux"
    assert fr.plural(2, "fichier écrit", "fichiers écrits") == "2 fichiers écrits"


def test_journal_words_no_codes_no_doubles() -> None:
    assert fr.code("en_instruction") == "En instruction"
    assert fr.code("reserve") == "Réservé"
    assert fr.code("2026-04-15") == "15/04/2026"
    assert fr.code("45000.00", money=True) == f"45{NNBSP}000{NNBSP}€"
    assert fr.code("2026") == "2026"  # a year stays a year
    assert fr.what_changed("état", "état") == "état"
    assert fr.what_changed("avis", "avis dcs") == "avis : dcs"
    assert fr.what_changed("modification", "titre") == "modification : titre"
    assert fr.change("depose", "recevable") == "Déposé → Recevable"
    assert fr.change("", "favorable") == "Favorable"
    assert fr.person("Julien Rey", "jrey") == "Julien Rey (jrey)"
    assert fr.person("", "jrey") == "jrey"


def test_history_lines_say_each_word_once() -> None:
    assert fr.entry_text("avis", "avis", "avis dcs") == "avis : dcs"
    assert fr.entry_text("décision", "décision", "issue") == "décision : issue"
    assert fr.entry_text("dossier", "état", "état") == "dossier : état"
    assert fr.code("18000", money=True) == f"18{NNBSP}000{NNBSP}€"
