"""Run the web server in the command's task (the database stays open in this task)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from aiohttp import web

from roadmap.usecases.identity import Actor
from roadmap.web import bridge
from roadmap.web.server import ServeSettings, WebServer

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def warnings_for(settings: ServeSettings) -> list[str]:
    """What an administrator must hear before exposing the server."""
    if settings.host in LOCAL_HOSTS or settings.secure:
        return []
    return [
        f"ATTENTION : écoute sur {settings.host} sans TLS : mots de passe et sessions "
        "circulent en clair. Placez le serveur derrière un proxy HTTPS et donnez "
        "--public-url https://… (docs/serve.md)."
    ]


async def serve_until_stopped(settings: ServeSettings, administrator: Actor) -> int:
    server = WebServer(settings, services=bridge.Bridge(administrator))
    runner = web.AppRunner(server.make_app(), access_log=None)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as exc:
            print(
                f"roadmap : impossible d'écouter sur {settings.host}:{settings.port} "
                f"({exc.strerror or exc})",
                file=sys.stderr,
            )
            return 4
        for line in warnings_for(settings):
            print(line, file=sys.stderr)
        print(
            f"Feuille de route partagée servie sur {settings.url} (Ctrl+C pour arrêter)", flush=True
        )
        await stop.wait()
    finally:
        await runner.cleanup()
    return 0
