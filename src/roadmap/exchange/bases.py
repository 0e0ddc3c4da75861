"""The exported service files, kept by fingerprint: the base a returned file is compared with.

Recorded after each export (one row per new fingerprint; an unchanged file costs reading its
first lines). The fingerprint hashes the body as exported (render.py): a returned file names
its base by it, and a fingerprint the base does not know is refused (never exported here, or
edited by hand).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from roadmap.domain.errors import PermissionDenied
from roadmap.exchange.render import previous_fingerprint
from roadmap.models import ServiceExport
from roadmap.usecases.base import now, write_unit


async def record_bases(files: Iterable[Path]) -> int:
    """Keep the service files of an export whose fingerprint is new; how many were new."""
    found: dict[str, Path] = {}
    for path in files:
        if path.parent.name == "services" and path.suffix == ".toml":
            digest = previous_fingerprint(path)
            if digest:
                found[digest] = path
    if not found:
        return 0

    async def unit() -> int:
        known = set(
            await ServiceExport.filter(fingerprint__in=list(found)).values_list(
                "fingerprint", flat=True
            )
        )
        new = [
            ServiceExport(
                fingerprint=digest,
                service_code=path.stem,
                content=path.read_text(encoding="utf-8"),
                created_at=now(),
            )
            for digest, path in sorted(found.items())
            if digest not in known
        ]
        await ServiceExport.bulk_create(new)
        return len(new)

    try:
        return await write_unit(unit)
    except PermissionDenied:
        # A lecteur's PostgreSQL role writes nothing (db acces): its export still works, but
        # a file from it cannot be received (refused as "base inconnue").
        return 0


async def base_text(fingerprint: str) -> tuple[str, str] | None:
    """(service code, TOML text) of the export with this fingerprint, if it was recorded."""
    row = await ServiceExport.get_or_none(fingerprint=fingerprint)
    return (row.service_code, row.content) if row else None
