"""The main screen: header, the dependency tree, an optional preview pane, search, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, Tree

from depview.model import PackageId
from depview.risk.model import Level
from depview.textsafe import one_line
from depview.tui.state import FILTER_CYCLE, Session
from depview.tui.treemodel import Location
from depview.tui.widgets.dependency_tree import DependencyTree, NodeData
from depview.tui.widgets.risk_detail import preview_text
from depview.tui.widgets.summary_bar import SummaryBar

if TYPE_CHECKING:
    from depview.tui.app import DepviewApp

__all__ = ["WIDE", "MainScreen", "SearchBox"]

#: From this many columns on, a preview pane sits beside the tree.
WIDE = 130


class SearchBox(Input):
    """The ``/`` search field: type to jump, ↓/↑ for other matches, enter keeps, escape restores."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "step(1)", "Next match", tooltip="Jump to the next package whose name matches", id="search.next"),
        Binding("up", "step(-1)", "Previous match", tooltip="Jump to the previous match", id="search.prev"),
        Binding("escape", "cancel", "Cancel search", tooltip="Close the search and go back to where you were", id="search.cancel"),
    ]  # fmt: skip

    class Step(Message):
        def __init__(self, direction: int) -> None:
            super().__init__()
            self.direction = direction

    class Cancelled(Message):
        pass

    def action_step(self, direction: int) -> None:
        self.post_message(self.Step(direction))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())


