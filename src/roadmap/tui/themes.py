"""Theme files (TOML) validated into ``textual.theme.Theme``.

The shipped themes live in the package (``roadmap/themes/*.toml``) so that a plain
``pip install`` finds them; a user may drop more files in ``<config dir>/themes/``.
A file that cannot be read or validated is skipped with a French message, never a crash.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from roadmap.formatting import agree

MAX_THEME_BYTES = 64 * 1024
COLOR_KEYS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
TOP_KEYS = {"name", "label", "dark", "luminosity_spread", "text_alpha", "colors", "variables"}


class ThemeFileError(ValueError):
    """A theme file that does not follow the format; the message is French."""


@dataclass(frozen=True)
class LoadedThemes:
    themes: dict[str, Theme] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _unknown_keys(count: int) -> str:
    return agree(count, "clé inconnue", "clés inconnues")


def _color(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ThemeFileError(f'{where} : une couleur est un texte comme "#000091"')
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeFileError(f"{where} : couleur « {value} » illisible") from None
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ThemeFileError(f"{where} : nombre entre 0 et 1 attendu")
    return float(value)


def theme_from_data(data: dict[str, Any], fallback_name: str) -> tuple[Theme, str]:
    """Validate the parsed TOML of one theme; return the Theme and its French label."""
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ThemeFileError(f"{_unknown_keys(len(unknown))} : {', '.join(unknown)}")
    name = data.get("name", fallback_name)
    if not isinstance(name, str) or not name.strip() or not name.replace("-", "").isalnum():
        raise ThemeFileError("« name » : lettres, chiffres et tirets seulement")
    label = data.get("label", name)
    if not isinstance(label, str):
        raise ThemeFileError("« label » doit être un texte")
    dark = data.get("dark", False)
    if not isinstance(dark, bool):
        raise ThemeFileError("« dark » vaut true ou false")
    colors = data.get("colors", {})
    if not isinstance(colors, dict) or "primary" not in colors:
        raise ThemeFileError("la table [colors] doit au moins donner « primary »")
    unknown_colors = sorted(set(colors) - set(COLOR_KEYS))
    if unknown_colors:
        raise ThemeFileError(
            f"[colors] : {_unknown_keys(len(unknown_colors))} : {', '.join(unknown_colors)}"
        )
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        raise ThemeFileError("[variables] : des textes seulement")
    extra: dict[str, Any] = {}
    for key in ("luminosity_spread", "text_alpha"):
        if key in data:
            extra[key] = _number(data[key], f"« {key} »")
    theme = Theme(
        name=name.strip(),
        dark=dark,
        variables=dict(variables),
        **{k: _color(v, f"[colors] {k}") for k, v in colors.items()},
        **extra,
    )
    # Building the colour system catches values Textual would reject later at paint time.
    theme.to_color_system()
    return theme, label


def load_theme_file(path: Path) -> tuple[Theme, str]:
    try:
        if path.stat().st_size > MAX_THEME_BYTES:
            raise ThemeFileError("fichier trop gros pour un thème")
        text = path.read_bytes().decode("utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        from roadmap.domain.io_errors import describe_os_error

        raise ThemeFileError(f"illisible : {describe_os_error(exc)}") from None
    except UnicodeDecodeError as exc:
        raise ThemeFileError(f"illisible : pas de l'UTF-8 (octet {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        from roadmap.exchange.toml_errors import french_toml_error

        raise ThemeFileError(french_toml_error(exc, text, path.name)) from None
    except RecursionError:
        raise ThemeFileError("TOML invalide (imbrication trop profonde)") from None
    try:
        return theme_from_data(data, path.stem)
    except ThemeFileError:
        raise
    except Exception as exc:  # Theme/Color internals: any refusal is a bad file, not a crash
        raise ThemeFileError(f"valeur refusée ({exc})") from None


def packaged_theme_files() -> list[Path]:
    """The themes shipped inside the package (works for wheels and editable installs)."""
    folder = resources.files("roadmap").joinpath("themes")
    if not folder.is_dir():
        return []
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".toml"))


def user_theme_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.glob("*.toml") if p.is_file())
    except OSError:
        return []


def load_themes(files: Iterable[Path]) -> LoadedThemes:
    """Load every file in order; a later file with the same name replaces an earlier one."""
    loaded = LoadedThemes()
    for path in files:
        try:
            theme, label = load_theme_file(path)
        except ThemeFileError as exc:
            loaded.problems.append(f"thème {path.name} ignoré : {exc}")
            continue
        loaded.themes[theme.name] = theme
        loaded.labels[theme.name] = label
    return loaded
