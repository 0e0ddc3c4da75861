"""Actions screen timings at 50, 10,000 and 50,000 actions, headless (issues 3 and 15).

    .venv/bin/python bench/bench_tui.py [--actions 10000] [--large 50000] [--small 50] [--runs 5]

Prints, for each size beside the 50-action floor measured in the same run:
- rows painted after the key that opens the Actions screen (target ≤ 0.1 s);
- the cost of one key press (cursor move, sort, search keystroke), measured by calling the
  action directly and rendering the visible lines, in CPU time (target ≤ 5 ms for sort and
  search); the search types « cantine sol » letter by letter then erases it, every key a
  new needle (median and slowest); ``pilot.press`` waits ≥ 40 ms by itself, so its wall
  time is only for reference;
- the memory of the process (resident, peak).
The marge column's graph computation runs in its own worker; its time is printed apart.
``--large 0`` skips the 50,000 run. The temporary folder is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from textual.geometry import Region

from roadmap.config import Settings
from roadmap.domain.enums import ActionStatus
from roadmap.models import Action, ActionContributor, Axe, Roadmap, Service
from roadmap.storage.database import close_database, open_database
from roadmap.storage.location import parse_location
from roadmap.tui import heap
from roadmap.tui.app import RoadmapApp
from roadmap.tui.screens.actions import ActionsScreen
from roadmap.tui.screens.base import open_roadmap_screen
from roadmap.usecases import roadmaps as rm
from roadmap.usecases.base import write_unit
from roadmap.usecases.identity import actor_for

TODAY = date(2026, 3, 2)
SIZE = (120, 40)
WORDS = (
    "atelier cuisine jardin épicerie cantine marché diagnostic formation collecte "
    "circuit court producteurs familles écoles habitants quartier santé panier solidaire"
).split()


async def build_roadmap(slug: str, count: int, login: str) -> None:
    """One roadmap with ``count`` actions, written in one transaction (RISKS 19)."""
    actor = await actor_for(login)
    await rm.create_roadmap(
        actor,
        rm.RoadmapInput(
            slug, f"Banc d'essai {count}", "Mesurer", date(2029, 12, 31), "banc-pv", "banc-dc"
        ),
    )
    actor = await actor_for(login)  # the creation gave them a fiche personne
    for n in range(5):
        await rm.create_axe(actor, slug, f"Axe {n + 1} du banc")
    rng = random.Random(count)

    async def unit() -> None:
        roadmap = await Roadmap.get(slug=slug)
        axes = await Axe.filter(roadmap_id=roadmap.id).values_list("id", flat=True)
        services = await Service.all().values_list("id", flat=True)
        people = [p for p in await _people()]
        statuses = list(ActionStatus)
        actions = []
        for i in range(1, count + 1):
            start = TODAY + timedelta(days=rng.randint(-200, 600))
            actions.append(
                Action(
                    roadmap_id=roadmap.id,
                    ref=f"A{i}",
                    axe_id=rng.choice(axes),
                    title=" ".join(
                        rng.choice(WORDS) for _ in range(rng.randint(3, 8))
                    ).capitalize(),
                    pilot_service_id=rng.choice(services),
                    owner_id=rng.choice(people),
                    status=rng.choice(statuses),
                    start_date=start,
                    end_date=start + timedelta(days=rng.randint(10, 300)),
                    updated_by=login,
                )
            )
        await Action.bulk_create(actions, batch_size=500)
        ids = await Action.filter(roadmap_id=roadmap.id).values_list("id", flat=True)
        await ActionContributor.bulk_create(
            [
                ActionContributor(action_id=i, service_id=s)
                for i in ids
                for s in rng.sample(services, 2)
            ],
            batch_size=500,
        )

    await write_unit(unit)


async def reference_data(login: str) -> None:
    """Services and people of the bench, through the use cases (the base's creator
    administers it). Not the demo: a real roadmap refuses its invented services and people."""
    from roadmap.usecases import reference as ref

    actor = await actor_for(login)
    services = [
        ("banc-pv", "Banc politique de la ville", "politique_de_la_ville"),
        ("banc-dc", "Banc droit commun", "droit_commun"),
        *((f"banc-s{n}", f"Banc service {n}", "droit_commun") for n in range(1, 7)),
    ]
    for code, name, kind in services:
        await ref.create_service(actor, ref.ServiceInput(code, name, kind))
    for n in range(1, 13):
        await ref.create_person(
            actor, ref.PersonInput(f"banc-p{n}", f"Personne {n} du banc", "", services[n % 8][0])
        )


async def _people() -> list[int]:
    from roadmap.models import Person

    return list(await Person.all().values_list("id", flat=True))


async def wait_until(ready: Callable[[], bool], limit: float = 60.0) -> None:
    # A short sleep, not pilot.pause(): pause waits for the whole app to go idle.
    deadline = time.perf_counter() + limit
    while not ready():
        if time.perf_counter() > deadline:
            raise TimeoutError("l'écran n'a pas affiché ses lignes à temps")
        await asyncio.sleep(0.001)


async def first_paint(
    app: RoadmapApp, pilot: Any, slug: str, count: int
) -> tuple[float, float, float]:
    """(first rows painted, every row loaded and painted, CPU until the first rows) in
    seconds after the screen opens; CPU time tells apart a busy machine from slow code.

    "Painted" is the end of the first refresh after the fact (``call_after_refresh``).
    """
    while len(app.screen_stack) > 1:
        await app.pop_screen()
    await app.workers.wait_for_complete()
    await pilot.pause()
    marks: dict[str, float] = {}
    cpu: dict[str, float] = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    open_roadmap_screen(app, slug, "actions")
    await wait_until(lambda: isinstance(app.screen, ActionsScreen) and app.screen.is_mounted)
    screen = app.screen
    assert isinstance(screen, ActionsScreen)
    screen.call_after_refresh(lambda: marks.setdefault("screen", time.perf_counter()))
    await wait_until(lambda: "screen" in marks)
    await wait_until(lambda: len(screen.table.rows) > 0)

    def rows_painted() -> None:
        marks.setdefault("rows", time.perf_counter())
        cpu.setdefault("rows", time.process_time())

    screen.table.call_after_refresh(rows_painted)
    await wait_until(lambda: "rows" in marks)
    await wait_until(lambda: len(screen.table.rows) == count)
    screen.table.call_after_refresh(lambda: marks.setdefault("all", time.perf_counter()))
    await wait_until(lambda: "all" in marks)
    await app.workers.wait_for_complete()  # let the marge worker finish before the next run
    await pilot.pause()
    return marks["rows"] - start, marks["all"] - start, cpu["rows"] - cpu_start


class GcWatch:
    """Garbage collections during a loop (``gc.callbacks``): count and longest pause per
    generation, and whether one ran inside the current sample."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0]
        self.longest = [0.0, 0.0, 0.0]
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.process_time()
            return
        generation = info["generation"]
        self.counts[generation] += 1
        self.longest[generation] = max(self.longest[generation], time.process_time() - self._start)

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self)

    def text(self) -> str:
        if not any(self.counts):
            return "aucune collecte"
        return " ; ".join(
            f"gén. {g} : {n} (la plus longue {self.longest[g] * 1000:.1f} ms)"
            for g, n in enumerate(self.counts)
            if n
        )


