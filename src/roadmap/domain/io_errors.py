"""French words for what the operating system and SQLite say in English (RISKS 28).

The user reads the French first; the system's own text follows in parentheses, so a
support person can still search for it.
"""

from __future__ import annotations

import errno

from roadmap.domain.errors import StorageError

_ERRNO: dict[int, str] = {
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota de disque dépassé",
    errno.EFBIG: "fichier trop gros pour ce disque",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EROFS: "disque en lecture seule",
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.EEXIST: "existe déjà",
    errno.EIO: "erreur de lecture ou d'écriture du disque",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.ENFILE: "trop de fichiers ouverts sur la machine",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.ENOMEM: "mémoire insuffisante",
    errno.EBUSY: "ressource occupée",
    errno.EXDEV: "déplacement impossible entre deux disques",
    errno.ESTALE: "partage réseau déconnecté",
    errno.ENXIO: "périphérique absent",
    errno.ENODEV: "périphérique absent",
    errno.ETIMEDOUT: "délai dépassé",
    errno.ECONNREFUSED: "connexion refusée",
}

# SQLite reports disk trouble as text, not errno: match the stable start of its messages.
_SQLITE: tuple[tuple[str, str], ...] = (
    ("database or disk is full", "disque plein"),
    ("disk i/o error", "erreur de lecture ou d'écriture du disque"),
    ("attempt to write a readonly database", "base en lecture seule"),
    ("unable to open database file", "impossible d'ouvrir le fichier de la base"),
    ("file is not a database", "le fichier n'est pas une base SQLite"),
    ("database disk image is malformed", "fichier de base endommagé"),
    ("database is locked", "base verrouillée par une autre écriture"),
)


def describe_os_error(exc: OSError) -> str:
    """``disque plein (No space left on device)``: French first, the system's text after."""
    french = _ERRNO.get(exc.errno or -1)
    original = exc.strerror or str(exc)
    if french is None:
        return f"erreur du système ({original})" if original else "erreur du système"
    return f"{french} ({original})" if original else french


def describe_sqlite_error(exc: BaseException) -> str | None:
    """French for SQLite's storage messages (``None`` when the message is not one of them)."""
    text = str(exc).strip()
    lowered = text.lower()
    for start, french in _SQLITE:
        if start in lowered:
            return f"{french} ({text})"
    return None


def is_disk_trouble(exc: BaseException) -> bool:
    """A write failed because of the disk (full, read-only, I/O), not because of the data."""
    if isinstance(exc, OSError):
        return True
    if type(exc).__name__ in ("DiskFullError", "InsufficientResourcesError"):  # asyncpg
        return True
    text = str(exc).lower()
    return any(start in text for start, _ in _SQLITE[:4])


def io_error(exc: OSError, doing: str, *, field: str | None = None) -> StorageError:
    """``doing`` says what failed in French, e.g. « écriture de exports/x.toml impossible »."""
    return StorageError(f"{doing} : {describe_os_error(exc)}", field=field)


def storage_error(exc: BaseException, doing: str) -> StorageError:
    """A database failure in French; the driver's text in parentheses."""
    if isinstance(exc, OSError):
        return io_error(exc, doing)
    described = describe_sqlite_error(exc)
    if described is None and type(exc).__name__ == "DiskFullError":
        described = f"disque plein ({exc})"
    return StorageError(f"{doing} : {described or f'erreur de la base ({exc})'}")
