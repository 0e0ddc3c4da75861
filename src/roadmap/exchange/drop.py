"""Web drop folders: where ``roadmap serve`` keeps the service files people send back.

A browser session's application process runs as the server's OS user: a form that took a
server path would let the person read any file that user can read. So in a web session
(the server sets ``ROADMAP_WEB_DEPOT`` in the process environment, next to the identity;
nothing the browser sends reaches it) a returned file is chosen among the deposits only,
by a name checked here, and every other path-taking door is refused.

Layout: ``<root>/<login>/<file>.toml``, one folder per person who uploaded, written by the
server alone. Names are plain (no folder, no leading dot); symlinks are never followed.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from roadmap.domain.errors import PermissionDenied, ValidationError

ENV = "ROADMAP_WEB_DEPOT"
MAX_BYTES = 2 * 1024 * 1024  # a Métropole's service file is far below this
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

WEB_REFUSAL = "dans une session web, l'application ne lit ni n'écrit aucun fichier du serveur"


def web_root() -> Path | None:
    """The drop root when this process serves a browser session (set by the server)."""
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


def refuse_in_web(door: str, alternative: str) -> str:
    """The up-front refusal of a path-taking door in a web session ('' outside one)."""
    if web_root() is None:
        return ""
    return f"{door} : {WEB_REFUSAL} ; {alternative}"


def safe_name(name: str) -> str:
    """``name`` if it is a plain file name (no folder, no ``..``, no leading dot)."""
    if not _SAFE_NAME.match(name) or ".." in name:
        raise ValidationError(
            f"« {name[:60]} » : nom de fichier refusé (lettres, chiffres, . _ - ; pas de dossier)",
            field="fichier",
        )
    return name


def person_folder(root: Path, login: str) -> Path:
    """The folder of ``login``'s deposits (the login is checked like a file name)."""
    try:
        return root / safe_name(login)
    except ValidationError:
        raise PermissionDenied(f"« {login[:60]} » : identifiant sans dépôt possible") from None


def upload_name(filename: str) -> str:
    """The name an uploaded file is kept under: its base name, checked, ``.toml``."""
    base = filename.strip()
    if "/" in base or "\\" in base:
        raise ValidationError(
            f"« {base[:60]} » : nom de fichier refusé (pas de dossier)", field="fichier"
        )
    if not base.lower().endswith(".toml"):
        raise ValidationError(
            f"« {base[:60]} » : seul un fichier .toml est accepté", field="fichier"
        )
    return safe_name(base)


def check_toml(data: bytes, *, max_bytes: int = MAX_BYTES) -> str:
    """The text of an uploaded file if it is UTF-8 TOML of acceptable size."""
    if len(data) > max_bytes:
        raise ValidationError(
            f"fichier trop gros ({len(data) // 1024} Ko ; {max_bytes // 1024} Ko au plus)",
            field="fichier",
        )
    try:
        text = data.decode("utf-8")
        tomllib.loads(text)
    except UnicodeDecodeError:
        raise ValidationError("ce n'est pas un fichier texte UTF-8", field="fichier") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"TOML invalide : {exc}", field="fichier") from None
    except RecursionError:
        raise ValidationError("TOML invalide (trop imbriqué)", field="fichier") from None
    return text


