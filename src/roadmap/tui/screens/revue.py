"""Revue direction: critical path, marges, load, alliance, fragility, neighbourhood, impact.

The graph is read and analysed in a worker (the analyses run in a thread, see
``graph.review.review_roadmap``); networkx is imported there, never at start-up.
Keys: v voisinage of the selected row, s simulate its slip, ctrl+r reload.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Static,
    TabbedContent,
    TabPane,
    Tree,
)
from textual.widgets.tree import TreeNode

from roadmap import formatting as fr
from roadmap.graph import model as m
from roadmap.graph.review import Review, review_roadmap
from roadmap.graph.schedule import SlipImpact, simulate_slip
from roadmap.tui.format import date_fr, shorten
from roadmap.tui.screens.base import RoadmapScreen
from roadmap.tui.widgets.footer import FittedFooter

# Neighbourhood: how each kind of edge reads from the selected node (out, in).
_OUT = {
    m.DEPENDS_ON: "attend",
    m.PILOTS: "pilote",
    m.OWNS: "est responsable de",
    m.CONTRIBUTES: "contribue à",
    m.INVITED_TO: "invité à",
    m.INSTRUCTS: "instruit",
    m.FINANCES: "finance",
    m.MEMBER_OF: "membre de",
    m.CONCERNS: "concerne",
}
_IN = {
    m.DEPENDS_ON: "attendu par",
    m.PILOTS: "piloté par",
    m.OWNS: "responsable",
    m.CONTRIBUTES: "contributeurs",
    m.INVITED_TO: "invités",
    m.INSTRUCTS: "instruit par",
    m.FINANCES: "financé par",
    m.MEMBER_OF: "membres",
    m.CONCERNS: "dossiers",
}


def margin_text(value: int | None) -> Text:
    if value is None:
        return Text("—")
    style = "bold red" if value < 0 else ("yellow" if value <= 30 else "")
    return Text(f"{value} j", style=style)


def critical_chain(review: Review, slug: str) -> str:
    """« J5 Échéance… (15/04/2026, marge -9 j) → A5 … → Point d'arrivée (31/12/2028) »."""
    s = review.schedule
    parts = []
    for node in s.critical_paths.get(slug, []):
        timing = s.items.get(node)
        if timing is None:
            parts.append(f"Point d'arrivée ({date_fr(s.horizons.get(slug))})")
            continue
        margin = "terminé" if timing.margin is None else f"marge {timing.margin} j"
        parts.append(f"{shorten(review.label(node), 40)} ({date_fr(timing.end)}, {margin})")
    return "\n  → ".join(parts)


