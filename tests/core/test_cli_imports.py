"""``roadmap --version`` and ``--help`` parse their arguments before anything heavy loads.

Tortoise and the models, Textual, networkx and matplotlib cost 60 to 300 ms each to import
(RISKS 15); a command that does not need them must not pay for them (issue 15). A fresh
interpreter runs the CLI and reports which of them ended up in ``sys.modules``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("tortoise", "textual", "networkx", "matplotlib", "roadmap.models", "aiosqlite")
PROBE = """
import contextlib, io, json, sys
from roadmap.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
heavy = sorted({m for m in sys.modules for h in HEAVY if m == h or m.startswith(h + ".")})
print(json.dumps({"heavy": heavy, "out": out.getvalue()}))
""".replace("HEAVY", repr(HEAVY))


@pytest.mark.parametrize(
    "argv", [["--version"], ["--help"], ["export", "--help"], ["dossiers", "--help"]]
)
def test_light_paths_import_nothing_heavy(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout)
    assert report["out"].strip(), "the command printed nothing"
    assert report["heavy"] == []


def test_top_level_help_loads_no_command_module() -> None:
    probe = PROBE.replace(
        "heavy = sorted(",
        "heavy = sorted(m for m in sys.modules if m.startswith('roadmap.cli.commands')) or sorted(",
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "--help"], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout)
    assert "export" in report["out"] and report["heavy"] == []


def test_version_is_printed() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from roadmap.cli import main; main(['--version'])"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("roadmap ")


def test_models_write_no_field_comments_for_tortoise_to_find() -> None:
    """models/base.py skips Tortoise's ``#:`` comment search at import: none to miss."""
    folder = Path(__file__).resolve().parents[2] / "src" / "roadmap" / "models"
    comment = re.compile(r"^\s*#:", re.MULTILINE)
    assert not [p.name for p in folder.glob("*.py") if comment.search(p.read_text())]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {"db": None, "theme": None}),
        (["--db", "x.db"], {"db": "x.db", "theme": None}),
        (["--db=x.db", "--theme", "dsfr"], {"db": "x.db", "theme": "dsfr"}),
        (["--db"], None),  # argparse says what is missing
        (["--db", "--theme"], None),
        (["--help"], None),
        (["check"], None),
        (["--db", "x.db", "check"], None),
    ],
)
def test_the_tui_options_skip_the_subcommand_parsers(
    argv: list[str], expected: dict[str, str | None] | None
) -> None:
    """``roadmap [--db X] [--theme Y]`` starts the TUI without building every parser."""
    from roadmap.cli import tui_options

    found = tui_options(argv)
    assert (None if found is None else {"db": found.db, "theme": found.theme}) == expected
    if found is not None:
        assert found.command is None


TORTOISE_PROBE = """
import builtins, inspect, json, re, sys
import roadmap
from roadmap.storage import tortoise_start
import tortoise.models
from tortoise import validators
import anyio  # what another library may import: the real package
checks = {
    "deferred": isinstance(validators.validate_domain_name.regex, tortoise_start.LazyPattern),
    "finder_gone": tortoise_start._FINDER not in sys.meta_path,
    "restored": inspect.getsource.__module__ == "inspect" and re.compile.__module__ == "re"
    and builtins.__import__.__module__ == "builtins",
    "source_still_readable": "class Model" in inspect.getsource(tortoise.models.Model),
    "from_thread_deferred": "anyio.from_thread" not in sys.modules,
    "real_anyio_elsewhere": anyio.__file__.endswith("__init__.py"),
}
portal = tortoise.from_thread.start_blocking_portal  # run_async's, imported on first use
checks["from_thread_on_use"] = portal.__module__ == "anyio.from_thread"
validators.validate_domain_name("quartiers.example.fr")
try:
    validators.validate_domain_name("-pas un nom-")
    checks["bad_name_refused"] = False
except validators.ValidationError:
    checks["bad_name_refused"] = True
print(json.dumps(checks))
"""


