"""Read a CSV as French spreadsheets write it, counting its lines exactly.

Encodings: UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252. Separators: ``;``,
``,`` or tab, guessed from the header row. Each record keeps its first and last physical
line, so every message names the line a person sees in their editor. An unterminated
quote, which would silently swallow the following lines into one cell, is named with
the line where it opens.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from roadmap.domain.errors import ValidationError

SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}


class CsvProblem(ValidationError):
    """The file cannot be read as a table; ``line`` is where the problem starts."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Record:
    first: int  # physical line where the record starts (1-based)
    last: int  # physical line where it ends (a quoted cell may hold line breaks)
    cells: list[str]


@dataclass
class CsvText:
    encoding: str
    delimiter: str
    lines: int  # physical lines in the file
    records: list[Record] = field(default_factory=list)  # non-empty records, header first
    blank: int = 0  # empty lines skipped


def norm(text: str) -> str:
    """Lower case, no accents, runs of spaces/quotes/hyphens/dots as one underscore."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s'’\-_.°]+", "_", plain.strip().lower()).strip("_")


_UNITS = re.compile(r"[\(\[][^\)\]]*[\)\]]|[€*:]")  # « (€) », « [en €] », « * », « : »
_UNIT_WORDS = re.compile(r"(_en)?_(euros?|eur|ttc|ht)$")


def header_text(text: str) -> str:
    """A column title without the units and marks spreadsheets add around it.

    « Montant demandé (€) », « Porteur * », « Montant sollicité en euros » → the plain
    title, so the usual spellings are found (norm of it is the lookup key).
    """
    plain = " ".join(_UNITS.sub(" ", text).split())
    while True:
        key = norm(plain)
        found = _UNIT_WORDS.search(key)
        if not found or found.start() == 0:
            return plain
        plain = " ".join(plain.split()[: -found.group(0).count("_")])


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding name; raise a ValidationError when the bytes fit no known encoding."""
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError as exc:
            raise ValidationError(f"UTF-8 invalide (octet {exc.start})", field="fichier") from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "UTF-16"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"encodage non reconnu (ni UTF-8 ni Windows-1252, octet {exc.start}) ; "
            "réenregistrez le fichier en « CSV UTF-8 »",
            field="fichier",
        ) from None


def sniff_delimiter(text: str) -> str:
    """The header row decides: it holds no amounts, so a comma there is a separator."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    outside = re.sub(r'"[^"]*"', "", header)
    for candidate in (";", "\t", ","):
        if candidate in outside:
            return candidate
    return ";"


def _swallowed(record: Record, raw_lines: list[str], delimiter: str, width: int) -> bool:
    """A record over several lines whose quote never closes, or whose multi-line cell holds
    what looks like whole rows: a quote opened by mistake ate the lines below it."""
    raw = "".join(raw_lines[record.first - 1 : record.last])
    if raw.count('"') % 2 == 1:
        return True
    needed = max(1, (width - 1) // 2)
    for cell in record.cells:
        for continuation in re.split(r"\r\n|\r|\n", cell)[1:]:
            if continuation.count(delimiter) >= needed:
                return True
    return False


def read_csv(text: str, encoding: str) -> CsvText:
    """Split ``text`` into records with their physical lines; raise CsvProblem on a quote
    that swallows lines."""
    delimiter = sniff_delimiter(text)
    raw_lines = io.StringIO(text, newline="").readlines()
    result = CsvText(encoding=encoding, delimiter=delimiter, lines=len(raw_lines))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    width = 0
    try:
        for cells in reader:
            record = Record(previous + 1, reader.line_num, cells)
            previous = reader.line_num
            if not any(c.strip() for c in cells):
                result.blank += record.last - record.first + 1
                continue
            width = width or len(cells)
            if record.last > record.first and _swallowed(record, raw_lines, delimiter, width):
                raise CsvProblem(
                    record.first,
                    f"guillemet ouvert ligne {record.first} et jamais refermé : les lignes "
                    f"{record.first} à {record.last} ont été lues comme une seule cellule ; "
                    'fermez le guillemet (") ou retirez-le, puis réimportez',
                )
            result.records.append(record)
    except csv.Error as exc:
        raise CsvProblem(reader.line_num, f"CSV illisible ({exc})") from None
    return result