class RevueScreen(RoadmapScreen):
    """The direction's review of one roadmap."""

    SCREEN_ID = "revue"
    TITLE = "Revue direction"
    BINDINGS = [
        # Tabs only answer ←/→ once focused: the screen takes them (not in a text field).
        Binding("right", "next_tab", "Onglets", key_display="←→", priority=True),
        Binding("left", "previous_tab", "Onglet précédent", show=False, priority=True),
        Binding("v", "neighbourhood", "Voisinage"),
        Binding("s", "simulate_selected", "Simuler un décalage"),
        Binding("ctrl+r", "reload", "Actualiser"),
    ]

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.review: Review | None = None
        self.impact: SlipImpact | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"Revue direction — {self.slug}", id="revue-title", classes="screen-title")
        with TabbedContent(id="revue-tabs"):
            with TabPane("Chemin critique", id="revue-tab-chemin"):
                with VerticalScroll():
                    yield Static("Analyse du graphe en cours…", id="revue-summary")
                    yield Static("", id="revue-chain")
                    yield Static("", id="revue-issues")
            with TabPane("Marges", id="revue-tab-marges"):
                yield DataTable(id="revue-margins", cursor_type="row", zebra_stripes=True)
            with TabPane("Charge", id="revue-tab-charge"):
                yield DataTable(id="revue-load", cursor_type="row", zebra_stripes=True)
            with TabPane("Alliance", id="revue-tab-alliance"):
                with VerticalScroll():
                    yield Static("", id="revue-alliance")
            with TabPane("Fragilités", id="revue-tab-fragilites"):
                yield Static("", id="revue-single-links")
                yield DataTable(id="revue-fragility", cursor_type="row", zebra_stripes=True)
            with TabPane("Voisinage", id="revue-tab-voisinage"):
                yield Tree("Choisissez un élément (touche v)", id="revue-tree")
            with TabPane("Simulateur", id="revue-tab-simulateur"):
                with Horizontal(id="revue-sim-form"):
                    yield Input(placeholder="élément (ex. J5, A3)", id="revue-sim-ref")
                    yield Input(placeholder="décalage en jours (ex. 14)", id="revue-sim-days")
                    yield Button("Simuler", id="revue-sim-run", variant="primary")
                with VerticalScroll():
                    yield Static(
                        "Si un jalon ou une action glisse de N jours, qu'est-ce qui bouge, "
                        "et l'horizon tient-il ?",
                        id="revue-sim-result",
                    )
        yield FittedFooter()

    def on_mount(self) -> None:
        margins = self.query_one("#revue-margins", DataTable)
        for label, key, width in [
            ("Réf", "ref", 4),
            ("Élément", "title", 34),
            ("Fin projetée", "end", 12),
            ("Marge", "margin", 8),
            ("Retard", "delay", 7),
            ("Porté par", "who", 14),
        ]:
            margins.add_column(label, key=key, width=width)
        load = self.query_one("#revue-load", DataTable)
        for label, key, width in [
            ("Qui", "who", 30),
            ("Nature", "kind", 9),
            ("Actions", "actions", 8),
            ("Dossiers", "dossiers", 9),
            ("Jalons", "jalons", 7),
            ("Surcharge", "over", 30),
        ]:
            load.add_column(label, key=key, width=width)
        fragility = self.query_one("#revue-fragility", DataTable)
        for label, key, width in [
            ("Service ou personne", "who", 36),
            ("Point de passage", "cut", 17),
            ("Isolerait", "cut_off", 10),
            ("Intermédiarité", "between", 15),
        ]:
            fragility.add_column(label, key=key, width=width)
        self.action_reload()

    def action_next_tab(self) -> None:
        self._move_tab(1)

    def action_previous_tab(self) -> None:
        self._move_tab(-1)

    def _move_tab(self, step: int) -> None:
        if isinstance(self.focused, Input):
            raise SkipAction()  # the caret moves in the simulator's fields
        tabs = self.query_one("#revue-tabs", TabbedContent)
        panes = [pane.id for pane in tabs.query(TabPane) if pane.id]
        if tabs.active in panes:
            tabs.active = panes[(panes.index(tabs.active) + step) % len(panes)]

    def action_reload(self) -> None:
        today = self.roadmap_app.today
        self.run_query(
            lambda: review_roadmap(self.actor, self.slug, today=today), self.show, name="revue"
        )

    # --- showing the review -------------------------------------------------------------

    def show(self, review: Review) -> None:
        self.review = review
        s, slug = review.schedule, self.slug
        dest = review.graph.nodes[m.destination_id(slug)]
        horizon, finish = s.horizons.get(slug), s.finish(slug)
        verdict = ""
        if horizon and finish:
            gap = (horizon - finish).days
            verdict = (
                f"fin projetée {date_fr(finish)} : {gap} jours avant l'horizon"
                if gap >= 0
                else f"fin projetée {date_fr(finish)} : DÉPASSE l'horizon de {-gap} jours"
            )
        no_margin = [t for t in s.margins() if t.roadmap == slug and t.margin is not None]
        late = sum(1 for t in no_margin if t.margin is not None and t.margin <= 0)
        overloaded = len(review.overloaded)
        self.query_one("#revue-summary", Static).update(
            Text.assemble(
                ("Point d'arrivée", "bold"),
                f" — horizon {date_fr(horizon)}\n{shorten(str(dest['label']), 200)}\n",
                (verdict, "bold red" if "DÉPASSE" in verdict else "bold"),
                f"\n{fr.plural(late, 'élément')} sans marge · "
                f"{fr.plural(overloaded, 'surcharge')} · "
                f"{fr.plural(len(review.alliance.absent), 'service absent', 'services absents')} "
                "de l'alliance",
            )
        )
        self.query_one("#revue-chain", Static).update(
            Text.assemble(("\nChemin critique\n  ", "bold"), critical_chain(review, slug))
        )
        issues = [i.message for i in review.issues]
        self.query_one("#revue-issues", Static).update(
            Text.assemble(
                ("\nCohérence\n", "bold"),
                "\n".join(f"• {x}" for x in issues) if issues else "rien à signaler",
            )
        )
        self._fill_margins(review)
        self._fill_load(review)
        self._fill_fragility(review)
        self.query_one("#revue-alliance", Static).update(self._alliance_text(review))

    def _fill_margins(self, review: Review) -> None:
        table = self.query_one("#revue-margins", DataTable)
        table.clear()
        g = review.graph
        for t in review.schedule.margins():
            if t.roadmap != self.slug:
                continue
            a = g.nodes[t.node]
            late = review.schedule.overdue(t.node) if a.get("kind") == m.JALON else 0
            table.add_row(
                str(a["ref"]),
                shorten(str(a["label"]), 34),
                date_fr(t.end) + ("" if t.dated else " ?"),
                # a jalon past its date and not held is late: no marge to speak of
                Text("en retard", style="bold red") if late else margin_text(t.margin),
                f"+{t.delay} j" if t.delay else "",
                str(a.get("owner") or a.get("pilot") or ""),
                key=t.node,
            )

    def _fill_load(self, review: Review) -> None:
        table = self.query_one("#revue-load", DataTable)
        table.clear()
        for load in review.load:
            table.add_row(
                shorten(load.label, 30),
                "personne" if load.kind == m.PERSON else "service",
                str(load.actions),
                str(load.dossiers),
                str(load.jalons),
                Text("; ".join(load.reasons), style="bold red") if load.overloaded else "",
                key=load.node,
            )

    def _fill_fragility(self, review: Review) -> None:
        links = self.query_one("#revue-single-links", Static)
        links.update(
            Text("\n".join(f"⚠ {link.message}" for link in review.single_links), style="bold")
        )
        links.display = bool(review.single_links)
        table = self.query_one("#revue-fragility", DataTable)
        table.clear()
        for f in review.fragility:
            table.add_row(
                shorten(f.label, 36),
                Text("oui", style="bold red") if f.articulation else "non",
                f"{f.cut_off}" if f.articulation else "",
                fr.number(f.betweenness, 2),
                key=f.node,
            )

    @staticmethod
    def _alliance_text(review: Review) -> Text:
        al, g = review.alliance, review.graph
        text = Text()
        for side in (m.DC, m.ETAT, m.PARTENAIRE, m.PV):
            group = al.by_side(side)
            text.append(f"{m.SIDE_LABELS[side]} ({len(group)})\n", style="bold")
            for p in group:
                text.append(
                    f"  • {shorten(p.label, 50)} : {fr.plural(p.actions, 'action')}, "
                    f"{fr.plural(p.jalons, 'jalon')}, "
                    f"{p.dossiers} dossiers\n"
                )
            if not group:
                text.append("  — aucun —\n")
        text.append(
            f"\nActions associant politique de la ville et droit commun : "
            f"{round(al.share_both * 100)} % ({al.actions_both} sur {al.actions})\n",
            style="bold",
        )
        absent = ", ".join(str(g.nodes[n]["label"]) for n in al.absent) or "aucun"
        isolated = ", ".join(str(g.nodes[n]["label"]) for n in al.isolated) or "aucun"
        text.append("Pas encore dans l'alliance (droit commun, État) : ", style="bold")
        text.append(f"{absent}\n", style="red" if al.absent else "")
        text.append("Isolés (jamais avec l'autre politique) : ", style="bold")
        text.append(f"{isolated}\n", style="yellow" if al.isolated else "")
        return text

    # --- neighbourhood ------------------------------------------------------------------

    def _selected_node(self) -> str | None:
        tabs = self.query_one("#revue-tabs", TabbedContent)
        table_id = {
            "revue-tab-marges": "#revue-margins",
            "revue-tab-charge": "#revue-load",
            "revue-tab-fragilites": "#revue-fragility",
        }.get(tabs.active)
        if table_id is None:
            return None
        table = self.query_one(table_id, DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value)

    def action_neighbourhood(self) -> None:
        node = self._selected_node()
        if node is None:
            self.notify(
                "choisissez d'abord une ligne dans Marges, Charge ou Fragilités",
                severity="warning",
            )
            return
        self.show_neighbourhood(node)

    @on(DataTable.RowSelected)
    def row_chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.show_neighbourhood(str(event.row_key.value))

    def show_neighbourhood(self, node: str) -> None:
        if self.review is None or node not in self.review.graph:
            return
        tree: Tree[str] = self.query_one("#revue-tree", Tree)
        tree.clear()
        tree.root.set_label(self._node_label(node))
        tree.root.data = node
        self._expand(tree.root, node)
        tree.root.expand()
        self.query_one("#revue-tabs", TabbedContent).active = "revue-tab-voisinage"
        tree.focus()

    def _node_label(self, node: str) -> str:
        assert self.review is not None
        a = self.review.graph.nodes[node]
        kind = m.KIND_LABELS.get(str(a.get("kind")), "")
        timing = self.review.schedule.items.get(node)
        extra = f" · marge {timing.margin} j" if timing and timing.margin is not None else ""
        return f"{kind} : {shorten(self.review.label(node), 60)}{extra}"

    def _expand(self, parent: TreeNode[str], node: str) -> None:
        """One level: the node's neighbours grouped by the kind of link."""
        assert self.review is not None
        g = self.review.graph
        groups: dict[str, list[str]] = {}
        for _, v, key in g.out_edges(node, keys=True):
            groups.setdefault(_OUT.get(key, key), []).append(v)
        for u, _, key in g.in_edges(node, keys=True):
            groups.setdefault(_IN.get(key, key), []).append(u)
        for title, members in sorted(groups.items()):
            branch = parent.add(f"{title} ({len(members)})", expand=True)
            for member in sorted(set(members)):
                branch.add(self._node_label(member), data=member, allow_expand=True)

    @on(Tree.NodeExpanded, "#revue-tree")
    def tree_expanded(self, event: Tree.NodeExpanded[str]) -> None:
        tree_node = event.node
        if tree_node.data and not tree_node.children and tree_node is not tree_node.tree.root:
            self._expand(tree_node, tree_node.data)

    # --- impact simulator ---------------------------------------------------------------

    def action_simulate_selected(self) -> None:
        node = self._selected_node()
        if node is not None and self.review is not None:
            self.query_one("#revue-sim-ref", Input).value = str(
                self.review.graph.nodes[node].get("ref", "")
            )
        self.query_one("#revue-tabs", TabbedContent).active = "revue-tab-simulateur"
        empty = not self.query_one("#revue-sim-ref", Input).value  # nothing selected: ask which
        self.query_one("#revue-sim-ref" if empty else "#revue-sim-days", Input).focus()

    @on(Button.Pressed, "#revue-sim-run")
    @on(Input.Submitted, "#revue-sim-ref, #revue-sim-days")
    def run_simulation(self) -> None:
        result = self.query_one("#revue-sim-result", Static)
        if self.review is None:
            result.update("le graphe est encore en cours d'analyse")
            return
        ref = self.query_one("#revue-sim-ref", Input).value.strip().upper()
        raw_days = self.query_one("#revue-sim-days", Input).value.strip()
        node = next(
            (
                n
                for n in (m.action_id(self.slug, ref), m.jalon_id(self.slug, ref))
                if n in self.review.schedule.items
            ),
            None,
        )
        if node is None:
            result.update(
                Text(
                    f"élément : « {ref or '?'} » n'est ni une action ni un jalon en cours "
                    "de cette feuille de route (ex. J5, A3)",
                    style="red",
                )
            )
            return
        try:
            days = int(raw_days.replace("+", ""))
        except ValueError:
            result.update(Text("décalage : nombre de jours attendu (ex. 14 ou -7)", style="red"))
            return
        schedule = self.review.schedule

        async def work() -> None:
            impact = await asyncio.to_thread(simulate_slip, schedule, node, days)
            if self.is_attached:
                self.show_impact(impact)

        self.run_worker(work(), group="simulation", exclusive=True, exit_on_error=False)

    def show_impact(self, impact: SlipImpact) -> None:
        assert self.review is not None
        self.impact = impact
        slug = self.slug
        text = Text()
        label = self.review.label(impact.node)
        text.append(f"Si {shorten(label, 50)} glisse de {impact.days} jours :\n\n", style="bold")
        for move in impact.moves:  # the dates stored if this move is confirmed
            sign = "+" if move.days > 0 else ""
            by = (
                f", par {m.short_ref(move.cause)}"
                if move.cause and move.cause != impact.node
                else ""
            )
            text.append(
                f"  {shorten(self.review.label(move.node), 50)} : {sign}{move.days} j "
                f"(fin {date_fr(move.new_end)}{by})\n"
            )
        if len(impact.moves) <= 1:
            text.append("  rien d'autre ne bouge\n")
        before, after = impact.finish_before.get(slug), impact.finish_after.get(slug)
        horizon = impact.horizons.get(slug)
        text.append(f"\nFin projetée : {date_fr(before)} → {date_fr(after)}")
        text.append(f" ; horizon {date_fr(horizon)}\n")
        if impact.newly_missed(slug):
            text.append("L'horizon serait manqué à cause de ce décalage.", style="bold red")
        elif impact.horizon_missed(slug):
            text.append("L'horizon est déjà manqué, avant même ce décalage.", style="bold red")
        else:
            text.append("L'horizon tient.", style="bold green")
        self.query_one("#revue-sim-result", Static).update(text)
