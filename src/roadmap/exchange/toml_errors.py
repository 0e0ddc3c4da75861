"""tomllib's English parse errors, said in French with the line, column and key (RISKS 14).

The parser stops at the first error and says only where; the line itself usually tells
what the person meant (``2026-01``, ``25 000,00``), so the message answers that.
"""

from __future__ import annotations

import re
import tomllib

from roadmap.exchange.locate import _HEADER, _KEY, _parts

_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")
_QUOTED = re.compile(r"'(.*)'|\"(.*)\"")

# (English start, French) — the start is stable across Python versions; what follows is data.
_MESSAGES: tuple[tuple[str, str], ...] = (
    (
        "Expected newline or end of document after a statement",
        "fin de ligne attendue après la valeur",
    ),
    ("Unterminated string", "texte non refermé : guillemet fermant attendu"),
    (
        "Cannot overwrite a value",
        "clé déjà définie plus haut (une valeur ne peut pas être redéfinie)",
    ),
    ("Cannot declare", "table déclarée deux fois"),
    ("Unclosed array", "liste non refermée : « ] » attendu"),
    ("Unclosed inline table", "table en ligne non refermée : « } » attendu"),
    (
        "Expected ']' at the end of a table declaration",
        "« ] » attendu à la fin de l'en-tête de table",
    ),
    ("Expected ']]' at the end of an array declaration", "« ]] » attendu à la fin de l'en-tête"),
    ("Invalid statement", "ligne invalide : attendu « clé = valeur » ou un en-tête [table]"),
    ("Expected '=' after a key", "« = » attendu après la clé"),
    (
        "Unescaped '\\'",
        "« \\ » seul dans un texte : écrivez « \\\\ » ou utilisez des guillemets simples",
    ),
    (
        "Invalid value",
        "valeur invalide : attendu un texte entre guillemets, un nombre, une date AAAA-MM-JJ, "
        "true ou false, une liste [ ] ou une table { }",
    ),
    ("Invalid date or datetime", "date invalide : attendu AAAA-MM-JJ (ex. 2026-01-15)"),
    ("Invalid hex value", "séquence \\u ou \\U invalide"),
    ("Escaped character is not a Unicode scalar value", "caractère échappé invalide"),
    (
        "Invalid initial character for a key part",
        "clé invalide : lettres, chiffres, _ et - ou un texte entre guillemets",
    ),
    ("Found invalid character", "caractère inattendu"),
    ("Illegal character", "caractère interdit"),
    (
        "Cannot mutate immutable namespace",
        "table en ligne ou valeur : elle ne peut pas être complétée plus bas",
    ),
    ("Cannot redefine namespace", "table redéfinie"),
    ("Duplicate inline table key", "clé en double dans la table en ligne"),
    (
        "An object other than list found behind this key",
        "cette clé désigne déjà autre chose qu'une liste de tables",
    ),
    ("There is no nest behind this key", "cette clé désigne déjà une valeur"),
    ("Expected", "caractère attendu manquant"),
)
_CHAR_NAMES = {"\n": "retour à la ligne", "\t": "tabulation", "\r": "retour chariot"}

# What people write by hand in place of a TOML value, and what to write instead.
_MONTH_ONLY = re.compile(r"^\d{4}-\d{1,2}$")
_BAD_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_FRENCH_NUMBER = re.compile(r"^-?\d[\d  \u202f]*([,.]\d+)?\s*€?$")


def _reason(message: str) -> str:
    for english, french in _MESSAGES:
        if message.startswith(english):
            quoted = _QUOTED.search(message[len(english) :])
            if english in ("Illegal character", "Found invalid character") and quoted:
                char = quoted.group(1) or quoted.group(2) or ""
                char = char.encode().decode("unicode_escape") if "\\" in char else char
                if char == "\n":
                    return "texte non refermé : guillemet fermant attendu avant la fin de la ligne"
                shown = _CHAR_NAMES.get(
                    char, f"« {char} »" if char.isprintable() else f"U+{ord(char[:1] or ' '):04X}"
                )
                return f"{french} {shown}"
            return french
    return "syntaxe TOML invalide"


def key_path_at(text: str, line: int) -> str:
    """The key path (``feuille_de_route.jalons[2].date_prevue``) of ``line``, best effort."""
    lines = text.splitlines()
    prefix = ""
    counts: dict[str, int] = {}
    last_index: dict[str, str] = {}
    for raw in lines[: max(line - 1, 0)]:
        header = _HEADER.match(raw)
        if header and not _KEY.match(raw):
            parts = _parts(header.group(2))
            resolved = ""
            for part in parts:
                resolved = f"{resolved}.{part}" if resolved else part
                resolved = last_index.get(resolved, resolved)
            if header.group(1) == "[[":
                base = resolved.rsplit("[", 1)[0] if resolved.endswith("]") else resolved
                counts[base] = counts.get(base, 0) + 1
                resolved = f"{base}[{counts[base] - 1}]"
                last_index[base] = resolved
            prefix = resolved
    key = _KEY.match(lines[line - 1]) if 0 < line <= len(lines) else None
    if key is None:
        return prefix
    name = key.group(1).strip('"')
    return f"{prefix}.{name}" if prefix else name


def _hint(text: str, line: int) -> str | None:
    """A French explanation when the value on ``line`` is a typical hand-written mistake."""
    lines = text.splitlines()
    key = _KEY.match(lines[line - 1]) if 0 < line <= len(lines) else None
    if key is None:
        return None
    value = key.group(2).split("#", 1)[0].strip()
    if _MONTH_ONLY.match(value):
        return (
            f"date incomplète « {value} » : le jour manque ; attendu une date complète "
            f"AAAA-MM-JJ, ex. {value[:4]}-{int(value[5:]):02d}-01"
        )
    if _BAD_DATE.match(value):
        return f"date impossible « {value} » : attendu une date réelle AAAA-MM-JJ, ex. 2026-01-15"
    if _FRENCH_NUMBER.match(value) and not re.fullmatch(r"-?\d+(\.\d+)?", value):
        return (
            f"nombre « {value} » illisible en TOML : écrivez-le entre guillemets "
            f'("{value}") ou sans espace avec un point décimal, ex. 25000.50'
        )
    return None


def french_toml_error(exc: tomllib.TOMLDecodeError, text: str, name: str) -> str:
    """``fichier.toml:12 : cle.chemin : TOML invalide (colonne 9) : explication``."""
    message = str(exc)
    found = _AT.search(message)
    english = _AT.sub("", message)
    if found is None or found.group(1) is None:
        return f"{name} : TOML invalide (fin du fichier) : {_reason(english)}"
    line, column = int(found.group(1)), int(found.group(2))
    path = key_path_at(text, line)
    where = f"{name}:{line} : {path} : " if path else f"{name}:{line} : "
    explained = _hint(text, line) or _reason(english)
    return f"{where}TOML invalide (colonne {column}) : {explained}"
