"""What the web server asks of the core: every call goes through the use cases."""

from __future__ import annotations

from pathlib import Path

from roadmap.domain.errors import RoadmapError
from roadmap.usecases import web_access
from roadmap.usecases.identity import Actor, actor_for


async def service_files(
    login: str, out_dir: Path, *, refresh: bool = True
) -> tuple[str, list[Path]]:
    """The person's service code and its exported files, exported afresh when ``refresh``."""
    from roadmap.exchange.export import export
    from roadmap.models import Person

    person = await Person.get_or_none(login=login).prefetch_related("service")
    service = getattr(person, "service", None) if person is not None else None
    if service is None:
        return "", []
    code = str(service.code)
    if refresh:
        await export(out_dir)
    folder = out_dir / "services"
    files = sorted(p for p in folder.glob(f"{code}.*") if p.suffix in (".toml", ".ics"))
    return code, files


async def check_deposit(login: str, name: str, text: str) -> str:
    """The service code of a file ``login`` may send back, or the CLI's refusal."""
    from roadmap.exchange.receive import check_deposit as check

    return await check(await actor_for(login), name, text)


class Bridge:
    """The core calls of one server, journaled as the administrator who started it."""

    RoadmapError = RoadmapError
    check_password = staticmethod(web_access.check_password)
    invitation_login = staticmethod(web_access.invitation_login)
    accept_invitation = staticmethod(web_access.accept_invitation)
    service_files = staticmethod(service_files)
    check_deposit = staticmethod(check_deposit)

    def __init__(self, server: Actor) -> None:
        self.server = server

    async def record_event(self, login: str, operation: str, address: str, detail: str) -> None:
        await web_access.record_event(self.server, login, operation, address, detail)
