"""Équipe: trinôme, cercle élargi, direction (portage of both sides), lecteurs; passation.

The passation wizard has two steps: who leaves and who takes over (checked by
``preview_passation``), then what moves, confirmed by ``passation``. Going back from the
second step returns to the first with what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from roadmap import formatting as fr
from roadmap.domain.enums import Role, Side
from roadmap.domain.permissions import Capability
from roadmap.tui.screens.base import RoadmapScreen
from roadmap.tui.screens.declared_form import FormField, FormModal, Values
from roadmap.tui.screens.form import open_form
from roadmap.tui.widgets.footer import FittedFooter
from roadmap.usecases import queries, reference
from roadmap.usecases import roadmaps as uc
from roadmap.usecases.may import check_member_removal
from roadmap.usecases.queries_team import RoadmapHeader, roadmap_header

MAX_TRINOME = uc.MAX_TRINOME
ROLE_RANK = [Role.LECTEUR, Role.CERCLE_ELARGI, Role.TRINOME, Role.DIRECTION]
SIDE_LABELS = {Side.POLITIQUE_DE_LA_VILLE: "Pol. de la ville"}  # fits the column at 80


@dataclass
class EquipeData:
    header: RoadmapHeader
    members: list[queries.MemberRow]


def portage_text(members: list[queries.MemberRow]) -> Text:
    """Trinôme seats and the direction's sponsorship on each side, gaps made visible."""
    text = Text()
    trinome = [m for m in members if m.role is Role.TRINOME]
    text.append(f"Trinôme ({len(trinome)}/{MAX_TRINOME}) : ", style="bold")
    text.append(", ".join(f"{m.name} ({_side_short(m.side)})" for m in trinome) or "personne")
    sides = {m.side for m in trinome}
    missing = [s for s in (Side.POLITIQUE_DE_LA_VILLE, Side.DROIT_COMMUN) if s not in sides]
    if missing:
        text.append(f"  ⚠ côté {' et '.join(s.label.lower() for s in missing)} absent")
    text.append("\nPortage direction : ", style="bold")
    parts = []
    for side in (Side.POLITIQUE_DE_LA_VILLE, Side.DROIT_COMMUN):
        names = [m.name for m in members if m.role is Role.DIRECTION and m.side is side]
        parts.append(f"{side.label} : {', '.join(names) or '⚠ personne'}")
    text.append(" · ".join(parts))
    others = [m for m in members if m.role is Role.DIRECTION and m.side is Side.AUTRE]
    if others:
        text.append(f" · autres : {', '.join(m.name for m in others)}")
    circle = sum(1 for m in members if m.role is Role.CERCLE_ELARGI)
    readers = sum(1 for m in members if m.role is Role.LECTEUR)
    text.append(f"\nCercle élargi : {circle} · lecteurs : {readers}")
    return text


def _side_short(side: Side) -> str:
    return {Side.POLITIQUE_DE_LA_VILLE: "PV", Side.DROIT_COMMUN: "DC"}.get(side, "autre")


def passation_text(preview: uc.PassationPreview, reason: str) -> Text:
    """What the passation will move, in the words of the team."""
    text = Text()
    text.append(f"{preview.from_name} ({preview.from_login})", style="bold")
    text.append(" → ")
    text.append(f"{preview.to_name} ({preview.to_login})", style="bold")
    text.append(f"\n\nActions qui changent de responsable ({len(preview.actions)}) :")
    for ref, title in preview.actions:
        text.append(f"\n  {ref} {title}")
    if not preview.actions:
        text.append(" aucune")
    text.append(f"\nInvitations aux jalons reprises ({len(preview.jalon_invites)}) :")
    for ref, title in preview.jalon_invites:
        text.append(f"\n  {ref} {title}")
    if not preview.jalon_invites:
        text.append(" aucune")
    text.append("\nRôles : ")
    if preview.role is None:
        text.append(f"{preview.from_name} n'est pas membre ; aucun rôle ne change.")
    else:
        current = preview.to_current_role
        if current is None or ROLE_RANK.index(preview.role) > ROLE_RANK.index(current):
            was = f" (aujourd'hui {current.label.lower()})" if current else " (non membre)"
            text.append(f"{preview.to_name} devient {preview.role.label.lower()}{was} ; ")
        else:
            text.append(f"{preview.to_name} garde son rôle ({current.label.lower()}) ; ")
        text.append(f"{preview.from_name} reste membre comme lecteur (son historique est gardé).")
    text.append(f"\nMotif : {reason.strip() or 'passation'}")
    for warning in preview.warnings:
        text.append(f"\n⚠ {warning}", style="bold")
    return text


