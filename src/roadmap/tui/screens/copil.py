"""COPIL pieces shared by the Jalons and Actions screens: the baseline picker, the offer
to freeze the plan when a COPIL/COTECH is marked held, and the relevé de décisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from roadmap.domain.comparison_text import top_lines
from roadmap.domain.enums import JalonKind
from roadmap.domain.errors import PermissionDenied
from roadmap.domain.permissions import Capability
from roadmap.formatting import plural
from roadmap.tui.format import date_fr, shorten
from roadmap.tui.screens.base import DatabaseWork
from roadmap.tui.screens.declared_form import FormField, FormModal, Values
from roadmap.tui.screens.form import open_form
from roadmap.usecases import baselines as bl
from roadmap.usecases import releve as rel
from roadmap.usecases.may import check_capability
from roadmap.usecases.queries import FormChoices

STEERING = (JalonKind.COPIL, JalonKind.COTECH)
NEW_DECISION = "__nouvelle__"


class ChoiceModal(DatabaseWork, ModalScreen[str | None]):
    """A titled list to pick one entry from; échap returns None."""

    DEFAULT_CSS = """
    ChoiceModal { align: center middle; }
    ChoiceModal > Vertical {
        width: 76; max-width: 95%; height: auto; max-height: 80%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ChoiceModal #choice-title { text-style: bold; color: $primary; }
    ChoiceModal #choice-intro { color: $text-muted; }
    ChoiceModal OptionList { height: auto; max-height: 16; }
    """
    BINDINGS = [Binding("escape", "cancel", "Annuler")]

    def __init__(self, title: str, options: list[tuple[str, str]], intro: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.options = options
        self.intro = intro

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="choice-title")
            if self.intro:
                yield Static(self.intro, id="choice-intro")
            yield OptionList(*[Option(label, id=key) for label, key in self.options])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def pick_baseline(screen: DatabaseWork, slug: str, on_chosen: Callable[[str], Any]) -> None:
    """List the roadmap's baselines, newest first; call ``on_chosen(name)``."""

    def show(rows: list[bl.BaselineInfo]) -> None:
        if not rows:
            screen.notify(
                "aucune référence : marquez un COPIL « Tenu » (touche s) pour figer le plan",
                severity="warning",
            )
            return
        options = [
            (
                f"{b.taken_at.astimezone():%d/%m/%Y} {shorten(b.name, 40)}"
                + (f" ({b.jalon_ref})" if b.jalon_ref else "")
                + ("" if b.intact else " ⚠ modifiée hors application"),
                b.name,
            )
            for b in reversed(rows)
        ]
        screen.app.push_screen(
            ChoiceModal("Comparer à la référence…", options),
            lambda name: on_chosen(name) if name else None,
        )

    screen.run_query(lambda: bl.list_baselines(slug), show, name="baselines")


def offer_baseline(screen: DatabaseWork, slug: str, jalon: Any, done: Callable[[], Any]) -> None:
    """After a COPIL/COTECH is marked held: freeze the plan under a name (or not)."""
    actor = screen.actor
    name = f"{JalonKind(jalon.kind).label} du {date_fr(jalon.current_date)}"

    async def submit(values: Values) -> str:
        info = await bl.create_baseline(actor, slug, values["name"], jalon_ref=jalon.ref)
        return info.name

    def written(result: str | None) -> None:
        if result:
            screen.notify(f"plan figé : référence « {result} »", title="Référence prise")
        done()

    open_form(
        screen,
        FormModal(
            f"{jalon.ref} tenu — figer le plan ?",
            [FormField("name", "Nom de la référence", value=name, aliases=("nom",))],
            submit,
            intro="La référence garde les dates, statuts, responsables, engagements, dossiers "
            "et indicateurs d'aujourd'hui ; le prochain COPIL verra ce qui a changé depuis. "
            "Échap pour ne pas la prendre.",
            save_label="Figer le plan",
            check=lambda: check_capability(actor, slug, Capability.EDIT),
        ),
        written,
    )


def open_releve(
    screen: DatabaseWork, slug: str, jalon: Any, choices: FormChoices, done: Callable[[], Any]
) -> None:
    """The relevé of a held COPIL/COTECH: note a decision, or mark one done."""
    today = screen.roadmap_app.today

    def show(loaded: tuple[list[rel.ReleveRow], str | None]) -> None:
        rows, refusal = loaded
        # Someone who may not note or mark decisions reads the relevé, told why up front,
        # instead of being refused after choosing.
        options = [] if refusal else [("+ Noter une décision", NEW_DECISION)]
        for r in rows:
            mark = "✓" if r.done else "○"
            action = "" if refusal else (" → rouvrir" if r.done else " → marquer faite")
            who = r.carrier_name or r.carrier_login or "porteur non désigné"
            label = f"{mark} {r.ref} {shorten(r.text, 40)} · {who} · {r.standing(today)}"
            options.append((f"{label}{action}", r.ref))
        by_ref = {r.ref: r for r in rows}

        def chosen(key: str | None) -> None:
            if refusal:
                return
            if key == NEW_DECISION:
                _decision_form(screen, slug, jalon, choices, done)
            elif key in by_ref:
                row = by_ref[key]
                screen.run_write(
                    lambda: rel.set_decision_status(
                        screen.actor, slug, row.ref, row.version, done=not row.done
                    ),
                    lambda _v: done(),
                    done_message=f"décision {row.ref} enregistrée",
                )

        intro = f"{plural(len(rows), 'décision')}, {sum(1 for r in rows if not r.done)} à suivre."
        if refusal:
            intro = f"Lecture seule : {refusal}\n{intro}"
        screen.app.push_screen(
            ChoiceModal(
                f"Relevé de décisions — {jalon.ref} {shorten(jalon.title, 40)}",
                options,
                intro=intro,
            ),
            chosen,
        )

    async def load() -> tuple[list[rel.ReleveRow], str | None]:
        rows = await rel.list_decisions(slug, jalon_ref=jalon.ref)
        try:
            await check_capability(screen.actor, slug, Capability.EDIT)
        except PermissionDenied as refused:
            return rows, str(refused)
        return rows, None

    screen.run_query(load, show, name="releve")


def _decision_form(
    screen: DatabaseWork, slug: str, jalon: Any, choices: FormChoices, done: Callable[[], Any]
) -> None:
    actor = screen.actor

    async def submit(values: Values) -> str:
        data = rel.ReleveInput(
            values["text"], values["carrier"] or "", values["due"], tuple(values["links"])
        )
        return await rel.add_decision(actor, slug, jalon.ref, data)

    def written(ref: str | None) -> None:
        if ref:
            screen.notify(f"décision {ref} notée au relevé de {jalon.ref}", title="Enregistré")
        done()

    open_form(
        screen,
        FormModal(
            f"Nouvelle décision — {jalon.ref} {jalon.title}",
            [
                FormField(
                    "text",
                    "Décision",
                    "area",
                    aliases=("décision",),
                    placeholder="ce qui a été décidé",
                ),
                FormField(
                    "carrier",
                    "Porté par",
                    "select",
                    options=[(c.label, c.key) for c in choices.people],
                    aliases=("porté par",),
                ),
                FormField("due", "Échéance", "date", aliases=("échéance",)),
                FormField(
                    "links",
                    "Actions et jalons liés",
                    "multi",
                    options=[(c.label, c.key) for c in choices.actions + choices.jalons],
                    aliases=("actions ou jalons liés",),
                ),
            ],
            submit,
            save_label="Noter",
            check=lambda: check_capability(actor, slug, Capability.EDIT),
        ),
        written,
    )


def variance_text(days: int | None) -> str:
    if days is None:
        return ""
    return "0" if days == 0 else f"+{days}j" if days > 0 else f"{days}j"


def baseline_label(dates: bl.BaselineDates | None) -> str:
    if dates is None:
        return ""
    taken: date = dates.info.taken_at.astimezone().date()
    warning = "" if dates.info.intact else " ⚠ modifiée hors application"
    return f" · comparé à « {dates.info.name} » du {date_fr(taken)}{warning}"


def copil_lines(summary: bl.CopilSummary, today: date, limit: int = 3) -> Content:
    """The dashboard's first lines: what moved since the COPIL, then the decisions to follow."""
    lines: list[Content] = []
    c = summary.comparison
    if c is not None:
        counts = ", ".join(f"{n} {label}" for label, n in c.counts()) or "rien n’a bougé"
        lines.append(Content.from_markup("[b $primary]$title[/]", title=c.title))
        lines.append(Content(counts))
        for line in top_lines(c, limit):
            style = "$error" if line.startswith("⚠") else "$text-muted"
            lines.append(Content.from_markup(f"[{style}]·[/] $line", line=line))
    if summary.open_decisions:
        lines.append(
            Content.from_markup(
                "[b $primary]Décisions à suivre[/] ($n)", n=str(len(summary.open_decisions))
            )
        )
        for r in summary.open_decisions[:limit]:
            style = "$error" if r.late(today) else "$warning"
            who = r.carrier_name or r.carrier_login or "porteur non désigné"
            lines.append(
                Content.from_markup(
                    f"[{style}]●[/] $ref $text · $who · $standing",
                    ref=r.ref,
                    text=shorten(r.text, 50),
                    who=who,
                    standing=r.standing(today),
                )
            )
        if len(summary.open_decisions) > limit:
            more = len(summary.open_decisions) - limit
            lines.append(Content(f"… et {plural(more, 'autre')} (écran Jalons, touche l)"))
    return Content("\n").join(lines)
