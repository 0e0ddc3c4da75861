"""Layered settings and theme files (no app needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from roadmap.config import DEFAULT_THEME, load_settings, save_theme
from roadmap.tui.themes import (
    ThemeFileError,
    load_theme_file,
    load_themes,
    packaged_theme_files,
)

ROOT = Path(__file__).resolve().parents[2]


def test_layers_defaults_file_env_flag(tmp_path: Path) -> None:
    config = tmp_path / "config"
    assert load_settings(config_dir=config, environ={}).theme == DEFAULT_THEME
    config.mkdir()
    (config / "settings.toml").write_text('theme = "sombre"\n')
    assert load_settings(config_dir=config, environ={}).theme == "sombre"
    env = {"ROADMAP_THEME": "contraste"}
    assert load_settings(config_dir=config, environ=env).theme == "contraste"
    assert load_settings(theme="dsfr", config_dir=config, environ=env).theme == "dsfr"


def test_broken_settings_file_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("theme = [\n")
    settings = load_settings(config_dir=tmp_path, environ={})
    assert settings.theme == DEFAULT_THEME
    assert settings.warnings and "illisibles" in settings.warnings[0]


def test_save_theme_keeps_other_keys(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text('autre = 1\ntheme = "dsfr"\n')
    settings = load_settings(config_dir=tmp_path, environ={})
    assert save_theme(settings, "sombre") is None
    text = (tmp_path / "settings.toml").read_text()
    assert "autre = 1" in text and 'theme = "sombre"' in text


def test_shipped_themes_are_in_the_package_and_valid() -> None:
    files = packaged_theme_files()
    names = {p.stem for p in files}
    assert {"dsfr", "sombre", "contraste"} <= names
    loaded = load_themes(files)
    assert not loaded.problems
    dsfr = loaded.themes["dsfr"]
    assert dsfr.primary.upper() == "#000091" and dsfr.secondary.upper() == "#E1000F"
    assert not dsfr.dark and loaded.themes["sombre"].dark


def test_repository_themes_folder_is_the_package_folder() -> None:
    """``themes/`` at the root is a symlink to ``src/roadmap/themes`` (one copy, shipped)."""
    folder = ROOT / "themes"
    assert folder.is_symlink()
    assert folder.resolve() == (ROOT / "src" / "roadmap" / "themes").resolve()
    tracked = subprocess.run(
        ["git", "ls-files", "-s", "themes"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    if tracked:  # mode 120000: git stores it as a link, not a copy
        assert tracked.startswith("120000")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name = [", "TOML invalide"),
        ('name = "x"\n', "[colors]"),
        ('name = "x"\n[colors]\nprimary = "bleu?"\n', "illisible"),
        ('name = "x"\nfoo = 1\n[colors]\nprimary = "#000091"\n', "inconnue"),
        ('name = "x"\ndark = "oui"\n[colors]\nprimary = "#000091"\n', "dark"),
        ("a = " + "[" * 600 + "]" * 600, "TOML invalide"),
    ],
)
def test_bad_theme_files_are_refused_in_french(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "mauvais.toml"
    path.write_text(content)
    with pytest.raises(ThemeFileError, match=message.replace("[", r"\[")):
        load_theme_file(path)


def test_an_unreadable_theme_file_is_said_in_french(tmp_path: Path) -> None:
    with pytest.raises(ThemeFileError, match=r"fichier ou dossier introuvable \(No such"):
        load_theme_file(tmp_path / "absent.toml")
    latin = tmp_path / "latin1.toml"
    latin.write_bytes('name = "thème"\n'.encode("latin-1"))
    with pytest.raises(ThemeFileError, match="pas de l'UTF-8"):
        load_theme_file(latin)