def store(folder: Path, name: str, data: bytes) -> Path:
    """Write an upload atomically into ``folder`` (created private), replacing a same name."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.is_symlink() or not folder.is_dir():
        raise PermissionDenied(f"dossier de dépôt inutilisable : {folder.name}")
    target = folder / safe_name(name)
    temporary = folder / f".{name}.{os.getpid()}.part"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


@dataclass(frozen=True)
class Deposit:
    """One file sent back through the browser: who deposited it, its name, when."""

    login: str
    name: str
    path: Path
    size: int
    at: datetime

    @property
    def key(self) -> str:
        return f"{self.login}/{self.name}"

    @property
    def label(self) -> str:
        return f"{self.name} — déposé par {self.login} le {self.at:%d/%m/%Y %H:%M} UTC"


def _regular(path: Path) -> os.stat_result | None:
    try:
        info = path.lstat()
    except OSError:
        return None
    return info if stat.S_ISREG(info.st_mode) else None  # a symlink is not regular


def deposits(root: Path, login: str | None = None) -> list[Deposit]:
    """The deposits under ``root`` (of ``login`` only when given), newest first."""
    found = []
    try:
        folders = [person_folder(root, login)] if login else sorted(root.iterdir())
    except (OSError, PermissionDenied):
        return []
    for folder in folders:
        if folder.is_symlink() or not folder.is_dir() or not _SAFE_NAME.match(folder.name):
            continue
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            info = _regular(entry)
            if info is None or not _SAFE_NAME.match(entry.name) or entry.suffix != ".toml":
                continue
            moment = datetime.fromtimestamp(info.st_mtime, UTC)
            found.append(Deposit(folder.name, entry.name, entry, info.st_size, moment))
    return sorted(found, key=lambda d: (-d.at.timestamp(), d.key))


def roadmaps_of(path: Path) -> set[str]:
    """The roadmaps a deposited service file names (``generation.feuilles_de_route``)."""
    try:
        generation = tomllib.loads(path.read_text(encoding="utf-8")).get("generation", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return set()
    listed = generation.get("feuilles_de_route", []) if isinstance(generation, dict) else []
    return {str(s) for s in listed} if isinstance(listed, list) else set()


RECEIVED = "recus"  # <login>/recus/<name>: deposits already received, kept for the record


def mark_received(path: Path) -> None:
    """Move a received deposit out of the list (its depositor still sees it as received)."""
    target = path.parent / RECEIVED
    target.mkdir(mode=0o700, exist_ok=True)
    os.replace(path, target / path.name)


def received(root: Path, login: str) -> list[Deposit]:
    """``login``'s deposits that were received, newest first."""
    found = []
    try:
        folder = person_folder(root, login) / RECEIVED
        entries = sorted(folder.iterdir()) if not folder.is_symlink() else []
    except (OSError, PermissionDenied):
        return []
    for entry in entries:
        info = _regular(entry)
        if info is not None and _SAFE_NAME.match(entry.name):
            moment = datetime.fromtimestamp(info.st_mtime, UTC)
            found.append(Deposit(login, entry.name, entry, info.st_size, moment))
    return sorted(found, key=lambda d: (-d.at.timestamp(), d.key))


def resolve(root: Path, key: str) -> Path:
    """The deposit ``login/name`` under ``root``; anything else (a path, ``..``, a symlink,
    an absolute name, a missing file) is refused before a byte is read."""
    login, sep, name = key.strip().partition("/")
    if not sep or not _SAFE_NAME.match(login) or ".." in login:
        raise ValidationError(
            f"« {key[:60]} » : choisissez un fichier déposé (identifiant/nom)", field="fichier"
        )
    folder = root / login
    path = folder / safe_name(name)
    if folder.is_symlink() or _regular(path) is None:
        raise ValidationError(f"« {key[:60]} » : aucun fichier déposé sous ce nom", field="fichier")
    if path.resolve().parent != root.resolve() / folder.name:
        raise ValidationError(f"« {key[:60]} » : hors du dossier de dépôt", field="fichier")
    return path


def guard_read(path: Path) -> None:
    """In a web session, refuse any file that is not a deposit (defence in depth: the
    forms already offer deposits only)."""
    root = web_root()
    if root is None:
        return
    try:
        inside = path.resolve(strict=True).parent.parent == root.resolve()
    except OSError:
        inside = False
    if not inside or path.is_symlink():
        raise PermissionDenied(
            f"{WEB_REFUSAL} : seul un fichier déposé par « Renvoyer un fichier » est lu"
        )
