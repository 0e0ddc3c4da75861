"""The web server of ``roadmap serve``: login, sessions, and one application process each.

textual-serve (pinned) provides the browser client and the process protocol; this module
adds what it lacks: a login, signed session cookies, limits, and the person's identity,
which the server hands to each process through its environment, never from the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import textual_serve
from aiohttp import BodyPartReader, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from roadmap.exchange import drop
from roadmap.storage.location import DatabaseLocation
from roadmap.web import pages
from roadmap.web.security import COOKIE_NAME, AttemptLimiter, Session, SessionStore

log = logging.getLogger("roadmap.web")
STATIC = Path(textual_serve.__file__).parent / "static"
STOP_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class ServeSettings:
    location: DatabaseLocation
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    max_sessions: int = 20
    idle_minutes: float = 30.0
    login_attempts: int = 5
    address_attempts: int = 20
    attempts_window_minutes: float = 15.0
    exports_dir: Path = Path("exports-web")
    drop_dir: Path = Path("depots-web")
    max_upload_bytes: int = drop.MAX_BYTES

    @property
    def url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def secure(self) -> bool:
        return self.url.startswith("https://")


def identity_environment(
    location: DatabaseLocation, login: str, drop_dir: Path | None = None
) -> dict[str, str]:
    """What tells a session's process who it acts for, and that it serves a browser: set
    by the server alone.

    SQLite: ROADMAP_USER, honoured because the server runs as the database file's owner.
    PostgreSQL: the server's role switches to the person's role at connection (``role``
    setting), which PostgreSQL grants only if the server's role was given that role.
    ROADMAP_WEB_DEPOT: the drop folders; its presence makes the process a web session,
    where no form takes a server path (roadmap.exchange.drop).
    """
    identity = {"ROADMAP_USER": login} if location.is_sqlite else {"ROADMAP_DB_ROLE": login}
    identity[drop.ENV] = str((drop_dir or Path("depots-web")).resolve())
    return identity


class PersonAppService(AppService):
    """One application process acting as one person (identity from the server)."""

    def __init__(self, command: str, *, identity: dict[str, str], **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self._identity = identity

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        for name in ("ROADMAP_USER", "ROADMAP_DB_ROLE", drop.ENV):
            environment.pop(name, None)
        environment.update(self._identity)
        return environment

    @property
    def pid(self) -> int | None:
        process = self._process  # textual-serve 1.1.3 keeps it there
        return process.pid if process is not None else None

    async def stop_within(self, seconds: float) -> None:
        """Ask the app to quit; kill it if it has not after ``seconds``."""
        try:
            await asyncio.wait_for(self.stop(), seconds)
        except (TimeoutError, ConnectionError, RuntimeError):
            pass
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(process.wait(), seconds)


def app_command(location: DatabaseLocation) -> str:
    target = str(location.path) if location.is_sqlite else location.url
    return shlex.join([sys.executable, "-m", "roadmap", "--db", target])


class WebServer:
    """Routes and state of one ``roadmap serve``; the use cases come in as functions."""

    def __init__(self, settings: ServeSettings, *, services: Any) -> None:
        self.settings = settings
        self.services = services  # roadmap.web.bridge: the use cases this server calls
        self.sessions = SessionStore(idle_seconds=settings.idle_minutes * 60)
        window = settings.attempts_window_minutes * 60
        self.by_login = AttemptLimiter(settings.login_attempts, window)
        self.by_address = AttemptLimiter(settings.address_attempts, window)
        self.download_manager = DownloadManager()
        self.running: dict[str, list[PersonAppService]] = {}
        self.command = app_command(settings.location)
        self._reaper: asyncio.Task[None] | None = None

    # --- application ----------------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._headers])
        app.add_routes(
            [
                web.get("/", self.index),
                web.get("/connexion", self.login_form),
                web.post("/connexion", self.login),
                web.post("/deconnexion", self.logout),
                web.get("/invitation/{token}", self.invitation_form),
                web.post("/invitation/{token}", self.invitation),
                web.get("/ws", self.websocket),
                web.get("/fichiers", self.files),
                web.get("/fichiers/{name}", self.file),
                web.post("/renvoi", self.upload),
                web.get("/download/{key}", self.download),
                web.static("/static", STATIC),
            ]
        )
        app.on_startup.append(self._start_reaper)
        app.on_shutdown.append(self._shutdown)
        return app

    @web.middleware
    async def _headers(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # --- sessions -------------------------------------------------------------------------

    def _address(self, request: web.Request) -> str:
        return request.remote or "inconnue"

    def _session(self, request: web.Request) -> Session | None:
        session = self.sessions.get(request.cookies.get(COOKIE_NAME))
        if session is not None:
            self.sessions.touch(session)
        return session

    def _set_cookie(self, response: web.StreamResponse, value: str) -> None:
        response.set_cookie(
            COOKIE_NAME,
            value,
            httponly=True,
            samesite="Strict",
            secure=self.settings.secure,
            path="/",
        )

    async def _end(self, session: Session, operation: str, detail: str = "") -> None:
        self.sessions.close(session)
        for service in self.running.pop(session.token, []):
            await service.stop_within(STOP_GRACE_SECONDS)
        await self.services.record_event(session.login, operation, session.address, detail)

    async def _start_reaper(self, app: web.Application) -> None:
        self._reaper = asyncio.create_task(self._reap_idle())

    async def _reap_idle(self) -> None:
        while True:
            await asyncio.sleep(min(15.0, self.sessions.idle_seconds / 2))
            for session in self.sessions.idle_sessions():
                await self._end(session, "expiration", "session inactive")

    async def _shutdown(self, app: web.Application) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        for services in list(self.running.values()):
            for service in services:
                await service.stop_within(STOP_GRACE_SECONDS)
        self.running.clear()

    def process_count(self) -> int:
        return sum(len(s) for s in self.running.values())

    # --- pages ----------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        if session is None:
            raise web.HTTPFound("/connexion")
        ws_url = self.settings.url.replace("http", "ws", 1) + "/ws"
        return web.Response(
            text=pages.app_page(websocket_url=ws_url, login=session.login),
            content_type="text/html",
        )

    async def login_form(self, request: web.Request) -> web.Response:
        info = "Vous êtes déconnecté." if request.query.get("fin") else ""
        return _html(pages.login_page(info=info))

    async def login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        login = str(form.get("identifiant", "")).strip()[:100]
        password = str(form.get("mot_de_passe", ""))
        address = self._address(request)
        wait = max(self.by_login.blocked_for(login), self.by_address.blocked_for(address))
        if wait > 0:
            await self.services.record_event(login, "refus", address, "trop de tentatives")
            minutes = max(1, round(wait / 60))
            return _html(
                pages.login_page(
                    error=f"Trop de tentatives échouées : réessayez dans {minutes} min.",
                    login=login,
                ),
                status=429,
            )
        if not login or not await self.services.check_password(login, password):
            self.by_login.fail(login)
            self.by_address.fail(address)
            await self.services.record_event(login, "échec", address, "mot de passe refusé")
            return _html(
                pages.login_page(error="Identifiant ou mot de passe incorrect.", login=login),
                status=401,
            )
        self.by_login.succeed(login)
        _, cookie = self.sessions.open(login, address)
        await self.services.record_event(login, "connexion", address, "")
        response = web.HTTPFound("/")
        self._set_cookie(response, cookie)
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        if session is not None:
            await self._end(session, "déconnexion")
        response = web.HTTPFound("/connexion?fin=1")
        response.del_cookie(COOKIE_NAME, path="/")
        return response

    async def invitation_form(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        login = await self.services.invitation_login(token)
        if login is None:
            return _html(_expired_invitation(), status=404)
        return _html(pages.invitation_page(token, login))

    async def invitation(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        login = await self.services.invitation_login(token)
        if login is None:
            return _html(_expired_invitation(), status=404)
        form = await request.post()
        password = str(form.get("mot_de_passe", ""))
        if password != str(form.get("confirmation", "")):
            return _html(
                pages.invitation_page(token, login, error="Les deux saisies diffèrent."), status=400
            )
        try:
            await self.services.accept_invitation(token, password)
        except self.services.RoadmapError as exc:
            return _html(pages.invitation_page(token, login, error=str(exc)), status=400)
        return _html(
            pages.login_page(info="Mot de passe enregistré : connectez-vous.", login=login)
        )

    async def files(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            raise web.HTTPFound("/connexion")
        service, paths = await self.services.service_files(session.login, self.settings.exports_dir)
        links = [(f"/fichiers/{p.name}", p.name) for p in paths]
        response = _html(self._files_page(session, service, links))
        # Browsers then send this page's origin with its upload form (no-referrer sends none).
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    def _files_page(
        self,
        session: Session,
        service: str,
        links: list[tuple[str, str]],
        *,
        error: str = "",
        info: str = "",
    ) -> str:
        root = self.settings.drop_dir.resolve()
        mine = [d.label for d in drop.deposits(root, session.login)]
        mine += [f"{d.name} — reçu par le trinôme" for d in drop.received(root, session.login)]
        return pages.files_page(
            session.login,
            service or "(aucun)",
            links,
            csrf=self.sessions.form_token(session),
            deposits=mine,
            max_kb=self.settings.max_upload_bytes // 1024,
            error=error,
            info=info,
        )

    async def upload(self, request: web.Request) -> web.StreamResponse:
        """« Renvoyer un fichier »: a returned service file kept in the person's drop folder
        (checked as the CLI would check it), for the trinôme to receive in the application."""
        session = self._session(request)
        if session is None:
            raise web.HTTPFound("/connexion")
        # A foreign origin is refused; "null" or none (a client that sends no Origin) is
        # not proof of anything: the form token and the SameSite cookie decide then.
        origin = request.headers.get("Origin", "")
        if origin not in ("", "null") and origin.rstrip("/") != self.settings.url:
            raise web.HTTPForbidden(text="origine refusée")
        limit = self.settings.max_upload_bytes
        if (request.content_length or 0) > limit + 64 * 1024:
            return await self._refuse_upload(
                session, "", f"fichier trop gros ({limit // 1024} Ko au plus)", 413
            )
        try:
            token, filename, data = await _read_upload(request, limit)
        except ValueError as exc:
            status = 413 if "trop gros" in str(exc) else 400
            return await self._refuse_upload(session, "", str(exc), status)
        if not self.sessions.check_form_token(session, token):
            raise web.HTTPForbidden(text="formulaire expiré ou d'une autre origine")
        try:
            name = drop.upload_name(filename)
            text = drop.check_toml(data, max_bytes=limit)
            code = await self.services.check_deposit(session.login, name, text)
            folder = drop.person_folder(self.settings.drop_dir.resolve(), session.login)
            drop.store(folder, name, data)
        except self.services.RoadmapError as exc:
            status = 413 if "trop gros" in str(exc) else 403 if _denied(exc) else 400
            return await self._refuse_upload(session, filename, str(exc), status)
        await self.services.record_event(
            session.login, "dépôt", session.address, f"{name} (service {code})"
        )
        service, paths = await self.services.service_files(
            session.login, self.settings.exports_dir, refresh=False
        )
        links = [(f"/fichiers/{p.name}", p.name) for p in paths]
        info = (
            f"{name} déposé : le trinôme le reçoit dans l'application (Propositions, touche f) "
            "et décide de chaque modification."
        )
        response = _html(self._files_page(session, service, links, info=info))
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    async def _refuse_upload(
        self, session: Session, filename: str, message: str, status: int
    ) -> web.Response:
        detail = f"{filename[:80]} : {message}" if filename else message
        await self.services.record_event(
            session.login, "dépôt refusé", session.address, detail[:300]
        )
        service, paths = await self.services.service_files(
            session.login, self.settings.exports_dir, refresh=False
        )
        links = [(f"/fichiers/{p.name}", p.name) for p in paths]
        response = _html(self._files_page(session, service, links, error=message), status=status)
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    async def file(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        if session is None:
            raise web.HTTPFound("/connexion")
        _, paths = await self.services.service_files(
            session.login, self.settings.exports_dir, refresh=False
        )
        wanted = request.match_info["name"]
        for path in paths:
            if path.name == wanted:
                await self.services.record_event(
                    session.login, "téléchargement", session.address, wanted
                )
                return web.FileResponse(
                    path, headers={"Content-Disposition": f'attachment; filename="{wanted}"'}
                )
        raise web.HTTPNotFound(text="Fichier introuvable pour votre service.")

    async def download(self, request: web.Request) -> web.StreamResponse:
        """Files an application process delivers (textual-serve's protocol), session only."""
        if self._session(request) is None:
            raise web.HTTPForbidden()
        key = request.match_info["key"]
        try:
            meta = await self.download_manager.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound() from None
        response = web.StreamResponse()
        response.headers["Content-Type"] = meta.mime_type
        response.headers["Content-Disposition"] = f'attachment; filename="{meta.file_name}"'
        await response.prepare(request)
        async for chunk in self.download_manager.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response

    # --- the application process ----------------------------------------------------------

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        if session is None:
            raise web.HTTPForbidden(text="connexion requise")
        origin = request.headers.get("Origin", "")
        if origin and origin.rstrip("/") != self.settings.url:
            raise web.HTTPForbidden(text="origine refusée")
        if self.process_count() >= self.settings.max_sessions:
            raise web.HTTPServiceUnavailable(text="trop de sessions ouvertes ; réessayez plus tard")
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        width = _to_int(request.query.get("width"), 80)
        height = _to_int(request.query.get("height"), 24)
        service = PersonAppService(
            self.command,
            identity=identity_environment(
                self.settings.location, session.login, self.settings.drop_dir
            ),
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        self.running.setdefault(session.token, []).append(service)
        try:
            await service.start(width, height)
            await self._relay(websocket, service, session)
        except asyncio.CancelledError:
            pass
        except Exception:  # a broken browser connection must not take the server down
            log.exception("session web interrompue")
        finally:
            await service.stop_within(STOP_GRACE_SECONDS)
            services = self.running.get(session.token, [])
            if service in services:
                services.remove(service)
            with contextlib.suppress(Exception):
                await websocket.close()
        return websocket

    async def _relay(
        self, websocket: web.WebSocketResponse, service: AppService, session: Session
    ) -> None:
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            envelope = message.json()
            if not isinstance(envelope, list) or not envelope:
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if self.sessions.get_token(session.token) is None:
                break  # logged out or expired meanwhile
            if kind == "stdin" and isinstance(data, str):
                self.sessions.touch(session)
                await service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await service.set_terminal_size(
                    _to_int(data.get("width"), 80), _to_int(data.get("height"), 24)
                )
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()


async def _read_upload(request: web.Request, limit: int) -> tuple[str, str, bytes]:
    """The form token, the file's name and bytes of a multipart upload, read with a cap."""
    token, filename, data = "", "", b""
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError):
        raise ValueError("envoi attendu en multipart/form-data") from None
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "jeton":
            token = (await part.read(decode=False))[:200].decode("utf-8", "replace")
        elif part.name == "fichier":
            filename = part.filename or ""
            chunks, size = [], 0
            while chunk := await part.read_chunk(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise ValueError(f"fichier trop gros ({limit // 1024} Ko au plus)")
                chunks.append(chunk)
            data = b"".join(chunks)
    if not filename:
        raise ValueError("choisissez le fichier .toml à renvoyer")
    return token, filename, data


def _denied(exc: Exception) -> bool:
    return type(exc).__name__ == "PermissionDenied"


def _to_int(value: object, default: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return min(max(number, 10), 1000)


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html")


def _expired_invitation() -> str:
    return pages.message_page(
        "Invitation invalide",
        "Ce lien d'invitation est inconnu, déjà utilisé ou expiré : demandez-en un nouveau "
        "à l'administrateur.",
        link=("/connexion", "Page de connexion"),
    )
