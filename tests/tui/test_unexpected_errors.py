"""A bug in a read or a write never leaves an empty screen without a word: the person sees
a French message saying nothing was read or written, with the technical name to pass on."""

from __future__ import annotations

from pathlib import Path

from roadmap.models import Action

from .helpers import demo_app, settle


async def _boom() -> None:
    raise RuntimeError("boum")


async def test_a_failing_read_is_told(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        shown: list[object] = []
        app.screen.run_query(_boom, shown.append, name="essai")
        await app.workers.wait_for_complete()
        await settle(app, pilot)
        assert not shown
        messages = [m for severity, m in app.notifications if severity == "error"]  # type: ignore[attr-defined]
        assert any(
            "erreur inattendue, rien n'a été lu" in m and "RuntimeError" in m for m in messages
        )


async def test_a_failing_write_is_told_and_writes_nothing(tmp_path: Path) -> None:
    async with demo_app(tmp_path, screen="actions") as (app, pilot):
        before = await Action.all().count()

        async def half_then_boom() -> None:
            from roadmap.usecases.base import write_unit

            async def unit() -> None:
                await Action.filter(ref="A1").update(title="à moitié")
                raise RuntimeError("boum")

            await write_unit(unit)

        app.screen.run_write(half_then_boom)
        await app.workers.wait_for_complete()
        await settle(app, pilot)
        messages = [m for severity, m in app.notifications if severity == "error"]  # type: ignore[attr-defined]
        assert any("rien n'a été enregistré" in m and "RuntimeError" in m for m in messages)
        assert await Action.all().count() == before
        assert (await Action.get(ref="A1")).title != "à moitié"
