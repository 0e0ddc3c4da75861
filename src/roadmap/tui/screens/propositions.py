"""Propositions: what services proposed by sending their file back, to accept or refuse.

Grouped by service (then by number), each with base → proposed and its reason; a value the
trinôme also changed since the export is marked as a conflict. Accepting runs the same use
case as a form (a moved date offers the form's choice: shift the dependents or keep their
dates, with the same preview); refusing asks for a motive (issue 17). ``f`` receives a
returned file, as ``roadmap propositions recevoir`` does.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from roadmap import formatting as fr
from roadmap.domain.errors import ValidationError
from roadmap.exchange import drop
from roadmap.exchange.receive import Received, receive_file
from roadmap.tui.reroute import impact_text, shift_field, wants_shift
from roadmap.tui.screens.base import RoadmapScreen
from roadmap.tui.screens.declared_form import FormField, FormModal, Values
from roadmap.tui.screens.form import open_form
from roadmap.tui.widgets.footer import FittedFooter
from roadmap.tui.widgets.virtual_table import Column, VirtualTable
from roadmap.usecases.may import check_capability, check_proposition
from roadmap.usecases.proposition_apply import Accepted
from roadmap.usecases.propositions import (
    DateMove,
    PropositionRow,
    accept_proposition,
    date_move,
    deciding_roadmaps,
    list_propositions,
    refuse_proposition,
)
from roadmap.usecases.queries_team import MarginView, load_margins


def _change(r: PropositionRow) -> str:
    if not r.proposed:  # a withdrawal (an engagement the service no longer commits)
        return f"« {r.base} » → retrait"
    return f"« {r.base} » → « {r.proposed} »" if r.base else f"→ « {r.proposed} »"


def _tone(r: PropositionRow) -> str:
    if r.status == "refusee":
        return "muted"
    if r.status == "acceptee":
        return "success"
    return "warning" if r.conflict else ""


class PropositionsScreen(RoadmapScreen):
    """Keys: v accepter, n refuser (avec motif), f recevoir un fichier, ctrl+r actualiser."""

    SCREEN_ID = "propositions"
    TITLE = "Propositions"
    BINDINGS = [
        Binding("v", "accept", "Accepter"),
        Binding("n", "refuse", "Refuser"),
        Binding("f", "receive", "Recevoir un fichier"),
        Binding("ctrl+r", "reload", "Actualiser"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(
            f"Propositions des services — {self.slug}", id="propositions-title",
            classes="screen-title",
        )  # fmt: skip
        yield VirtualTable[PropositionRow](
            [
                Column("service", "Service", lambda r: r.service, 12),
                Column("id", "N°", lambda r: str(r.id), 4, align_right=True),
                Column("item", "Élément", lambda r: f"{r.ref} {r.field_label}", 14),
                Column("change", "Base → proposé", _change, 20, flex=True, tone=_tone),
                Column("status", "Sort", lambda r: r.status_label, 10, tone=_tone),
            ],
            row_key=lambda r: str(r.id),
            empty_text="aucune proposition reçue (f : recevoir le fichier renvoyé par un service)",
            id="propositions-table",
        )
        yield Static("", id="proposition-detail")
        yield FittedFooter()

    @property
    def table(self) -> VirtualTable[PropositionRow]:
        return self.query_one("#propositions-table", VirtualTable)  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        actor, slug = self.actor, self.slug

        async def rows() -> list[PropositionRow]:
            return [r for r in await list_propositions(actor) if r.roadmap == slug]

        self.run_query(rows, self.table.set_rows, name="propositions")

    @on(VirtualTable.RowHighlighted, "#propositions-table")
    def show_detail(self, event: VirtualTable.RowHighlighted) -> None:
        row: PropositionRow | None = event.row
        self.query_one("#proposition-detail", Static).update(self.describe(row) if row else "")

    @staticmethod
    def describe(r: PropositionRow) -> Text:
        text = Text()
        author = r.author or "auteur non précisé"
        text.append(f"n° {r.id} · {r.service} ({author}) · {r.ref} {r.field_label}", style="bold")
        text.append(f"\n{_change(r)}")
        if r.reason:
            text.append("\nMotif : ", style="bold")
            text.append(r.reason, style="italic")
        if r.kind == "personne" and r.status == "en_attente":
            text.append("\nDonnées de référence : acceptée par un administrateur.", style="italic")
        if r.conflict:
            text.append(
                f"\n⚠ conflit : la valeur a changé depuis l'export (base « {r.base} », "
                f"à la réception « {r.current} », proposé « {r.proposed} »)",
                style="bold",
            )
        if r.status != "en_attente":
            text.append(f"\n{r.status_label} par {r.decided_by}")
            if r.motive:
                text.append(f" : {r.motive}")
        return text

    def _pending(self) -> PropositionRow | None:
        row = self.table.current
        if row is None or row.status != "en_attente":
            self.notify("choisissez une proposition en attente", severity="warning")
            return None
        return row

    def action_accept(self) -> None:
        row = self._pending()
        if row is None:
            return
        if not row.date_move:
            self._open_accept(row, None, None)
            return
        slug, today = self.slug, self.roadmap_app.today

        async def load() -> tuple[DateMove | None, MarginView]:
            return await date_move(row), await load_margins(slug, today)

        self.run_query(load, lambda got: self._open_accept(row, *got), name="accept")

    def _open_accept(
        self, row: PropositionRow, move: DateMove | None, margins: MarginView | None
    ) -> None:
        actor = self.actor

        async def submit(values: Values) -> Accepted:
            shift = wants_shift(values) if move is not None else None
            return await accept_proposition(actor, row.id, shift_dependents=shift)

        def preview(values: Values) -> Text:
            assert move is not None
            return impact_text(
                margins, "action", move.ref, move.end or move.start, move.new_start,
                move.new_end, shift_dependents=wants_shift(values),
            )  # fmt: skip

        open_form(
            self,
            FormModal(
                f"Accepter la proposition n° {row.id} ?",
                [shift_field()] if move is not None else [],
                submit,
                intro=self.describe(row),
                save_label="Accepter",
                preview=preview if move is not None else None,
                check=lambda: check_proposition(actor, row.id),
            ),
            lambda done: self._decided(row, None if done is None else _accepted_text(done)),
        )

    def action_receive(self) -> None:
        actor, root = self.actor, drop.web_root()

        async def load() -> list[drop.Deposit]:
            if root is None:
                return []
            # Only the deposits about a roadmap where this person may receive.
            mine = await deciding_roadmaps(actor)
            return [d for d in drop.deposits(root) if drop.roadmaps_of(d.path) & mine]

        self.run_query(load, self._open_receive, name="receive")

    def _open_receive(self, found: list[drop.Deposit]) -> None:
        from roadmap.domain.permissions import Capability

        actor, slug = self.actor, self.slug
        root = drop.web_root()

        async def check() -> None:
            await check_capability(actor, slug, Capability.EDIT)
            if root is not None and not found:  # « not now », with the step before
                raise ValidationError(
                    "aucun fichier déposé : déposez-le d'abord par « Fichiers de mon service » "
                    "→ « Renvoyer un fichier » (barre du haut de la page)",
                    field="fichier",
                )

        async def submit(values: Values) -> Received:
            typed = str(values["path"]).strip()
            if not typed:
                raise ValidationError(_ASK_FILE if root is None else _ASK_DEPOSIT, field="fichier")
            # In a browser session only a deposit's name is accepted, never a server path.
            path = Path(typed).expanduser() if root is None else drop.resolve(root, typed)
            done = await receive_file(actor, path, declared_author=str(values["par"]) or None)
            if root is not None:  # received: out of the list, the depositor sees « reçu »
                drop.mark_received(path)
            return done

        if root is None:
            source = FormField(
                "path", "Fichier (.toml)", placeholder="ex. ~/Téléchargements/ars.toml",
                aliases=("fichier",),
            )  # fmt: skip
            intro = _RECEIVE_INTRO
        else:
            source = FormField(
                "path", "Fichier déposé", "select", found[0].key if found else "",
                options=[(d.label, d.key) for d in found], aliases=("fichier",),
            )  # fmt: skip
            intro = _RECEIVE_INTRO + (
                "\nSession web : seuls les fichiers déposés par « Fichiers de mon service » "
                "→ « Renvoyer un fichier » (barre du haut) sont proposés."
            )
        open_form(
            self,
            FormModal(
                "Recevoir le fichier renvoyé par un service",
                [
                    source,
                    FormField(
                        "par",
                        "Auteur déclaré",
                        aliases=("auteur",),
                        placeholder="facultatif (sinon [reponse] auteur du fichier)",
                    ),
                ],
                submit,
                intro=intro,
                save_label="Recevoir",
                check=check,
            ),
            self._received,
        )

    def _received(self, result: Received | None) -> None:
        if result is None:
            return
        author = result.author or "auteur non précisé"
        if result.recorded:
            conflicts = len(result.conflicts())
            message = (
                f"{fr.plural(len(result.recorded), 'proposition')} de {result.service} ({author})"
            )
            if conflicts:
                message += f", dont {conflicts} en conflit"
        else:
            message = f"{result.service} ({author}) : aucune proposition"
        if result.already:
            ignored = len(result.already)
            ignored_word = fr.agree(ignored, "ignorée")
            message += f" ; {fr.number(ignored)} {ignored_word} (déjà en place ou déjà reçue)"
        self.notify(message, title="Propositions reçues", timeout=8)
        self.action_reload()

    def action_refuse(self) -> None:
        row = self._pending()
        if row is None:
            return
        actor = self.actor

        async def submit(values: Values) -> str:
            await refuse_proposition(actor, row.id, str(values["motif"]))
            return "refusée"

        open_form(
            self,
            FormModal(
                f"Refuser la proposition n° {row.id}",
                [FormField("motif", "Motif du refus (le service le lira)", "area")],
                submit,
                intro=self.describe(row),
                save_label="Refuser",
                check=lambda: check_proposition(actor, row.id),
            ),
            lambda done: self._decided(row, done),
        )

    def _decided(self, row: PropositionRow, done: str | None) -> None:
        if done:
            self.notify(f"proposition n° {row.id} {done}", title="Propositions", timeout=8)
        self.action_reload()


_ASK_FILE = "donnez le chemin du fichier renvoyé"
_ASK_DEPOSIT = "choisissez un fichier déposé"
_RECEIVE_INTRO = (
    "Le fichier services/<code>.toml modifié par le service : chaque valeur modifiée "
    "devient une proposition ; rien n'est appliqué avant votre décision."
)


def _accepted_text(done: Accepted) -> str:
    return "\n".join(("acceptée", *done.lines()))
