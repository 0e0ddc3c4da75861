"""Web subcommands: ``roadmap serve`` and ``roadmap acces`` (passwords, invitations)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from roadmap.cli.runner import EXIT_OK, EXIT_USAGE, CommandContext, fail

DEFAULT_PORT = 8000


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="servir l'application dans un navigateur, avec connexion",
        description="Sert la même application dans le navigateur (textual-serve), derrière "
        "une page de connexion. Réservé à un administrateur de la base. Déploiement : "
        "docs/serve.md.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (défaut : 8000)")
    serve.add_argument(
        "--public-url",
        metavar="URL",
        default="",
        help="adresse publique vue des navigateurs (https://… derrière un proxy TLS)",
    )
    serve.add_argument(
        "--max-sessions",
        type=int,
        default=20,
        metavar="N",
        help="sessions d'application ouvertes en même temps (défaut : 20)",
    )
    serve.add_argument(
        "--inactivite",
        type=float,
        default=30.0,
        metavar="MINUTES",
        help="déconnexion après ce temps sans activité (défaut : 30)",
    )
    serve.add_argument(
        "--exports",
        type=Path,
        default=None,
        metavar="DOSSIER",
        help="dossier des fichiers proposés au téléchargement",
    )
    serve.add_argument(
        "--depots",
        type=Path,
        default=None,
        metavar="DOSSIER",
        help="dossier des fichiers renvoyés par le navigateur (un sous-dossier par personne)",
    )
    serve.set_defaults(handler=_serve)

    acces = subparsers.add_parser("acces", help="accès par le navigateur (mots de passe)")
    acces_sub = acces.add_subparsers(dest="acces_command", metavar="ACTION", required=True)
    password = acces_sub.add_parser(
        "mot-de-passe", help="définir le mot de passe d'une personne (administrateur)"
    )
    password.add_argument("login", metavar="IDENTIFIANT")
    password.add_argument(
        "--stdin", action="store_true", help="lire le mot de passe sur l'entrée standard (scripts)"
    )
    password.set_defaults(handler=_set_password)
    invitation = acces_sub.add_parser(
        "invitation", help="lien à usage unique pour qu'une personne choisisse son mot de passe"
    )
    invitation.add_argument("login", metavar="IDENTIFIANT")
    invitation.add_argument("--jours", type=int, default=7, help="validité (défaut : 7 jours)")
    invitation.add_argument(
        "--public-url",
        metavar="URL",
        default="",
        help=f"adresse du serveur (défaut : http://127.0.0.1:{DEFAULT_PORT})",
    )
    invitation.set_defaults(handler=_invite)


def _read_password(args: argparse.Namespace) -> str | None:
    if args.stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        fail("pas de terminal pour saisir le mot de passe : utilisez --stdin")
        return None
    first = getpass.getpass("Mot de passe : ")
    if first != getpass.getpass("Confirmation : "):
        fail("les deux saisies diffèrent ; rien n'a été enregistré")
        return None
    return first


async def _set_password(ctx: CommandContext) -> int:
    from roadmap.usecases.admin import require_administrator
    from roadmap.usecases.web_access import set_password

    # Refused before asking for the password (the use case checks again when saving).
    await require_administrator(ctx.actor, "définir le mot de passe d'une personne")
    password = _read_password(ctx.args)
    if password is None:
        return EXIT_USAGE
    await set_password(ctx.actor, ctx.args.login, password)
    print(f"Mot de passe de {ctx.args.login} enregistré.")
    return EXIT_OK


async def _invite(ctx: CommandContext) -> int:
    from roadmap.usecases.web_access import invite

    token = await invite(ctx.actor, ctx.args.login, days=ctx.args.jours)
    base = (ctx.args.public_url or f"http://127.0.0.1:{DEFAULT_PORT}").rstrip("/")
    print(f"Lien à transmettre à {ctx.args.login} (usage unique, {ctx.args.jours} jours) :")
    print(f"{base}/invitation/{token}")
    return EXIT_OK


async def _serve(ctx: CommandContext) -> int:
    from roadmap.usecases.admin import require_administrator
    from roadmap.web.run import serve_until_stopped
    from roadmap.web.server import ServeSettings

    await require_administrator(ctx.actor, "servir l'application dans un navigateur")
    args = ctx.args
    if not 0 < args.port < 65536:
        fail("--port : un nombre entre 1 et 65535 est attendu")
        return EXIT_USAGE
    if args.max_sessions < 1 or args.inactivite <= 0:
        fail("--max-sessions et --inactivite : des nombres positifs sont attendus")
        return EXIT_USAGE
    exports_dir = args.exports or _default_exports_dir()
    settings = ServeSettings(
        location=ctx.db.location,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        max_sessions=args.max_sessions,
        idle_minutes=args.inactivite,
        exports_dir=exports_dir,
        drop_dir=(args.depots or _default_exports_dir().with_name("serve-depots")).resolve(),
    )
    return await serve_until_stopped(settings, ctx.actor)


def _default_exports_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("roadmap") / "serve-exports"