class MainScreen(Screen[None]):
    """The annotated dependency tree."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "start_search", "Search", tooltip="Incremental search by package name", id="main.search"),
        Binding("f", "cycle_filter", "Filter", tooltip="Show only packages at or above a level (cycles all → low → medium → high → critical)", id="main.filter"),
        Binding("s", "toggle_sort", "Sort", tooltip="Sort by risk or by name", id="main.sort"),
        Binding("n", "next_risky", "Next risky", tooltip="Jump to the next package at the filter level (medium and up when unfiltered)", id="main.next"),
        Binding("p", "previous_risky", "Prev", tooltip="Jump to the previous package at the filter level", id="main.prev"),
        Binding("t", "triage", "Triage", tooltip="Accept, ignore or investigate the selected package, with a note and an optional expiry", id="main.triage"),
        Binding("e", "export", "Export", tooltip="Preview the pinned-safe export as a diff, then write it", id="main.export"),
        Binding("c", "collapse_all", "Collapse", show=False, tooltip="Collapse every expanded row", id="main.collapse"),
    ]  # fmt: skip
    """
    | Key | Description |
    | :- | :- |
    | / | Search by name. |
    | f | Cycle the minimum-level filter. |
    | s | Sort by risk or name. |
    | n / p | Next / previous risky package. |
    | t | Triage. |
    | e | Export. |
    | c | Collapse all. |
    """

    def __init__(self, session: Session) -> None:
        super().__init__(id="main")
        self.session = session
        self._search_origin: Location | None = None
        self._matches: list[PackageId] = []
        self._match_index = 0

    @property
    def depview(self) -> DepviewApp:
        from depview.tui.app import DepviewApp

        app = self.app
        assert isinstance(app, DepviewApp)
        return app

    def compose(self) -> ComposeResult:
        yield SummaryBar(self.session, id="summary")
        with Horizontal(id="body"):
            yield DependencyTree(self.session, id="tree")
            with VerticalScroll(id="preview-pane"):
                yield Static(id="preview")
        with Horizontal(id="searchbar"):
            yield Static(Text("/", style="bold"), id="search-prompt")
            yield SearchBox(placeholder="package name", id="search")
            yield Static(id="search-status")
        yield Footer()

    @property
    def dep_tree(self) -> DependencyTree:
        return self.query_one("#tree", DependencyTree)

    def on_mount(self) -> None:
        tree = self.dep_tree
        tree.focus()
        if tree.root.children:
            tree.cursor_line = 0
        # Paint the tree first, then start fetching: the lockfile view is instant.
        self.call_after_refresh(self.depview.start_enrichment)

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width >= WIDE, "-wide")
        self._update_preview()

    # -- updates from the app -------------------------------------------------------
    def apply_changes(self, changed: set[PackageId] | None) -> None:
        """Verdicts (or triage) changed for ``changed`` (None: possibly everything)."""
        if not self._live():
            return
        tree = self.dep_tree
        if changed is None:
            tree.refresh_all_labels()
        else:
            tree.refresh_labels(changed)
        self.query_one("#summary", SummaryBar).refresh_summary()
        current = tree.current_pid()
        if changed is None or (current is not None and current in changed):
            self._update_preview()

    def _live(self) -> bool:
        """Mounted and not tearing down (late verdicts may arrive while the app quits)."""
        return self.is_mounted and len(self.query("#tree")) > 0

    def enrichment_finished(self) -> None:
        if not self._live():
            return
        if self.session.min_level is not None or self.session.sort_mode == "risk":
            self.dep_tree.rebuild()
        self.apply_changes(None)

    # -- preview -------------------------------------------------------------------------
    @on(Tree.NodeHighlighted, "#tree")
    def _highlighted(self) -> None:
        self._update_preview()

    def _update_preview(self) -> None:
        if not self.has_class("-wide"):
            return
        data = self.dep_tree.current()
        preview = self.query_one("#preview", Static)
        if data is None or data.pid is None:
            preview.update(Text("select a package", style="dim"))
        elif data.workspace:
            preview.update(Text(f"workspace {one_line(data.pid.name, 200)}", style="bold"))
        else:
            preview.update(preview_text(self.session, data.pid))

    # -- opening details / jumping -----------------------------------------------------------
    @on(DependencyTree.OpenRequested)
    def _open(self, event: DependencyTree.OpenRequested) -> None:
        self.depview.open_detail(event.pid)

    def jump_to(self, location: Location, *, focus: bool = True) -> bool:
        node = self.dep_tree.reveal(location)
        if node is None and self.session.min_level is not None:
            self.set_filter(None, quiet=True)
            node = self.dep_tree.reveal(location)
            if node is not None:
                self.app.notify("filter cleared to show that package", markup=False)
        if node is None:
            self.app.notify("that package is not in the tree", severity="warning", markup=False)
        if focus:
            self.dep_tree.focus()
        return node is not None

    def go_to(self, pid: PackageId, *, focus: bool = True) -> bool:
        location = self.session.location(pid)
        if location is None:
            self.app.notify(
                f"{one_line(str(pid), 200)} is not in the tree", severity="warning", markup=False
            )
            return False
        return self.jump_to(location, focus=focus)

    # -- actions -------------------------------------------------------------------------------
    def action_open_detail(self) -> None:
        self.dep_tree.action_open_node()

    def step(self, current: PackageId | None, forward: bool) -> PackageId | None:
        pid, wrapped = self.session.step_risky(current, forward)
        if pid is None:
            level = self.session.nav_threshold().label
            self.app.notify(f"no package at {level} or above", markup=False)
            return None
        self.go_to(pid)
        if wrapped:
            self.app.notify("wrapped around", timeout=1.5, markup=False)
        return pid

    def action_next_risky(self) -> None:
        self.step(self.dep_tree.current_pid(), True)

    def action_previous_risky(self) -> None:
        self.step(self.dep_tree.current_pid(), False)

    def set_filter(self, level: Level | None, *, quiet: bool = False) -> None:
        if level == self.session.min_level:
            return
        self.session.min_level = level
        self.session.view_changed()
        self.dep_tree.rebuild()
        self.query_one("#summary", SummaryBar).refresh_summary()
        self._update_preview()
        if not quiet:
            shown = "all packages" if level is None else f"{level.label} and above"
            self.app.notify(f"filter: {shown}", timeout=1.5, markup=False)

    def action_cycle_filter(self) -> None:
        current = (
            FILTER_CYCLE.index(self.session.min_level)
            if self.session.min_level in FILTER_CYCLE
            else 0
        )
        self.set_filter(FILTER_CYCLE[(current + 1) % len(FILTER_CYCLE)])

    def action_set_filter(self, level: str) -> None:
        self.set_filter(None if level == "all" else Level.parse(level))

    def set_sort(self, mode: str) -> None:
        if mode not in ("risk", "name") or mode == self.session.sort_mode:
            return
        self.session.sort_mode = "risk" if mode == "risk" else "name"
        self.session.view_changed()
        self.dep_tree.rebuild()
        self.query_one("#summary", SummaryBar).refresh_summary()

    def action_toggle_sort(self) -> None:
        self.set_sort("name" if self.session.sort_mode == "risk" else "risk")

    def action_set_sort(self, mode: str) -> None:
        self.set_sort(mode)

    def action_collapse_all(self) -> None:
        tree = self.dep_tree
        for node in tree.root.children:
            node.collapse_all()
        if tree.root.children:
            tree.focus_node(tree.root.children[0])

    def action_triage(self) -> None:
        pid = self.dep_tree.current_pid()
        if pid is None:
            self.app.notify("select a package to triage", severity="warning", markup=False)
            return
        self.depview.open_triage(pid)

    def action_export(self) -> None:
        self.depview.open_export()

    # -- search ------------------------------------------------------------------------------------
    def action_start_search(self) -> None:
        data = self.dep_tree.current()
        self._search_origin = data.location if data is not None and data.pid is not None else None
        self._matches = []
        self._match_index = 0
        self.add_class("-searching")
        box = self.query_one("#search", SearchBox)
        box.value = ""
        self.query_one("#search-status", Static).update("")
        box.focus()

    def _show_match(self) -> None:
        status = self.query_one("#search-status", Static)
        if not self._matches:
            box = self.query_one("#search", SearchBox)
            hidden = ""
            if box.value.strip() and self.session.min_level is not None:
                hidden = f" (filter ≥ {self.session.min_level.label})"
            status.update(
                Text(("no match" + hidden) if box.value.strip() else "", style="bold red")
            )
            return
        pid = self._matches[self._match_index]
        self.go_to(pid, focus=False)
        status.update(Text(f"{self._match_index + 1}/{len(self._matches)}", style="dim"))

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._matches = self.session.search(event.value)
        self._match_index = 0
        self._show_match()

    @on(SearchBox.Step)
    def _search_step(self, event: SearchBox.Step) -> None:
        if self._matches:
            self._match_index = (self._match_index + event.direction) % len(self._matches)
            self._show_match()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.remove_class("-searching")
        self.dep_tree.focus()

    @on(SearchBox.Cancelled)
    def _search_cancelled(self) -> None:
        self.remove_class("-searching")
        if self._search_origin is not None:
            self.dep_tree.reveal(self._search_origin)
        self.dep_tree.focus()

    def focused_package(self) -> NodeData | None:
        return self.dep_tree.current()
