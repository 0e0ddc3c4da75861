"""Rows written at the first schema (0001) with plain SQL, to check upgrades keep them.

Today's models no longer match that schema (campaigns gained a territory), so neither
the models nor the use cases can write these rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tortoise import connections

from roadmap.models import Roadmap

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


async def _run(sql: str, values: list[Any]) -> None:
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        parts = sql.split("?")
        sql = "".join(p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))
    await conn.execute_query(sql, values)


async def seed_first_schema() -> None:
    """A service pair, a person, a roadmap, a campaign of 2025 with one dossier, a journal row."""
    base = "version, updated_at, updated_by"
    for code, kind in (("pv", "politique_de_la_ville"), ("pat", "droit_commun")):
        await _run(
            f"INSERT INTO service ({base}, code, name, kind, archived) "
            "VALUES (1, ?, 'ancien', ?, ?, ?, ?)",
            [NOW, code, code.upper(), kind, False],
        )
    await _run(
        f"INSERT INTO person ({base}, login, name, email, active) "
        "VALUES (1, ?, 'ancien', ?, ?, '', ?)",
        [NOW, "ancien", "Ancien", True],
    )
    await _run(
        f"INSERT INTO roadmap ({base}, slug, title, destination, horizon, pv_service_id, "
        "dc_service_id, status, created_at) VALUES (1, ?, 'ancien', ?, ?, ?, ?, 1, 2, ?, ?)",
        [NOW, "ancienne", "Ancienne", "Un but", date(2027, 12, 31), "active", NOW],
    )
    await _run(
        f"INSERT INTO campagne ({base}, year, title, opens_on, closes_on) "
        "VALUES (1, ?, 'ancien', ?, ?, ?, ?)",
        [NOW, 2025, "AAP 2025", date(2025, 1, 6), date(2025, 3, 31)],
    )
    await _run(
        f"INSERT INTO dossier ({base}, campagne_id, ref, porteur, title, summary, roadmap_id, "
        "total_budget, amount_asked, state, state_reason) "
        "VALUES (1, ?, 'ancien', 1, ?, ?, ?, '', 1, 0, 0, ?, '')",
        [NOW, "AAP2025-001", "Asso", "Jardin", "depose"],
    )
    await _run(
        "INSERT INTO journal (at, actor, roadmap_slug, entity, entity_ref, operation, field, "
        "old_value, new_value, reason) "
        "VALUES (?, ?, '', 'service', 'pv', 'création', '', '', ?, '')",
        [NOW, "ancien", "PV"],
    )


async def insert_roadmap(slug: str, title: str, pv_id: int, dc_id: int) -> Roadmap:
    """A roadmap row at the first schema; returned unsaved, for its id (and roadmap_id=)."""
    await _run(
        "INSERT INTO roadmap (version, updated_at, updated_by, slug, title, destination, "
        "horizon, pv_service_id, dc_service_id, status, created_at) "
        "VALUES (1, ?, '', ?, ?, ?, ?, ?, ?, 'active', ?)",
        [
            NOW,
            slug,
            title,
            "Une alimentation saine accessible dans les QPV",
            date(2028, 12, 31),
            pv_id,
            dc_id,
            NOW,
        ],
    )
    conn = connections.get("default")
    placeholder = "$1" if conn.capabilities.dialect == "postgres" else "?"
    _, rows = await conn.execute_query(f"SELECT id FROM roadmap WHERE slug = {placeholder}", [slug])
    roadmap = Roadmap(id=rows[0][0], slug=slug, title=title)
    roadmap._saved_in_db = True  # a real row: children may point at it
    return roadmap
