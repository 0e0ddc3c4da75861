"""The ``roadmap`` command: the TUI by default, subcommands for scripts and services.

Argument parsing only, with light imports: each command module imports what its handler
needs inside the handler, so ``--version`` and ``--help`` answer at once. Every subcommand
calls use cases. Each command module exposes ``register(subparsers)`` and sets ``handler``
(an async function of ``CommandContext``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from roadmap import __version__

# One module per capability (roadmap.cli.<name>), each adding its own subcommands; imported
# when the parser is built, so ``roadmap --version`` loads none of them.
COMMAND_MODULES = [
    "commands_core",
    "commands_start",
    "commands_admin",
    "commands_dossiers",
    "commands_graph",
    "commands_actions",
    "commands_baselines",
    "commands_exchange",
    "commands_propositions",
    "commands_web",
]

# Which module adds each subcommand: a command line builds its own module's parser alone
# (importing and building all ten cost 10 ms per command; tests/core/test_cli_imports.py
# checks this table against what the modules register).
MODULE_OF = {
    "demo": "commands_core", "whoami": "commands_core", "check": "commands_core",
    "db": "commands_core", "commencer": "commands_start", "admin": "commands_admin",
    "dossiers": "commands_dossiers", "dossier": "commands_dossiers", "graph": "commands_graph",
    "report": "commands_graph", "action": "commands_actions", "baseline": "commands_baselines",
    "decision": "commands_baselines", "export": "commands_exchange",
    "import": "commands_exchange", "propositions": "commands_propositions",
    "serve": "commands_web", "acces": "commands_web",
}  # fmt: skip


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse with French help titles and messages."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = "commandes"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        translated = (
            message.replace("the following arguments are required", "arguments obligatoires")
            .replace("invalid choice", "choix invalide")
            .replace("choose from", "choisir parmi")
            .replace("unrecognized arguments", "arguments inconnus")
            .replace("expected one argument", "une valeur est attendue")
        )
        self.exit(2, f"{self.prog} : erreur : {translated}\n")


def build_parser(module: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with the subcommands of ``module`` alone."""
    parser = FrenchArgumentParser(
        prog="roadmap",
        description="Feuille de route partagée — politique de la ville × droit commun.",
    )
    parser.add_argument(
        "--version", action="version", version=f"roadmap {__version__}", help="afficher la version"
    )
    parser.add_argument(
        "--db",
        metavar="CHEMIN_OU_URL",
        help="fichier SQLite, sqlite://CHEMIN ou postgres://utilisateur@hôte:port/base "
        "(défaut : $ROADMAP_DB, puis le dossier de données de l'utilisateur)",
    )
    parser.add_argument("--theme", metavar="NOM", help="thème de l'interface (voir themes/)")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMANDE", parser_class=FrenchArgumentParser
    )
    for name in [module] if module else COMMAND_MODULES:
        import_module(f"roadmap.cli.{name}").register(subparsers)
    return parser


def tui_options(argv: list[str]) -> argparse.Namespace | None:
    """``roadmap [--db X] [--theme Y]``: the TUI's options without building every
    subcommand's parser (start-up, issue 15); None for anything else (argparse decides)."""
    values: dict[str, str | None] = {"db": None, "theme": None}
    words = iter(argv)
    for word in words:
        name, equals, value = word.partition("=")
        if name not in ("--db", "--theme"):
            return None
        if not equals:
            value = next(words, "")
        if not value or value.startswith("-"):
            return None
        values[name[2:]] = value
    return argparse.Namespace(command=None, **values)


def command_module(argv: list[str]) -> str | None:
    """The module of the subcommand ``argv`` names after the global options (None: build
    them all, e.g. for ``--help`` or an unknown word, which argparse then explains)."""
    words = iter(argv)
    for word in words:
        if word in ("--db", "--theme"):
            next(words, None)
        elif not word.startswith(("--db=", "--theme=")):
            return None if word.startswith("-") else MODULE_OF.get(word)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["--version"]:
        print(f"roadmap {__version__}")  # what argparse would print, without building it
        return 0
    tui = tui_options(words)
    if tui is not None:
        from roadmap.cli.launch import launch_tui

        return launch_tui(tui)
    parser = build_parser(command_module(words))
    args = parser.parse_args(words)
    if args.command is None:
        from roadmap.cli.launch import launch_tui

        return launch_tui(args)
    quick = getattr(args, "quick", None)  # a command that may answer without the ORM
    if quick is not None:
        code = quick(args)
        if code is not None:
            return int(code)
    # Only now the heavy part: asyncio, tortoise, the models (``--version`` and ``--help``
    # never get here, RISKS 15; tests/core/test_cli_imports.py keeps it so).
    from roadmap.cli.runner import run

    return run(args, own_process=argv is None)  # None: the ``roadmap`` script itself
