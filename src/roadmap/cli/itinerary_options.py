"""Options of the commands that move dates: why, its nature, and what the dependents do.

``roadmap action dates``, ``roadmap import`` and ``roadmap propositions accepter`` ask
what the « Ajuster l'itinéraire » form asks; each words the help for its own case.
"""

from __future__ import annotations

import argparse

NATURES = ["contrainte", "opportunite"]


def add_reason(parser: argparse.ArgumentParser, *, motif: str, nature: str) -> None:
    """--motif and --nature (both optional to argparse: the use case names what is missing)."""
    parser.add_argument("--motif", default="", metavar="TEXTE", help=motif)
    parser.add_argument("--nature", choices=NATURES, default="", help=nature)


def add_dependents_choice(parser: argparse.ArgumentParser, *, decaler: str, garder: str) -> None:
    """--decaler or --garder, not both; neither: a contradicted dependent is refused."""
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--decaler", action="store_true", help=decaler)
    choice.add_argument("--garder", action="store_true", help=garder)


def shift_dependents(args: argparse.Namespace) -> bool | None:
    """True: shift the dependents; False: keep their dates; None: not chosen."""
    return True if args.decaler else False if args.garder else None