class StepWatch:
    """CPU of each step of the long searches completed between frames (``VirtualTable.
    _search_steps``, wrapped on the instance)."""

    def __init__(self, table: Any) -> None:
        self.steps: list[float] = []
        self.searches = 0
        original = table._search_steps

        def timed_steps(*args: Any) -> Any:
            self.searches += 1
            pieces = original(*args)
            while True:
                t0 = time.process_time()
                more = next(pieces, False)
                self.steps.append(time.process_time() - t0)
                if not more:
                    return
                yield True

        table._search_steps = timed_steps

    def text(self) -> str:
        if not self.searches:
            return ""
        return (f" ; {self.searches} recherches finies entre les images, étape la plus "
                f"longue {max(self.steps) * 1000:.1f} ms")  # fmt: skip


async def key_costs(
    screen: ActionsScreen, actions: Sequence[Callable[[], None]]
) -> list[tuple[float, str]]:
    """CPU seconds of each action plus repainting the table's visible lines, with the
    state it left (sort, search) to name the slowest. A long search shows its first hits
    in the key and completes between frames: that is awaited, untimed, before the next
    key (a person types a key every 100 ms or more); ``StepWatch`` times its steps."""
    table = screen.table
    search = screen.query_one("#search")
    region = Region(0, 0, table.size.width, table.size.height)
    samples = []
    for action in actions:
        t0 = time.process_time()
        action()
        table.render_lines(region)
        spent = time.process_time() - t0
        arrow = " ▼" if table.sort_reverse else " ▲"
        state = f"tri {table.sort_column}{arrow}" if table.sort_column else "sans tri"
        samples.append((spent, f"{state}, « {search.value} »"))  # type: ignore[attr-defined]
        if table.searching:
            await wait_until(lambda: not table.searching)
    return samples