class EquipeScreen(RoadmapScreen):
    """The team of the roadmap; keys: n add, m role, suppr remove, p passation, c contact
    details (name, e-mail: administrators)."""

    SCREEN_ID = "equipe"
    TITLE = "Équipe"
    BINDINGS = [
        Binding("n", "add", "Ajouter un membre"),
        Binding("m", "change", "Changer le rôle"),
        Binding("delete", "remove", "Retirer", key_display="suppr"),
        Binding("p", "passation", "Passation"),
        Binding("c", "contact", "Coordonnées"),
        Binding("ctrl+r", "reload", "Actualiser"),
    ]

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.data: EquipeData | None = None

    def compose(self) -> ComposeResult:
        yield Static("Équipe", id="equipe-title", classes="screen-title")
        yield Static("Chargement…", id="equipe-portage")
        yield DataTable(id="equipe-table", cursor_type="row", zebra_stripes=True)
        yield Static(
            "p passation : quand quelqu'un part, ses actions et invitations passent à "
            "un autre ; l'historique reste.",
            id="equipe-detail",
            classes="muted",
        )
        yield FittedFooter()

    def on_mount(self) -> None:
        table = self.query_one("#equipe-table", DataTable)
        table.add_column("Rôle", key="role", width=13)
        table.add_column("Nom", key="name", width=18)
        table.add_column("Identifiant", key="login", width=11)
        table.add_column("Service", key="service", width=max(12, self.app.size.width - 74))
        table.add_column("Côté", key="side", width=16)
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        actor, slug = self.actor, self.slug

        async def load() -> EquipeData:
            return EquipeData(await roadmap_header(actor, slug), await queries.members(slug))

        self.run_query(load, self.show_data, name="equipe")

    def show_data(self, data: EquipeData) -> None:
        self.data = data
        role = data.header.role.label.lower() if data.header.role else "non membre"
        self.query_one("#equipe-title", Static).update(
            f"Équipe · votre rôle : {role} — {data.header.title}"
        )
        self.query_one("#equipe-portage", Static).update(portage_text(data.members))
        table = self.query_one("#equipe-table", DataTable)
        keep = self.selected_login()
        table.clear()
        for m in data.members:
            table.add_row(
                m.role.label,
                m.name,
                m.login,
                m.service_name or "—",
                SIDE_LABELS.get(m.side, m.side.label),
                key=m.login,
            )
        logins = [m.login for m in data.members]
        if keep in logins:
            table.move_cursor(row=logins.index(keep))

    def selected_login(self) -> str | None:
        table = self.query_one("#equipe-table", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def selected_member(self) -> queries.MemberRow | None:
        login = self.selected_login()
        if self.data is None or login is None:
            return None
        return next((m for m in self.data.members if m.login == login), None)

    def chosen_member(self) -> queries.MemberRow | None:
        """The selected member, or None after saying to choose one first."""
        member = self.selected_member()
        if member is None:
            self.notify("choisissez d'abord un membre dans la liste", severity="warning")
        return member

    # --- add, change, remove -------------------------------------------------------------

    def action_add(self) -> None:
        slug = self.slug
        self.run_query(lambda: queries.choices(slug), self._open_add, name="choices")

    def _open_add(self, choices: queries.FormChoices) -> None:
        actor, slug = self.actor, self.slug
        members = {c.key for c in choices.members}
        people = [(f"{c.label} ({c.key})", c.key) for c in choices.people if c.key not in members]

        async def submit(values: Values) -> str:
            await uc.add_member(
                actor, slug, values["login"], values["role"], values["side"] or None
            )
            return str(values["login"])

        open_form(
            self,
            FormModal(
                "Ajouter un membre",
                [
                    FormField("login", "Personne", "select", options=people, aliases=("personne",)),
                    _role_field(Role.CERCLE_ELARGI),
                    _side_field("", automatic=True),
                ],
                submit,
                intro="Le trinôme compte trois personnes au plus, des deux politiques.",
                save_label="Ajouter",
                check=self.may(Capability.MANAGE_MEMBERS),
            ),
            lambda login: self._written(login, "membre ajouté"),
        )

    def action_change(self) -> None:
        member = self.chosen_member()
        if member is None:
            return
        actor, slug = self.actor, self.slug

        async def submit(values: Values) -> str:
            await uc.change_member(
                actor,
                slug,
                member.login,
                values["_version"],
                role=values["role"],
                side=values["side"],
            )
            return member.login

        async def reload() -> tuple[Values, int]:
            stored = next(m for m in await queries.members(slug) if m.login == member.login)
            return {"role": stored.role.value, "side": stored.side.value}, stored.version

        open_form(
            self,
            FormModal(
                f"Changer le rôle — {member.name}",
                [_role_field(member.role), _side_field(member.side.value)],
                submit,
                intro=f"Aujourd'hui : {member.role.label.lower()}, côté {member.side.label}.",
                check=self.may(Capability.MANAGE_MEMBERS),
                reload=reload,
                version=member.version,
            ),
            lambda login: self._written(login, "membre modifié"),
        )

    def action_contact(self) -> None:
        member = self.chosen_member()
        if member is None:
            return
        login = member.login
        self.run_query(lambda: reference.person_card(login), self._open_contact, name="person")

    def _open_contact(self, card: reference.PersonCard) -> None:
        actor = self.actor

        async def submit(values: Values) -> str:
            await reference.edit_person(
                actor,
                card.login,
                values["_version"],
                name=str(values["name"]),
                email=str(values["email"]),
                service_code=card.service_code or None,
            )
            return card.login

        async def reload() -> tuple[Values, int]:
            now = await reference.person_card(card.login)
            return {"name": now.name, "email": now.email}, now.version

        open_form(
            self,
            FormModal(
                f"Coordonnées — {card.name} ({card.login})",
                [
                    FormField("name", "Nom", value=card.name, aliases=("nom",)),
                    FormField(
                        "email",
                        "Courriel",
                        value=card.email,
                        aliases=("courriel",),
                        placeholder="nom@domaine (facultatif)",
                    ),
                ],
                submit,
                intro="Données de référence, communes à toutes les feuilles de route : "
                "modifiées par un administrateur, versionnées et journalisées.",
                version=card.version,
                reload=reload,
                check=lambda: reference.require_reference_editor(actor),
            ),
            lambda login: self._written(login, "fiche modifiée"),
        )

    def action_remove(self) -> None:
        member = self.chosen_member()
        if member is None:
            return
        actor, slug = self.actor, self.slug

        async def submit(_values: Values) -> str:
            await uc.remove_member(actor, slug, member.login)
            return member.login

        open_form(
            self,
            FormModal(
                f"Retirer {member.name} ?",
                [],
                submit,
                intro=f"{member.name} ({member.role.label.lower()}) ne sera plus membre.",
                save_label="Retirer",
                check=lambda: check_member_removal(actor, slug, member.login),
            ),
            lambda login: self._written(login, "membre retiré"),
        )

    def _written(self, login: str | None, what: str) -> None:
        if login:
            self.notify(f"{login} : {what}", title="Équipe")
        self.action_reload()

    # --- passation -------------------------------------------------------------------------

    def action_passation(self) -> None:
        member = self.selected_member()
        start = {"from": member.login if member else "", "to": "", "reason": ""}
        slug = self.slug
        self.run_query(
            lambda: queries.choices(slug),
            lambda choices: self._passation_step1(choices, start),
            name="choices",
        )

    def _passation_step1(self, choices: queries.FormChoices, typed: dict[str, str]) -> None:
        actor, slug = self.actor, self.slug

        async def check(values: Values) -> tuple[Values, uc.PassationPreview]:
            preview = await uc.preview_passation(actor, slug, values["from"], values["to"])
            return values, preview

        def next_step(result: tuple[Values, uc.PassationPreview] | None) -> None:
            if result is not None:
                self._passation_step2(choices, *result)

        open_form(
            self,
            FormModal(
                "Passation — 1/2 : qui part, qui reprend",
                [
                    FormField(
                        "from",
                        "De (la personne qui part)",
                        "select",
                        value=typed["from"],
                        options=[(f"{c.label} ({c.key})", c.key) for c in choices.members],
                        aliases=("de",),
                    ),
                    FormField(
                        "to",
                        "Vers (la personne qui reprend)",
                        "select",
                        value=typed["to"],
                        options=[(f"{c.label} ({c.key})", c.key) for c in choices.people],
                        aliases=("vers",),
                    ),
                    FormField(
                        "reason",
                        "Motif",
                        value=typed["reason"],
                        placeholder="départ, changement de poste… (facultatif)",
                    ),
                ],
                check,
                intro="Ses actions, ses invitations aux jalons et son rôle passent à l'autre "
                "personne ; l'historique est gardé.",
                save_label="Suivant",
                check=self.may(Capability.MANAGE_MEMBERS),
            ),
            next_step,
        )

    def _passation_step2(
        self, choices: queries.FormChoices, typed: Values, preview: uc.PassationPreview
    ) -> None:
        actor, slug = self.actor, self.slug

        async def confirm(values: Values) -> uc.PassationPreview:
            return await uc.passation(
                actor, slug, typed["from"], typed["to"], typed["reason"], side=values["side"]
            )

        def done(result: uc.PassationPreview | None) -> None:
            if result is None:  # « Retour »: back to step 1, as typed
                self._passation_step1(choices, {k: str(v) for k, v in typed.items()})
                return
            self.notify(
                f"passation faite : {fr.plural(len(result.actions), 'action')} et "
                f"{fr.plural(len(result.jalon_invites), 'invitation')} à {result.to_name}",
                title="Passation",
            )
            self.action_reload()

        open_form(
            self,
            FormModal(
                "Passation — 2/2 : vérifier et confirmer",
                [
                    FormField(
                        "side",
                        f"Côté de {preview.to_name} dans la feuille de route",
                        "select",
                        value=preview.to_side.value,
                        options=[(s.label, s.value) for s in Side],
                        aliases=("côté",),
                        hint="par défaut, le côté de son propre service",
                    )
                ],
                confirm,
                intro=passation_text(preview, str(typed["reason"])),
                save_label="Confirmer la passation",
                cancel_label="Retour",
                check=self.may(Capability.MANAGE_MEMBERS),
            ),
            done,
        )


def _role_field(current: Role) -> FormField:
    return FormField(
        "role",
        "Rôle",
        "select",
        value=current.value,
        options=[(r.label, r.value) for r in Role],
        aliases=("rôle",),
    )


def _side_field(current: str, *, automatic: bool = False) -> FormField:
    options = [(s.label, s.value) for s in Side]
    return FormField(
        "side",
        "Côté (portage)",
        "select",
        value=current,
        options=options,
        aliases=("côté",),
        hint="laisser vide : d'après son service" if automatic else "",
    )