def test_tortoise_first_import_defers_what_we_never_use() -> None:
    """storage/tortoise_start.py: the domain regex compiles on first use and still works;
    ``anyio.from_thread`` is imported when ``run_async`` would use it; the stdlib functions
    it borrows are given back, and its finder leaves."""
    done = subprocess.run(
        [sys.executable, "-c", TORTOISE_PROBE], capture_output=True, text=True, check=True
    )
    checks = json.loads(done.stdout)
    assert checks == {k: True for k in checks} and len(checks) == 8


def test_each_subcommand_is_found_in_its_module() -> None:
    """``COMMANDS`` names, for every subcommand the modules register and in their order,
    the module adding it and its one-line help."""
    from importlib import import_module

    from roadmap.cli import COMMAND_MODULES, COMMANDS, FrenchArgumentParser

    registered = []
    for name in COMMAND_MODULES:
        parser = FrenchArgumentParser(prog="roadmap")
        subparsers = parser.add_subparsers(dest="command", parser_class=FrenchArgumentParser)
        import_module(f"roadmap.cli.{name}").register(subparsers)
        registered += [(c.dest, name, c.help) for c in subparsers._choices_actions]
    assert registered == COMMANDS


def test_the_short_help_is_the_whole_parsers(capsys: pytest.CaptureFixture[str]) -> None:
    """``roadmap --help`` lists the subcommands without building them: same text."""
    from roadmap.cli import build_parser

    texts = []
    for listing in (False, True):
        with pytest.raises(SystemExit):
            build_parser(listing=listing).parse_args(["--help"])
        texts.append(capsys.readouterr().out)
    assert texts[0] == texts[1] and "propositions" in texts[1]


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        (["export", "--out", "x"], "commands_exchange"),
        (["--db", "x.db", "--theme=dsfr", "check"], "commands_core"),
        (["--db=x.db", "acces", "liste"], "commands_web"),
        (["--db", "export", "whoami"], "commands_core"),  # "export" is the base's path
        (["--help"], None),
        (["--db", "x.db", "--version", "check"], None),
        (["inconnue"], None),  # argparse lists every command
        ([], None),
    ],
)
def test_the_command_line_builds_its_module_parser_alone(
    argv: list[str], module: str | None
) -> None:
    from roadmap.cli import command_module

    assert command_module(argv) == module


def test_the_package_itself_stays_light() -> None:
    """``import roadmap`` (every command's first step) loads neither typing nor re."""
    probe = "import sys, roadmap; print(sorted({'typing', 're'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "[]"


def _every_text(parser: argparse.ArgumentParser, path: str = "roadmap") -> dict[str, str]:
    """The help and usage of ``parser`` and of every subcommand under it."""
    texts = {f"{path} help": parser.format_help(), f"{path} usage": parser.format_usage()}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                texts.update(_every_text(sub, f"{path} {name}"))
    return texts


@pytest.mark.parametrize("columns", ["40", "200"])
def test_help_texts_are_argparse_s_own_at_every_width(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FrenchArgumentParser gives argparse a fixed-width formatter where the width cannot
    matter (add_argument's metavar check, add_subparsers' prog: shutil not imported, issue
    15): every help and usage text is the one argparse's own formatter gives."""
    from roadmap.cli import FrenchArgumentParser, build_parser

    monkeypatch.setenv("COLUMNS", columns)
    ours = _every_text(build_parser())
    with monkeypatch.context() as plain:
        plain.setattr(
            FrenchArgumentParser, "_get_formatter", argparse.ArgumentParser._get_formatter
        )
        theirs = _every_text(build_parser())
    assert len(ours) > 100 and ours == theirs


def test_a_metavar_that_does_not_fit_nargs_is_still_refused() -> None:
    from roadmap.cli import FrenchArgumentParser

    with pytest.raises(ValueError, match="metavar"):
        FrenchArgumentParser(prog="roadmap").add_argument("--x", nargs=2, metavar=("A", "B", "C"))


def test_building_a_command_line_measures_no_terminal() -> None:
    probe = (
        "import sys\nfrom roadmap.cli import build_parser\n"
        "build_parser('commands_core').parse_args(['check', '--roadmap', 'x'])\n"
        "print('shutil' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
