"""Test setup for administrators: the same on both backends."""

from __future__ import annotations

from roadmap.models import Administrator
from roadmap.usecases.base import now
from roadmap.usecases.identity import Actor, actor_for


async def make_admin(login: str) -> Actor:
    """Name ``login`` administrator of the open database, as its creator is on SQLite.

    Written through the model, not the use case: this is the test's database set-up.
    """
    if not await Administrator.exists(login=login):
        await Administrator.create(login=login, added_by="tests", added_at=now())
    return await actor_for(login)
