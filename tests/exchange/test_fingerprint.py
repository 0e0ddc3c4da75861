"""generation.empreinte is the SHA-256 of the body as written (docs/export-format.md).

Anyone can check it with the recipe of the docs; the files a previous version wrote (it
hashed the body's Python form) are rewritten once by the next full export, with the same
body and no ``[changements]`` entry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

from roadmap.exchange import manifest
from roadmap.exchange.export import export
from roadmap.storage.location import DatabaseLocation
from tests.exchange.helpers import read_tree
from tests.exchange.seed import seed_roadmap
from tests.exchange.test_export_set import edit_status

_HEAD = re.compile(rb'^empreinte = "(sha256:[0-9a-f]{64})"\n\n', re.MULTILINE)


def documented_check(data: bytes) -> tuple[str, str]:
    """(written fingerprint, SHA-256 of the body), by the recipe of docs/export-format.md."""
    head = _HEAD.search(data)
    assert head is not None
    body = re.split(rb"\n(?=\[\[?changements\b)", data[head.end() :])[0]
    return head.group(1).decode(), "sha256:" + hashlib.sha256(body).hexdigest()


def tomls(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.toml") if p.name != manifest.NAME)


async def test_fingerprint_is_the_sha256_of_the_body_as_written(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    out = tmp_path / "exports"
    await export(out)
    await edit_status("A1", "bloquee")
    await export(out)  # the service files holding A1 now end with their [changements]
    with_changes = [p for p in tomls(out) if b"\n[[changements.elements]]\n" in p.read_bytes()]
    assert with_changes and len(tomls(out)) > len(with_changes)
    for path in tomls(out):
        written, computed = documented_check(path.read_bytes())
        assert written == computed, path.name


async def test_first_export_after_the_upgrade_rewrites_each_file_once(
    sqlite_db: DatabaseLocation, tmp_path: Path
) -> None:
    await seed_roadmap()
    out = tmp_path / "exports"
    await export(out)
    fresh = read_tree(out)
    # The set as the previous version wrote it: the same bodies under another fingerprint,
    # listed in its manifest.
    old = manifest.read(out)
    assert old is not None
    for path in tomls(out):
        data = path.read_bytes()
        written, _ = documented_check(data)
        former = "sha256:" + hashlib.sha256(b"repr " + path.name.encode()).hexdigest()
        data = data.replace(written.encode(), former.encode())
        path.write_bytes(data)
        old.files[str(path.relative_to(out))] = manifest.FileEntry(
            len(data), manifest.digest_of(data)
        )
    manifest.write(out, dataclasses.replace(old))
    assert manifest.verify(out) == []

    result = await export(out, rebuild=True)
    assert sorted(result.written) == tomls(out)  # every file once: its header changed
    assert read_tree(out) == fresh  # same body, no [changements] entry
    again = await export(out, rebuild=True)
    assert again.written == []
