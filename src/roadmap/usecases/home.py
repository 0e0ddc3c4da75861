"""The home screen's first look, read with plain sqlite3 before the ORM is loaded (issue 15).

Starting the TUI used to import Tortoise and every model, then read the list through them,
before anything showed: about as long again as Textual itself. On a SQLite file that needs
no upgrade, ``read_home`` gives who is acting and their roadmaps (without the alert count,
which needs the graph) from one short read-only connection, so the home screen paints at
once; the full read through the ORM follows and replaces it. Any doubt (no file, a pending
migration, a refused ``ROADMAP_USER``, an unreadable file) returns None: the normal path
then runs and reports it. Reads only: every write still goes through the use cases.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from roadmap.domain.enums import ActionStatus, RoadmapStatus, Role
from roadmap.migrations import applied, shipped
from roadmap.usecases.actor import Actor, os_login, shared_file_problem
from roadmap.usecases.plain import read_only


@dataclass(frozen=True)
class RoadmapSummary:
    slug: str
    title: str
    destination: str
    horizon: date
    status: RoadmapStatus
    role: Role | None
    progress: float
    action_count: int
    alert_count: int | None  # None: not counted yet (the quick read)
    version: int


@dataclass(frozen=True)
class QuickHome:
    actor: Actor
    is_admin: bool
    may_create: bool
    summaries: list[RoadmapSummary]


def progress_of(statuses: list[str]) -> float:
    """Share of non-abandoned actions that are done (0..1)."""
    counted = [s for s in statuses if s != ActionStatus.ABANDONNEE]
    if not counted:
        return 0.0
    return sum(1 for s in counted if s == ActionStatus.TERMINEE) / len(counted)


def quick_login(path: Path) -> str | None:
    """The login ``identity.current_login`` would give on this file; None if it refuses."""
    claimed = os.environ.get("ROADMAP_USER", "").strip()
    login = os_login()
    if not claimed or claimed == login:
        return login
    return None if shared_file_problem(path) else claimed


_SUMMARY_SQL = """
SELECT r.id, r.slug, r.title, r.destination, r.horizon, r.status, r.version, m.role
FROM membership m JOIN roadmap r ON r.id = m.roadmap_id
WHERE m.person_id = ? ORDER BY r.slug
"""


def read_home(path: Path) -> QuickHome | None:
    """Who acts and their roadmaps as the home screen lists them first (see the module)."""
    login = quick_login(path)
    if login is None or not path.is_file() or path.stat().st_size == 0:
        return None
    try:
        with read_only(path) as con:
            return _read(con, login)
    except (sqlite3.Error, OSError, ValueError, KeyError):
        return None


def _read(con: sqlite3.Connection, login: str) -> QuickHome | None:
    if not shipped() <= applied(con):
        return None  # an upgrade first: the normal path does it
    if con.execute("SELECT 1 FROM roadmap LIMIT 1").fetchone() is None:
        return None  # an empty base asks how to start: the normal path
    admin = con.execute("SELECT 1 FROM administrateur WHERE login = ?", (login,)).fetchone()
    person = con.execute(
        "SELECT id, name, service_id FROM person WHERE login = ?", (login,)
    ).fetchone()
    if person is None:
        return None  # nothing to list: the normal path says what to do
    actor = Actor(login=login, person_id=person[0], name=person[1], service_id=person[2])
    summaries = []
    direction = False
    for rid, slug, title, destination, horizon, status, version, role in con.execute(
        _SUMMARY_SQL, (actor.person_id,)
    ):
        direction = direction or role == Role.DIRECTION
        statuses = [
            s for (s,) in con.execute("SELECT status FROM action WHERE roadmap_id = ?", (rid,))
        ]
        summaries.append(
            RoadmapSummary(
                slug=slug,
                title=title,
                destination=destination,
                horizon=date.fromisoformat(horizon),
                status=RoadmapStatus(status),
                role=Role(role),
                progress=progress_of(statuses),
                action_count=len(statuses),
                alert_count=None,
                version=version,
            )
        )
    if not summaries:
        return None  # what to do first depends on more than this read: the normal path
    return QuickHome(actor, admin is not None, admin is not None or direction, summaries)