async def press_wall(pilot: Any, key: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await pilot.press(key)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


async def timed(label: str, factory: Callable[[], Awaitable[Any]]) -> Any:
    t0 = time.perf_counter()
    result = await factory()
    print(f"  {label:<44} {time.perf_counter() - t0:7.3f} s")
    return result


def rss_mib() -> tuple[float, float]:
    """(resident now, peak) of this process, in MiB."""
    now = 0.0
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return now, peak


async def measure(app: RoadmapApp, pilot: Any, slug: str, count: int, runs: int) -> None:
    """Rows painted after the opening key, then key costs, for one roadmap."""
    paints = [await first_paint(app, pilot, slug, count) for _ in range(runs)]
    rows_s = statistics.median(p[0] for p in paints)
    all_s = statistics.median(p[1] for p in paints)
    cpu_s = statistics.median(p[2] for p in paints)
    verdict = "OK" if rows_s <= 0.1 else "AU-DELÀ"
    print(f"  {count:>6} actions : lignes affichées {rows_s * 1000:7.1f} ms après la touche "
          f"(CPU {cpu_s * 1000:5.1f} ms ; cible ≤ 100 ms) {verdict} ; "
          f"toutes chargées {all_s * 1000:7.1f} ms")  # fmt: skip
    screen = app.screen
    assert isinstance(screen, ActionsScreen) and screen.slug == slug
    # Ready: search texts and orders prepared (warm, again once the margins came), the
    # heap frozen after it (tui/heap.py).
    await wait_until(lambda: not screen.table._warm_done and gc.get_freeze_count() > 0)
    screen.table.focus()
    await pilot.pause()
    print(f"           préparation (warm, refaite ici) : {warm_cost(screen.table)} ; "
          f"{gc.get_freeze_count():,} objets gelés, {len(gc.get_objects()):,} suivis hors gel"
          .replace(",", " "))  # fmt: skip
    n = max(runs * 4, 20)
    search = screen.query_one("#search")
    table = screen.table

    def type_value(value: str) -> None:
        search.value = value  # type: ignore[attr-defined]
        screen.apply_filters()

    def typing(text: str, rounds: int) -> list[Callable[[], None]]:
        """« cantine sol » typed letter by letter then erased, ``rounds`` times: each key
        changes the needle (putting the same value again would be free with a cache)."""
        typed = [text[:k] for k in range(1, len(text) + 1)]
        values = (typed + typed[-2::-1] + [""]) * rounds
        return [lambda v=v: type_value(v) for v in values]

    kinds: dict[str, tuple[list[Callable[[], None]], float | None]] = {
        "curseur ↓ (plancher)": ([table.action_cursor_down] * n, None),
        "page ↓": ([table.action_page_down] * n, None),
        "tri (colonne suivante)": ([table.cycle_sort] * n, 0.005),
        "tri par titre": ([lambda: table.sort_by("title")] * n, 0.005),
        "inverser le tri": ([screen.action_reverse] * n, 0.005),
        "frappe, tri par titre": (typing("cantine sol", 3), 0.005),
        "frappe, sans tri": ([lambda: table.sort_by(None), *typing("sol cantine", 3)], 0.005),
    }
    print("           touche                       médiane      max   (CPU, repeinte comprise)"
          " ; collectes pendant la boucle")  # fmt: skip
    for label, (actions, target) in kinds.items():
        steps = StepWatch(table)
        with GcWatch() as watch:
            samples = await key_costs(screen, actions)
        del table._search_steps
        worst, state = max(samples)
        median = statistics.median(cost for cost, _ in samples)
        goal = "" if target is None else (" OK" if worst <= target else " AU-DELÀ")
        print(f"           {label:<26} {median * 1000:6.2f} ms {worst * 1000:6.2f} ms{goal:<8} "
              f"; {watch.text()} ; la plus lente : {state}{steps.text()}")  # fmt: skip
    type_value("")
    table.sort_by(None)
    now, peak = rss_mib()
    print(f"           mémoire du processus : {now:.0f} Mio (pic {peak:.0f} Mio) ; objets suivis "
          f"hors gel : {len(gc.get_objects()):,} ; les geler : {freeze_cost() * 1000:.1f} ms CPU"
          .replace(",", " "))  # fmt: skip
    await app.pop_screen()
    await pilot.pause()
    gc.collect()
    print(f"           après le départ de l'écran : {rss_mib()[0]:.0f} Mio ; "
          f"{gc.get_freeze_count()} objet gelé")  # fmt: skip


def warm_cost(table: Any) -> str:
    """Every step of ``VirtualTable.warm`` done again, in CPU time: the longest one is
    what a key pressed meanwhile may wait for (the keys are measured once it is done)."""
    texts, orders = table._texts, table._orders
    table._texts, table._orders = None, {}
    steps = []
    pieces = table._warm_steps()
    while True:
        t0 = time.process_time()
        if not next(pieces, False):
            break
        steps.append(time.process_time() - t0)
    table._texts, table._orders = texts, orders
    return (f"{len(steps)} étapes, la plus longue {max(steps) * 1000:.1f} ms, "
            f"total {sum(steps) * 1000:.0f} ms CPU")  # fmt: skip


def freeze_cost() -> float:
    """CPU of ``heap.freeze`` once something is frozen already (as on each reload)."""
    t0 = time.process_time()
    heap.freeze()
    return time.process_time() - t0


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [n for n in (args.small, args.actions, args.large) if n]
    login = "banc"
    os.environ["ROADMAP_USER"] = login  # the base's creator administers it (builds the demo)
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-tui-") as tmp:
        folder = Path(tmp)
        await open_database(parse_location(str(folder / "bench.db")))
        try:
            await timed("services et personnes", lambda: reference_data(login))
            for n in sizes:
                await timed(
                    f"feuille de route à {n} actions",
                    lambda n=n: build_roadmap(f"banc-{n}", n, login),  # type: ignore[misc]
                )
            from roadmap.graph import margins_for_roadmap
            from roadmap.usecases.queries import list_actions

            big = f"banc-{args.actions}"
            await timed(f"lecture des {args.actions} actions (SQL)", lambda: list_actions(big))
            await timed(
                f"marges du graphe ({args.actions} actions)",
                lambda: margins_for_roadmap(big, TODAY),
            )
            settings = Settings(
                theme="dsfr",
                config_dir=folder / "config",
                today=TODAY,
                refresh_seconds=0,
                first_steps=False,
            )
            app = RoadmapApp(settings, await actor_for(login))
            async with app.run_test(size=SIZE) as pilot:
                await app.workers.wait_for_complete()
                print(f"\nÉcran Actions (médianes de {args.runs}, {SIZE[0]}×{SIZE[1]}) :")
                for n in sizes:
                    await measure(app, pilot, f"banc-{n}", n, args.runs)
                wall = await press_wall(pilot, "down", args.runs * 2)
                print(f"\n  (pour mémoire, pilot.press('down') en temps réel : "
                      f"{wall * 1000:.1f} ms)")  # fmt: skip
        finally:
            await close_database()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
