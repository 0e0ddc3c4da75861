"""« Premiers pas »: the few keys a newcomer needs, shown at the first launch.

On a new database it also asks how to start: explore the demo, start an empty roadmap, or
import a file; nothing is decided for the user. Skippable (échap), reopened from the help
(« p »).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from roadmap.exchange.drop import refuse_in_web

FIRST_STEPS = """\
[b]Se déplacer[/b] : ↑ ↓ choisissent une ligne, [b]Entrée[/b] l'ouvre, [b]Échap[/b] revient.
[b]Une feuille de route[/b] : b tableau de bord, a actions, j jalons, e équipe,
o observations, h journal, i instruction, r revue direction, x exporter.
[b]Un formulaire[/b] : Tab passe au champ suivant, [b]ctrl+s[/b] enregistre, Échap ferme ;
rien de ce que vous avez tapé n'est perdu sans qu'on vous le demande.
[b]À tout moment[/b] : [b]?[/b] (ou f1) montre les touches de l'écran, [b]q[/b] (ou ctrl+q)
quitte, ctrl+p cherche une commande. La souris marche aussi.
Le bas de l'écran rappelle toujours les touches utiles."""


class PremiersPasScreen(ModalScreen[str | None]):
    """Dismissed with ``demo``, ``empty``, ``import:PATH`` or None (just closed)."""

    BINDINGS = [Binding("escape", "close", "Passer")]

    def __init__(self, *, new_database: bool = False) -> None:
        super().__init__(classes="form-screen")
        self.new_database = new_database

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form-box", id="welcome-box") as box:
            box.border_title = "Premiers pas"
            box.border_subtitle = "échap pour passer · ? pour l'aide"
            yield Static(FIRST_STEPS, id="welcome-keys")
            if self.new_database:
                yield Static(
                    "\nCette base est neuve. Pour commencer, choisissez :", id="welcome-question"
                )
                with Horizontal(classes="form-buttons"):
                    yield Button("Explorer la démonstration", id="welcome-demo", variant="primary")
                    yield Button("Commencer à vide", id="welcome-empty")
                    yield Button("Importer un fichier…", id="welcome-import")
                yield Input(placeholder="chemin du fichier .toml exporté", id="welcome-path")
            else:
                with Horizontal(classes="form-buttons"):
                    yield Button("Commencer (Entrée)", id="welcome-close", variant="primary")

    def on_mount(self) -> None:
        if self.new_database:
            self.query_one("#welcome-path", Input).display = False
            self.query_one("#welcome-demo", Button).focus()
        else:
            self.query_one("#welcome-close", Button).focus()

    @on(Button.Pressed, "#welcome-demo")
    def _demo(self) -> None:
        self.dismiss("demo")

    @on(Button.Pressed, "#welcome-empty")
    def _empty(self) -> None:
        self.dismiss("empty")

    @on(Button.Pressed, "#welcome-import")
    def _ask_path(self) -> None:
        refused = refuse_in_web(
            "importer un fichier",
            "un administrateur l'importe sur le serveur (roadmap import FICHIER.toml)",
        )
        if refused:  # a browser session never types a server path
            self.notify(refused, severity="warning", title="Importer", timeout=12)
            return
        path = self.query_one("#welcome-path", Input)
        if path.display and path.value.strip():
            self.dismiss(f"import:{path.value.strip()}")
            return
        path.display = True
        path.focus()

    @on(Input.Submitted, "#welcome-path")
    def _path_given(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(f"import:{event.value.strip()}")

    @on(Button.Pressed, "#welcome-close")
    def action_close(self) -> None:
        self.dismiss(None)
