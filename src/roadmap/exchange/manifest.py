"""``manifeste.toml``: written last, it says the export folder holds one complete set.

It lists every file of the set with its size and SHA-256 (of the bytes on disk), all from
one consistent read of the database, and the journal position of that read. An export
removes it just before renaming its new files into place and writes it again once they all
are: a killed export leaves no manifest (the set is not complete, and says so), and the
next export repairs the set. With the same journal position, options and intact files,
the next export has nothing to do (issue 15).

A reader checks a set with ``verify`` (or by hand: every listed file present with that
fingerprint). Format documented in docs/export-format.md.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from roadmap import __version__
from roadmap.domain.errors import StorageError
from roadmap.exchange import SCHEMA_VERSION
from roadmap.exchange.atomic import fsync_dir, write_atomic
from roadmap.exchange.metadata import TOOL, ExportOptions
from roadmap.exchange.values import dumps

NAME = "manifeste.toml"
# The journal position: every write is journaled (one door), so an unchanged position means
# unchanged data. The count with the newest id: on PostgreSQL a transaction can commit
# after a later one, with a smaller id; the count still grows (the journal is append-only).
POSITION_SQL = 'SELECT COUNT(*), MAX("id") FROM "journal"'


def position_of(row: Any) -> dict[str, Any]:
    count, newest = tuple(row)
    return {"dernier": int(newest or 0), "nombre": int(count or 0)}


KIND = "manifeste"
ALL = "tout"  # the perimeter of an export without --roadmap


@dataclass(frozen=True)
class FileEntry:
    size: int
    digest: str  # "sha256:<hex>" of the file's bytes


@dataclass
class Manifest:
    position: dict[str, Any]  # the journal position of the read ({} when unknown)
    perimeter: str  # ALL or a roadmap slug
    options: dict[str, Any]  # what changes the bytes: contacts, ics, marges
    files: dict[str, FileEntry] = field(default_factory=dict)  # path relative to the folder
    mtime_ns: int = 0  # of manifeste.toml itself, when read from disk


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def options_key(options: ExportOptions) -> dict[str, Any]:
    key: dict[str, Any] = {"avec_contacts": options.with_contacts, "ics": options.ics}
    if options.margins_on is not None:
        key["marges_au"] = options.margins_on
    return key


def render(manifest: Manifest) -> bytes:
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generation": {
            "outil": TOOL,
            "version_outil": __version__,
            "type": KIND,
            "perimetre": manifest.perimeter,
            **manifest.options,
        },
        "journal": manifest.position,
        "fichiers": [
            {"chemin": name, "octets": entry.size, "empreinte": entry.digest}
            for name, entry in sorted(manifest.files.items())
        ],
    }
    if not manifest.position:
        del document["journal"]
    if not manifest.files:
        del document["fichiers"]
    return dumps(document)


def read(folder: Path) -> Manifest | None:
    """The folder's manifest, or None when absent, unreadable or not ours."""
    path = folder / NAME
    try:
        stat = path.stat()
        data = _parse(path.read_bytes().decode("utf-8"))
        generation = data["generation"]
        if generation.get("outil") != TOOL or generation.get("type") != KIND:
            return None
        if (
            data.get("schema_version") != SCHEMA_VERSION
            or generation.get("version_outil") != __version__
        ):
            return None  # another version may write other bytes: redo the whole set
        options = {k: v for k, v in generation.items() if k in ("avec_contacts", "ics")}
        if isinstance(generation.get("marges_au"), date):
            options["marges_au"] = generation["marges_au"]
        files = {
            str(f["chemin"]): FileEntry(int(f["octets"]), str(f["empreinte"]))
            for f in data.get("fichiers", [])
        }
        return Manifest(
            position=dict(data.get("journal", {})),
            perimeter=str(generation["perimetre"]),
            options=options,
            files=files,
            mtime_ns=stat.st_mtime_ns,
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return None


# One [[fichiers]] entry exactly as ``render`` writes it (names are checked by the export:
# letters, digits, ``._-/``, so no escapes). An export reads the manifest four or five
# times; tomllib takes 7 ms on the 340 entries of a large set, this pattern a tenth.
_ENTRY = re.compile(
    r'\[\[fichiers\]\]\nchemin = "([A-Za-z0-9._/-]+)"\noctets = (0|[1-9][0-9]*)\n'
    r'empreinte = "(sha256:[0-9a-f]{64})"\n\n?'
)
_FIRST = "\n[[fichiers]]\n"


def _parse(text: str) -> dict[str, Any]:
    """tomllib's reading of a manifest; the file list read by ``_ENTRY`` when every entry
    is in ``render``'s form (anything else: tomllib reads the whole text)."""
    cut = text.find(_FIRST)
    if cut < 0:
        return tomllib.loads(text)
    head, pos, files = text[: cut + 1], cut + 1, []
    while pos < len(text):
        found = _ENTRY.match(text, pos)
        if found is None:
            return tomllib.loads(text)
        files.append({"chemin": found[1], "octets": int(found[2]), "empreinte": found[3]})
        pos = found.end()
    data = tomllib.loads(head)
    if "fichiers" in data:
        return tomllib.loads(text)  # a key tomllib would refuse or merge: let it decide
    data["fichiers"] = files
    return data


def write(folder: Path, manifest: Manifest) -> None:
    write_atomic(folder / NAME, render(manifest))


def withdraw(folder: Path) -> None:
    """Remove the manifest before the set changes: until the new one, it is not complete."""
    try:
        (folder / NAME).unlink()
    except FileNotFoundError:
        return
    fsync_dir(folder)


def files_untouched(folder: Path, manifest: Manifest) -> bool:
    """Every listed file is there, with its size, and none changed since the manifest.

    A file written after the manifest has a later modification time; a cheap check (a
    ``stat`` per file) for the "nothing changed" path. ``verify`` reads the bytes.
    """
    for name, entry in manifest.files.items():
        try:
            stat = (folder / name).stat()
        except OSError:
            return False
        if stat.st_size != entry.size or stat.st_mtime_ns > manifest.mtime_ns:
            return False
    return True


def verify(folder: Path) -> list[str]:
    """What keeps the folder from being one complete set (empty list: it is one)."""
    manifest = read(folder)
    if manifest is None:
        return [f"{NAME} absent ou illisible : l'ensemble n'est pas complet"]
    problems = []
    for name, entry in sorted(manifest.files.items()):
        try:
            data = (folder / name).read_bytes()
        except OSError:
            problems.append(f"{name} : absent")
            continue
        if digest_of(data) != entry.digest:
            problems.append(f"{name} : contenu différent de celui du manifeste")
    return problems


@contextmanager
def export_lock(folder: Path) -> Iterator[None]:
    """One export at a time per folder: an exclusive lock on the folder itself.

    The lock goes with the process, even killed, and leaves no file behind.
    """
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StorageError(
                f"un autre export écrit déjà dans {folder} ; relancez quand il sera fini"
            ) from None
        yield
    finally:
        os.close(fd)
