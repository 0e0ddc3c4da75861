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

TYPE_CHECKING = False  # not typing's: ``roadmap --version`` imports this module
if TYPE_CHECKING:
    from typing import Any

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

# Each subcommand, in the order the modules register it: the module adding it (a command
# line builds its own module's parser alone: importing and building all ten cost 10 ms per
# command) and its one-line help, so ``roadmap --help`` lists them without building any
# (35 ms, issue 15). tests/core/test_cli_imports.py checks this table against what the
# modules register, and the short help against the one the whole parser prints.
COMMANDS: list[tuple[str, str, str]] = [
    ("demo", "commands_core", "créer (ou recréer) la feuille de route de démonstration"),
    ("whoami", "commands_core", "afficher votre identité et vos rôles"),
    ("check", "commands_core", "alertes de santé (code de sortie 1 s'il y a une erreur)"),
    ("db", "commands_core", "entretien de la base de données"),
    ("commencer", "commands_start", "base neuve : créer territoire, services, votre fiche et "
     "la première feuille de route (administrateurs)"),
    ("admin", "commands_admin", "administrateurs de la base et territoires (données de "
     "référence)"),
    ("dossiers", "commands_dossiers", "dossiers de subvention de l'AAP (tableau ou CSV)"),
    ("dossier", "commands_dossiers", "un dossier de subvention : import, avis…"),
    ("graph", "commands_graph", "exporter le graphe des dépendances (GraphML, GEXF, DOT, "
     "Mermaid, SVG, PNG)"),
    ("report", "commands_graph", "rapport COPIL en Markdown (avec l'image du graphe)"),
    ("action", "commands_actions", "actions : ajuster l'itinéraire (dates, avec motif et "
     "aperçu de l'impact)"),
    ("baseline", "commands_baselines", "références COPIL : figer le plan, lister, comparer, "
     "vérifier"),
    ("decision", "commands_baselines", "relevé de décisions d'un COPIL/COTECH tenu : ajouter, "
     "lister, marquer faite"),
    ("export", "commands_exchange", "écrire les fichiers TOML des feuilles de route et des "
     "services (exports/)"),
    ("import", "commands_exchange", "restaurer ou mettre à jour une feuille de route depuis "
     "un export TOML"),
    ("propositions", "commands_propositions", "ce que les services proposent en renvoyant "
     "leur fichier (recevoir, décider)"),
    ("serve", "commands_web", "servir l'application dans un navigateur, avec connexion"),
    ("acces", "commands_web", "accès par le navigateur (mots de passe)"),
]  # fmt: skip
MODULE_OF = {name: module for name, module, _ in COMMANDS}
_HELP_ALONE = (["--help"], ["-h"])


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse with French help titles and messages."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = "commandes"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    # argparse builds a help formatter in add_argument (to check the metavar against nargs)
    # and in add_subparsers (the subcommands' prog, "roadmap" or "roadmap db"); with no width
    # given, the formatter imports shutil (with bz2 and lzma: 3 ms, issue 15) to measure the
    # terminal. Neither result depends on the width: a fixed one there; help and usage
    # texts are formatted as before (tests/core/test_cli_imports.py compares them).
    _fixed_width = False

    def _get_formatter(self) -> argparse.HelpFormatter:
        if self._fixed_width:
            return self.formatter_class(prog=self.prog, width=80)
        return super()._get_formatter()

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        self._fixed_width = True
        try:
            return super().add_argument(*args, **kwargs)
        finally:
            self._fixed_width = False

    def add_subparsers(self, **kwargs: Any) -> argparse._SubParsersAction:  # type: ignore[type-arg]
        self._fixed_width = True
        try:
            return super().add_subparsers(**kwargs)
        finally:
            self._fixed_width = False

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


def build_parser(module: str | None = None, *, listing: bool = False) -> argparse.ArgumentParser:
    """The whole parser, or with the subcommands of ``module`` alone; ``listing``: each
    subcommand named with its help only (enough for ``roadmap --help``), no module loaded."""
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
    if listing:
        for name, _, help_text in COMMANDS:
            subparsers.add_parser(name, help=help_text)
        return parser
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
    parser = build_parser(command_module(words), listing=words in _HELP_ALONE)
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
