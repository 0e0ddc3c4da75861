"""One process of the RISKS 2+3 stress test: N read-modify-write use cases on one row.

Run as a script: ``python _rmw_worker.py DB_URL SERVICE_CODE N GO_FILE``. Waits for
``GO_FILE`` to exist (so that every process starts writing at the same time; it prints
``pret`` once ready), then
increments the service's counter (its name) N times, each in one write unit: read the
row, write it back with a compare-and-set on ``version`` and journal the change (the hash
chain must hold under this load, issue 10). A StaleVersion is what a user
would see: re-read, retry. Prints one JSON line: {"done": N, "stale": K, "error": ""}.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from roadmap.domain.errors import StaleVersion
from roadmap.models import Administrator, Service
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.usecases.base import journal, update_versioned, write_unit
from roadmap.usecases.identity import Actor


async def increment(service_id: int, actor: Actor) -> None:
    async def unit() -> None:
        service = await Service.get(id=service_id)
        value = str(int(service.name) + 1)
        await update_versioned(Service, service_id, service.version, actor, {"name": value})
        await journal(
            actor, entity="service", ref=service.code, operation="modification", field="name",
            old=service.name, new=value,
        )  # fmt: skip

    await write_unit(unit)


async def main(url: str, code: str, count: int, go_file: Path) -> dict[str, object]:
    await open_database(parse_location(url), upgrade=False)
    done = stale = 0
    try:
        service = await Service.get(code=code)
        actor = Actor(login=f"processus-{os.getpid()}")
        # Unknown people never write (issue 9): each writer is named administrator first.
        await Administrator.create(login=actor.login, added_by="tests", added_at=datetime.now(UTC))
        print("pret", flush=True)
        deadline = time.monotonic() + 60
        while not go_file.exists():
            if time.monotonic() > deadline:
                return {"done": 0, "stale": 0, "error": "le signal de départ n'est pas venu"}
            await asyncio.sleep(0.01)
        while done < count:
            try:
                await increment(service.id, actor)
            except StaleVersion:
                stale += 1
                if stale > 20 * count:
                    return {"done": done, "stale": stale, "error": "trop de conflits"}
                continue
            done += 1
    except Exception as exc:
        return {"done": done, "stale": stale, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        await close_database()
    return {"done": done, "stale": stale, "error": ""}


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])))
    print(json.dumps(result))
