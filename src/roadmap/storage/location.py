"""Where the database lives: resolve ``--db`` / ``ROADMAP_DB`` / the user data dir."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from roadmap.domain.errors import StorageError

NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "afs",
        "ceph",
        "glusterfs",
        "lustre",
        "9p",
        "fuse.sshfs",
        "fuse.rclone",
        "davfs",
        "fuse.davfs",
    }
)


@dataclass(frozen=True)
class DatabaseLocation:
    """A parsed database address: a SQLite file or a PostgreSQL URL."""

    backend: str  # "sqlite" or "postgres"
    url: str
    path: Path | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    def describe(self) -> str:
        if self.path is not None:
            return str(self.path)
        parsed = urlparse(self.url)
        host = parsed.hostname or "localhost"
        return f"postgres://{parsed.username or ''}@{host}:{parsed.port or 5432}{parsed.path}"


def default_database_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("roadmap", appauthor=False) / "roadmap.db"


def resolve_location(cli_value: str | None = None) -> DatabaseLocation:
    """``--db`` first, then ``ROADMAP_DB``, then the per-user data folder."""
    raw = cli_value or os.environ.get("ROADMAP_DB") or str(default_database_path())
    return parse_location(raw)


def parse_location(raw: str) -> DatabaseLocation:
    raw = raw.strip()
    if not raw:
        raise StorageError("adresse de base de données vide", field="--db")
    scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
    if scheme in ("postgres", "postgresql", "asyncpg"):
        parsed = urlparse(raw)
        if not parsed.path.strip("/"):
            raise StorageError(
                "l'URL PostgreSQL doit nommer une base : postgres://utilisateur@hôte:port/base",
                field="--db",
            )
        return DatabaseLocation("postgres", "postgres://" + raw.split("://", 1)[1])
    if scheme == "sqlite":
        rest = unquote(raw.split("://", 1)[1])
        if rest in ("", ":memory:"):
            raise StorageError(
                "une base SQLite en mémoire ne garde rien ; donnez un fichier", field="--db"
            )
        path = Path(rest)
    elif scheme:
        raise StorageError(
            f"type de base « {scheme} » non pris en charge ; attendu un chemin de fichier, "
            "sqlite://CHEMIN ou postgres://…",
            field="--db",
        )
    else:
        path = Path(raw)
    path = path.expanduser().absolute()
    return DatabaseLocation("sqlite", f"sqlite://{path}", path)


def filesystem_type(path: Path, mounts_file: Path = Path("/proc/mounts")) -> str | None:
    """The type of the filesystem holding ``path`` (longest matching mount point)."""
    try:
        lines = mounts_file.read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best, best_type = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        prefix = mount_point.rstrip("/") + "/"
        if (target == mount_point or target.startswith(prefix) or mount_point == "/") and len(
            mount_point
        ) > len(best):
            best, best_type = mount_point, parts[2]
    return best_type


def check_sqlite_path(path: Path, mounts_file: Path = Path("/proc/mounts")) -> None:
    """Refuse a network share and make sure the folder exists and is writable."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next(
            (p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), folder
        )
        raise StorageError(
            f"impossible de créer le dossier {folder} : {blocker} est un fichier, pas un dossier",
            field="--db",
        ) from None
    except OSError as exc:
        raise StorageError(
            f"impossible de créer le dossier {folder} : {exc.strerror or exc}", field="--db"
        ) from None
    fs_type = filesystem_type(folder, mounts_file)
    if fs_type is not None and (fs_type in NETWORK_FILESYSTEMS or fs_type.startswith("nfs")):
        raise StorageError(
            f"{path} est sur un partage réseau ({fs_type}) : SQLite y corrompt les fichiers. "
            "Pour travailler à plusieurs machines, utilisez PostgreSQL "
            "(--db postgres://utilisateur@serveur/base).",
            field="--db",
        )
    if path.exists() and path.is_dir():
        raise StorageError(f"{path} est un dossier, pas un fichier de base", field="--db")
    if not os.access(folder, os.W_OK):
        raise StorageError(f"le dossier {folder} n'est pas accessible en écriture", field="--db")
