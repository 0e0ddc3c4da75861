"""Layered user settings: defaults → user config file → environment → command-line flags.

The file is ``settings.toml`` in the per-user config folder (platformdirs). Only the
theme lives there today; it is written back when the user changes it in the app.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

DEFAULT_THEME = "dsfr"
SETTINGS_FILE = "settings.toml"
THEMES_FOLDER = "themes"
MAX_SETTINGS_BYTES = 64 * 1024  # a settings file is a few lines; refuse anything absurd


def user_config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path("roadmap", appauthor=False)


@dataclass(frozen=True)
class Settings:
    """What the TUI needs to start; built by :func:`load_settings`."""

    theme: str = DEFAULT_THEME
    config_dir: Path = field(default_factory=user_config_dir)
    # A fixed "today" for demos, snapshots and benchmarks; None means the real date.
    today: date | None = None
    # Seconds between two checks for changes made by other users (0: never).
    refresh_seconds: float = 2.0
    # Problems found while reading the layers, shown to the user once the app runs.
    warnings: tuple[str, ...] = ()
    # Show « Premiers pas » until the user has seen it once (off in tests and benchmarks).
    first_steps: bool = True

    @property
    def settings_path(self) -> Path:
        return self.config_dir / SETTINGS_FILE

    @property
    def user_themes_dir(self) -> Path:
        return self.config_dir / THEMES_FOLDER

    def current_date(self) -> date:
        return self.today or date.today()


def _read_settings_file(path: Path) -> tuple[dict[str, Any], str | None]:
    try:
        if path.stat().st_size > MAX_SETTINGS_BYTES:
            return {}, f"{path} est trop gros pour un fichier de réglages ; ignoré"
        text = path.read_bytes().decode("utf-8")
        return tomllib.loads(text), None
    except FileNotFoundError:
        return {}, None
    except tomllib.TOMLDecodeError as exc:
        from roadmap.exchange.toml_errors import french_toml_error

        where = french_toml_error(exc, text, str(path))
        return {}, f"réglages illisibles : {where} ; valeurs par défaut utilisées"
    except (OSError, RecursionError, UnicodeDecodeError) as exc:
        return {}, f"réglages illisibles dans {path} ({exc}) ; valeurs par défaut utilisées"


def load_settings(
    *,
    theme: str | None = None,
    config_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    today: date | None = None,
) -> Settings:
    """Merge the layers; ``theme`` is the ``--theme`` flag (highest priority)."""
    env = os.environ if environ is None else environ
    settings = Settings(config_dir=config_dir or user_config_dir(), today=today)
    warnings: list[str] = []

    data, problem = _read_settings_file(settings.settings_path)
    if problem:
        warnings.append(problem)
    file_theme = data.get("theme")
    if isinstance(file_theme, str) and file_theme.strip():
        settings = replace(settings, theme=file_theme.strip())
    elif file_theme is not None:
        warnings.append(f"{settings.settings_path} : « theme » doit être un texte ; ignoré")

    if env.get("ROADMAP_THEME", "").strip():
        settings = replace(settings, theme=env["ROADMAP_THEME"].strip())
    if theme and theme.strip():
        settings = replace(settings, theme=theme.strip())
    return replace(settings, warnings=tuple(warnings))


def save_theme(settings: Settings, theme: str) -> str | None:
    """Persist the chosen theme in the user's settings file; return a problem or None.

    Other keys of the file are kept; the write is atomic so a crash never leaves half a file.
    """
    import tomli_w

    path = settings.settings_path
    data, problem = _read_settings_file(path)
    if problem:
        data = {}
    data["theme"] = theme
    temp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temp.open("wb") as handle:
            tomli_w.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except (OSError, TypeError, ValueError) as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        return f"impossible d'enregistrer le thème dans {path} : {exc}"
    return None
