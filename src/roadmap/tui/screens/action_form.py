"""Form: create or edit an action. Lists for every link (services, people, dependencies).

Editing a date that was already set is a re-routing: the use case asks for a motif and
its nature (contrainte / opportunité); the form offers both fields when editing. When the
dates change, saving first shows what moves (``tui/reroute.py``) and asks whether the
dependents shift too or keep their dates (the conflict then stays as an alert).
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, SelectionList, Static, TextArea

from roadmap.domain.enums import ActionStatus, AdjustmentKind
from roadmap.domain.errors import ValidationError
from roadmap.domain.permissions import Capability
from roadmap.domain.validation import parse_date
from roadmap.tui.format import date_fr, shorten
from roadmap.tui.reroute import history_text, outcome_message, shift_field, wants_shift
from roadmap.tui.screens.action_reroute import action_impact
from roadmap.tui.screens.declared_form import FormModal, Values
from roadmap.tui.screens.form import FieldError, FormScreen, Theirs, form_buttons, labelled
from roadmap.tui.widgets.checklist import CheckList
from roadmap.usecases import queries
from roadmap.usecases.actions import ActionInput, add_action, edit_action
from roadmap.usecases.may import check_capability
from roadmap.usecases.queries import ActionDetail, Choice, FormChoices
from roadmap.usecases.queries_team import MarginView


def _options(choices: tuple[Choice, ...], width: int = 60) -> list[tuple[str, str]]:
    return [(shorten(c.label, width), c.key) for c in choices]


def _pick(
    choices: tuple[Choice, ...], value: str | None, prompt: str, widget_id: str
) -> Select[str]:
    """A narrow select (half a form row) over reference choices; no value: the prompt."""
    return Select(_options(choices, 32), value=value or Select.NULL, prompt=prompt, id=widget_id)


class ActionFormScreen(FormScreen[str | None]):
    FIELDS = {
        "titre": "title",
        "axe": "axe",
        "service pilote": "pilot",
        "responsable": "owner",
        "statut": "status",
        "début": "start",
        "fin": "end",
        "description": "description",
        "services contributeurs": "contributors",
        "QPV": "qpvs",
        "dépendances": "deps",
        "dépendance": "deps",
        "motif": "reason",
        "nature de l'ajustement": "kind",
        "action": "form",
    }

    def __init__(
        self,
        slug: str,
        choices: FormChoices,
        detail: ActionDetail | None,
    ) -> None:
        # Creating and editing an action both ask the right to modify the roadmap.
        super().__init__(check=lambda: check_capability(self.actor, slug, Capability.EDIT))
        self.slug = slug
        self.choices = choices
        self.detail = detail
        self.version = detail.row.version if detail else 0

    @property
    def editing(self) -> bool:
        return self.detail is not None

    def compose(self) -> ComposeResult:
        d = self.detail
        row = d.row if d else None
        own_ref = row.ref if row else ""
        with VerticalScroll(classes="form-box", id="action-form") as box:
            box.border_title = f"Modifier {own_ref}" if row else "Nouvelle action"
            box.border_subtitle = "ctrl+s enregistrer · échap fermer"
            yield from labelled("Titre", Input(row.title if row else "", id="title"))
            with Horizontal(classes="form-row"):
                with Vertical(classes="form-cell"):
                    axe = row.axe_ref if row else None
                    yield from labelled("Axe", _pick(self.choices.axes, axe, "sans axe", "axe"))
                with Vertical(classes="form-cell"):
                    yield from labelled(
                        "Statut",
                        Select(
                            [(s.label, s.value) for s in ActionStatus],
                            value=row.status.value if row else ActionStatus.IDEE.value,
                            allow_blank=False,
                            id="status",
                        ),
                    )
            with Horizontal(classes="form-row"):
                with Vertical(classes="form-cell"):
                    pilot = row.pilot_code if row else None
                    yield from labelled(
                        "Service pilote", _pick(self.choices.services, pilot, "choisir", "pilot")
                    )
                with Vertical(classes="form-cell"):
                    owner = row.owner_login if row else None
                    yield from labelled(
                        "Responsable", _pick(self.choices.people, owner, "personne", "owner")
                    )
            with Horizontal(classes="form-row"):
                with Vertical(classes="form-cell"):
                    start = date_fr(row.start_date) if row else ""
                    yield from labelled("Début (JJ/MM/AAAA)", Input(start, id="start"))
                with Vertical(classes="form-cell"):
                    end = date_fr(row.end_date) if row else ""
                    yield from labelled("Fin (JJ/MM/AAAA)", Input(end, id="end"))
            if self.editing:
                yield Label("Motif, si une date ou le périmètre change (ajustement d'itinéraire)")
                with Horizontal(classes="form-row"):
                    yield Input(placeholder="pourquoi ce changement ?", id="reason")
                    yield Select(
                        [(k.label, k.value) for k in AdjustmentKind],
                        value=AdjustmentKind.CONTRAINTE.value,
                        allow_blank=False,
                        id="kind",
                    )
                yield FieldError("reason")
                yield FieldError("kind")
            description = d.description if d else ""
            yield from labelled(
                "Description", TextArea(description, id="description", soft_wrap=True)
            )
            candidates = tuple(
                c for c in (*self.choices.actions, *self.choices.jalons) if c.key != own_ref
            )
            for label, widget_id, offered, ticked in (
                ("Services contributeurs (espace pour cocher)", "contributors",
                 self.choices.services, row.contributors if row else ()),
                ("Dépend de (actions et jalons qui doivent aboutir avant)", "deps",
                 candidates, d.depends_on if d else ()),
                ("Quartiers (QPV)", "qpvs", self.choices.qpvs, d.qpvs if d else ()),
            ):  # fmt: skip
                chosen = set(ticked)
                items = [(text, key, key in chosen) for text, key in _options(offered)]
                yield from labelled(label, CheckList(*items, id=widget_id))
            if d is not None:
                yield Label("Ajustements d'itinéraire (les plus récents d'abord)")
                yield Static(
                    history_text(d.adjustments, with_field=True) if d.adjustments else "  aucun",
                    id="action-history",
                )
            yield FieldError("form")
            yield from form_buttons("Enregistrer")
            yield Static("")

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    def _value(self, selector: str) -> str | None:
        value = self.query_one(selector, Select).value
        return value if isinstance(value, str) else None

    def gather(self) -> ActionInput:
        """What the user typed and ticked, as raw strings for the use case to validate."""
        d = self.detail
        return ActionInput(
            title=self.query_one("#title", Input).value,
            pilot_service=self._value("#pilot") or "",
            axe_ref=self._value("#axe"),
            owner_login=self._value("#owner"),
            status=self._value("#status") or ActionStatus.IDEE.value,
            start_date=self.query_one("#start", Input).value,
            end_date=self.query_one("#end", Input).value,
            description=self.query_one("#description", TextArea).text,
            pillar=d.pillar if d else None,
            contributors=list(self.query_one("#contributors", SelectionList).selected),
            qpvs=list(self.query_one("#qpvs", SelectionList).selected),
            depends_on=list(self.query_one("#deps", SelectionList).selected),
        )

    def action_save(self) -> None:
        data = self.gather()
        actor = self.actor
        if self.detail is None:

            async def create() -> str:
                saved = await add_action(actor, self.slug, data)
                self._warn(saved.ref, saved.warnings)
                return saved.ref

            self.save_with(create, self.dismiss)
            return
        row = self.detail.row
        try:
            dates = (parse_date(data.start_date, "début"), parse_date(data.end_date, "fin"))
        except ValidationError:
            dates = (row.start_date, row.end_date)  # the use case names the field
        if dates != (row.start_date, row.end_date) and not self.saving:
            self._confirm_move(data, *dates)
        else:
            self._save_edit(data, shift=False)

    def _confirm_move(self, data: ActionInput, start: date | None, end: date | None) -> None:
        """Dates changed: show what moves before confirming, and ask about the dependents."""
        from roadmap.usecases.queries_team import load_margins

        row = self.detail.row  # type: ignore[union-attr]
        today = self.roadmap_app.today

        async def choose(values: Values) -> bool:
            return wants_shift(values)

        def push(margins: MarginView) -> None:
            self.app.push_screen(
                FormModal(
                    f"Confirmer le nouvel itinéraire de {row.ref}",
                    [shift_field()],
                    choose,
                    intro=f"Du {date_fr(row.start_date) or '?'} au {date_fr(row.end_date) or '?'}"
                    f" → du {date_fr(start) or '?'} au {date_fr(end) or '?'}.",
                    save_label="Confirmer",
                    preview=lambda values: action_impact(
                        margins, row, start, end, shift_dependents=wants_shift(values)
                    ),
                ),
                lambda shift: self._moved(data, shift),
            )

        self.run_query(lambda: load_margins(self.slug, today), push, name="impact")

    def _moved(self, data: ActionInput, shift: bool | None) -> None:
        if shift is None:
            self._after_save = None  # the move was not confirmed: nothing saved, stay
            return
        self._save_edit(data, shift=shift)

    def _save_edit(self, data: ActionInput, *, shift: bool) -> None:
        actor, row, version = self.actor, self.detail.row, self.version  # type: ignore[union-attr]
        reason = self.query_one("#reason", Input).value
        kind = self._value("#kind") or ""

        async def save() -> str:
            outcome = await edit_action(
                actor, self.slug, row.ref, version, data,
                reason=reason, kind=kind, shift_dependents=shift,
            )  # fmt: skip
            if outcome.shifted or outcome.warnings:
                message, severity = outcome_message(row.ref, outcome)
                self.notify(message, title="Itinéraire", severity=severity, timeout=10)
            return row.ref

        self.save_with(save, self.dismiss)

    def _warn(self, ref: str, warnings: tuple[str, ...]) -> None:
        for warning in warnings[:3]:
            self.notify(warning, title="Dépendance contredite", severity="warning", timeout=10)

    @property
    def versioned(self) -> bool:
        return self.detail is not None

    async def load_theirs(self) -> Theirs | None:
        if self.detail is None:
            return None
        stored = await queries.action_detail(self.slug, self.detail.row.ref)
        self.version = stored.row.version
        return detail_values(stored)

    def option_labels(self, widget_id: str) -> dict[str, str]:
        c = self.choices
        by_id = {"axe": c.axes, "pilot": c.services, "owner": c.people}
        if widget_id == "status":
            return {s.value: s.label for s in ActionStatus}
        return {x.key: x.label for x in by_id.get(widget_id, ())}


def detail_values(d: ActionDetail) -> Theirs:
    """The stored action as the form's widgets hold it (the conflict view)."""
    row = d.row
    return {
        "title": row.title,
        "axe": row.axe_ref or "",
        "status": row.status.value,
        "pilot": row.pilot_code,
        "owner": row.owner_login or "",
        "start": date_fr(row.start_date),
        "end": date_fr(row.end_date),
        "description": d.description,
        "contributors": sorted(row.contributors),
        "deps": sorted(d.depends_on),
        "qpvs": sorted(d.qpvs),
    }
