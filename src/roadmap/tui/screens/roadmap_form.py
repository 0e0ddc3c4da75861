"""Form: start a new feuille de route (the creator takes a trinôme seat)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Select, Static, TextArea

from roadmap.domain.enums import ServiceKind
from roadmap.tui.screens.form import FieldError, FormScreen, form_buttons, labelled
from roadmap.usecases.may import check_roadmap_creation
from roadmap.usecases.queries import Choice
from roadmap.usecases.queries_frame import service_choices
from roadmap.usecases.roadmaps import RoadmapInput, create_roadmap


def destination_fields() -> ComposeResult:
    """Where the roadmap wants to be, and by when: asked on every new roadmap."""
    yield from labelled(
        "Point d'arrivée : où veut-on être à l'horizon ?",
        TextArea(id="destination", soft_wrap=True, classes="short-text"),
    )
    yield from labelled("Horizon (JJ/MM/AAAA)", Input(placeholder="JJ/MM/AAAA", id="horizon"))


class RoadmapFormScreen(FormScreen[str | None]):
    """Asks the core first: administrators and directions start roadmaps."""

    FIELDS = {
        "identifiant": "slug",
        "titre": "title",
        "point d'arrivée": "destination",
        "horizon": "horizon",
        "côté politique de la ville": "pv",
        "côté droit commun": "dc",
    }

    def __init__(self) -> None:
        super().__init__(check=lambda: check_roadmap_creation(self.actor))

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form-box") as box:
            box.border_title = "Nouvelle feuille de route"
            box.border_subtitle = "ctrl+s enregistrer · échap fermer"
            yield from labelled(
                "Identifiant (minuscules, chiffres, tirets)",
                Input(placeholder="p. ex. pat-salon-martigues", id="slug"),
            )
            yield from labelled("Titre", Input(id="title"))
            yield from destination_fields()
            yield from labelled(
                "Côté politique de la ville", Select[str]([], id="pv", prompt="choisir un service")
            )
            yield from labelled(
                "Côté droit commun", Select[str]([], id="dc", prompt="choisir un service")
            )
            yield FieldError("form")
            yield from form_buttons("Créer")
            yield Static("")

    def on_mount(self) -> None:
        self.query_one("#slug", Input).focus()
        self.run_query(
            lambda: service_choices(ServiceKind.POLITIQUE_DE_LA_VILLE),
            lambda c: self._fill("#pv", c),
            name="pv",
        )
        self.run_query(service_choices, lambda c: self._fill("#dc", c), name="dc")

    def _fill(self, selector: str, choices: list[Choice]) -> None:
        self.query_one(selector, Select).set_options((c.label, c.key) for c in choices)

    def action_save(self) -> None:
        def value(selector: str) -> str:
            selected = self.query_one(selector, Select).value
            return selected if isinstance(selected, str) else ""

        data = RoadmapInput(
            slug=self.query_one("#slug", Input).value,
            title=self.query_one("#title", Input).value,
            destination=self.query_one("#destination", TextArea).text,
            horizon=self.query_one("#horizon", Input).value,
            pv_service=value("#pv"),
            dc_service=value("#dc"),
        )
        self.save_with(
            lambda: create_roadmap(self.actor, data), lambda roadmap: self.dismiss(roadmap.slug)
        )
