"""Form: the guided start of a real roadmap on a base with no service yet.

The administrator names the territory, their service and its side, the other side's
service, themself, and the roadmap; ``usecases.first_start`` creates all of it in one
unit. Dismissed with the new roadmap's slug.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Select, Static, TextArea

from roadmap.domain.demo_reference import DEMO_PERSONA
from roadmap.tui.screens.form import FieldError, FormScreen, form_buttons, labelled
from roadmap.tui.screens.roadmap_form import destination_fields
from roadmap.usecases.first_start import FirstStart, Started, first_start

INTRO = (
    "Une feuille de route se tient entre la politique de la ville et un service de droit "
    "commun. Nommez votre territoire, votre service, vous-même et la feuille de route : "
    "tout est créé d'un coup (rien n'est écrit si un champ est refusé), puis vous arrivez "
    "sur son tableau de bord, au trinôme."
)
SIDES = [("Politique de la ville", "politique_de_la_ville"), ("Droit commun", "droit_commun")]


class FirstStartScreen(FormScreen[str | None]):
    FIELDS = {
        "territoire": "territoire",
        "nom du territoire": "territoire",
        "code du territoire": "territoire",
        "votre nom": "my_name",
        "votre service": "my_service",
        "votre côté": "my_side",
        "service de l'autre côté": "other_service",
        "titre": "title",
        "point d'arrivée": "destination",
        "horizon": "horizon",
    }

    def compose(self) -> ComposeResult:
        name = self.actor.name if self.actor.name != DEMO_PERSONA else ""
        with VerticalScroll(classes="form-box", id="first-start-box") as box:
            box.border_title = "Commencer votre feuille de route"
            box.border_subtitle = "ctrl+s commencer · échap fermer"
            yield Static(INTRO, classes="muted")
            yield from labelled(
                "Territoire (le contrat de ville)",
                Input(placeholder="p. ex. Ville de Roubaix", id="territoire"),
            )
            yield from labelled(
                f"Votre nom (votre identifiant reste {self.actor.login})",
                Input(name, placeholder="prénom et nom", id="my_name"),
            )
            yield from labelled(
                "Votre service",
                Input(placeholder="p. ex. Direction de la politique de la ville", id="my_service"),
            )
            yield from labelled(
                "Son côté",
                Select[str](SIDES, id="my_side", value=SIDES[0][1], allow_blank=False),
            )
            yield from labelled(
                "Le service de l'autre côté",
                Input(placeholder="p. ex. Direction des sports", id="other_service"),
            )
            yield from labelled("Titre de la feuille de route", Input(id="title"))
            yield from destination_fields()
            yield FieldError("form")
            yield from form_buttons("Commencer")
            yield Static("")

    def on_mount(self) -> None:
        self.query_one("#territoire", Input).focus()

    def action_save(self) -> None:
        def text(selector: str) -> str:
            return self.query_one(selector, Input).value

        side = self.query_one("#my_side", Select).value
        data = FirstStart(
            territoire=text("#territoire"),
            my_name=text("#my_name"),
            my_service=text("#my_service"),
            my_side=side if isinstance(side, str) else "",
            other_service=text("#other_service"),
            title=text("#title"),
            destination=self.query_one("#destination", TextArea).text,
            horizon=text("#horizon"),
        )

        def done(started: Started) -> None:
            self.dismiss(started.slug)

        self.save_with(lambda: first_start(self.actor, data), done)
