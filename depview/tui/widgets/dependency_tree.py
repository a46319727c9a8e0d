"""The lazy, deduplicating dependency tree.

Nodes are created only when their parent is expanded (a 5,000-package
lockfile starts with its direct dependencies only), long child lists come in
chunks behind a ``… N more`` row, and labels update in place as verdicts
stream in (``TreeNode.set_label``: no rebuild, cursor and scroll untouched).
Labels are always :class:`rich.text.Text` built by :mod:`depview.tui.view`:
the Tree would parse a ``str`` as markup.

Textual's Tree lays its lines out recursively, one call per expanded level, so
the view never holds more than :data:`MAX_DEPTH` levels: going to a package
deeper than that (or expanding that far) *re-roots* the view at an ancestor
:data:`REROOT_ABOVE` levels above it. The first row then reads ``↑ N levels
above``; enter on it moves the view back up (to the whole tree once it fits).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from depview.model import PackageId
from depview.textsafe import one_line
from depview.tui.state import Session
from depview.tui.treemodel import ChildSpec, Location

__all__ = ["CHUNK", "MAX_DEPTH", "REROOT_ABOVE", "DependencyTree", "NodeData"]

#: Children added per expansion step; more sit behind a "… N more" row.
CHUNK = 200
#: The most levels the view shows below its top (Textual's Tree recurses once per level).
MAX_DEPTH = 100
#: When the view is re-rooted for a deep package: how many levels above it it starts.
REROOT_ABOVE = 50


@dataclass(slots=True)
class NodeData:
    """What a tree node stands for."""

    pid: PackageId | None  # None: a "… N more" row
    location: Location
    deduped: bool = False
    workspace: bool = False
    loaded: bool = False
    more_from: int = 0  # "more" rows: index of the next child to add
    up: bool = False  # the "↑ N levels above" row of a re-rooted view


Node = TreeNode[NodeData]


class DependencyTree(Tree[NodeData], inherit_bindings=False):
    """Dependencies of the project, expanded on demand."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_node", "Details", tooltip="Open the selected package's details (a deduped row jumps to its full subtree)", id="tree.open"),
        Binding("space", "toggle_node", "Expand", show=False, tooltip="Expand or collapse the selected row", id="tree.toggle"),
        Binding("right,l", "expand_or_child", "Expand", show=False, tooltip="Expand the row, or move to its first child", id="tree.expand"),
        Binding("left,h", "collapse_or_parent", "Collapse", show=False, tooltip="Collapse the row, or move to its parent", id="tree.collapse"),
        Binding("up,k", "cursor_up", "Up", show=False, tooltip="Move the cursor up", id="tree.up"),
        Binding("down,j", "cursor_down", "Down", show=False, tooltip="Move the cursor down", id="tree.down"),
        Binding("shift+up", "cursor_previous_sibling", "Previous sibling", show=False, tooltip="Move to the previous sibling", id="tree.prev-sibling"),
        Binding("shift+down", "cursor_next_sibling", "Next sibling", show=False, tooltip="Move to the next sibling", id="tree.next-sibling"),
        Binding("shift+left", "cursor_parent", "Parent", show=False, tooltip="Move to the parent row", id="tree.parent"),
        Binding("pageup", "page_up", "Page up", show=False, tooltip="Move the cursor one page up", id="tree.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, tooltip="Move the cursor one page down", id="tree.page-down"),
        Binding("home", "scroll_home", "First", show=False, tooltip="Move to the first row", id="tree.home"),
        Binding("end", "scroll_end", "Last", show=False, tooltip="Move to the last row", id="tree.end"),
    ]  # fmt: skip
    """
    | Key(s) | Description |
    | :- | :- |
    | enter | Open details (deduped rows jump to the full subtree). |
    | space | Expand or collapse. |
    | right / l, left / h | Expand / collapse, or move to child / parent. |
    | up / k, down / j | Move the cursor. |
    """

    class OpenRequested(Message):
        """The user asked for the details of ``pid`` (enter, or a second click)."""

        def __init__(self, pid: PackageId, location: Location) -> None:
            super().__init__()
            self.pid = pid
            self.location = location

    def __init__(self, session: Session, *, id: str | None = None) -> None:
        super().__init__(Text("dependencies"), id=id)
        self.session = session
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 3
        self._index: dict[PackageId, list[Node]] = {}
        self._click_from: int | None = None
        #: The location the view is re-rooted at (its last package is the top row), or ().
        self.base: Location = ()

    # -- building ----------------------------------------------------------------
    def on_mount(self) -> None:
        self.populate_top()

    def populate_top(self) -> None:
        self.root.data = NodeData(None, (), loaded=True)
        if self.base:
            self._populate_base()
            return
        specs = self.session.model.top_level(
            sort=self.session.sort_key(), keep=self.session.keep_callable()
        )
        self._add_specs(self.root, (), specs, 0)
        if not specs:
            self.root.add_leaf(self._empty_label(), NodeData(None, ()))

    def _populate_base(self) -> None:
        """A re-rooted view: the "↑ N levels above" row, then the base package."""
        base = self.base
        above = len(base) - 1
        self.root.add_leaf(
            Text(
                f"↑ {above:,} level{'s' if above != 1 else ''} above (enter to show them)",
                style="dim italic",
            ),
            NodeData(None, base[:-1], up=True),
        )
        data = NodeData(base[-1], base)
        expandable = bool(self._children_specs(data))
        node = self.root.add(self._label_for(data), data, allow_expand=expandable)
        self._index.setdefault(base[-1], []).append(node)

    def _set_base(self, base: Location) -> None:
        self.base = tuple(base)
        self.clear()
        self._index.clear()
        self.populate_top()

    def _start_for(self, steps: Sequence[PackageId]) -> int:
        """Where ``steps`` (a location) begins in the view: re-root it if it would go
        deeper than :data:`MAX_DEPTH`, or back to the whole tree if it is not under
        the base. Returns the index of the step that is a top-level row."""
        base = self.base
        if base:
            if tuple(steps[: len(base)]) == base and len(steps) - len(base) < MAX_DEPTH:
                return len(base) - 1
        elif len(steps) <= MAX_DEPTH:
            return 0
        if len(steps) <= MAX_DEPTH:
            self._set_base(())
            return 0
        return self._reroot(steps)

    def go_up(self) -> Node | None:
        """Move a re-rooted view up (to the whole tree once it fits); returns the old top."""
        old = self.base
        if not old:
            return None
        self._set_base(() if len(old) <= MAX_DEPTH else old[: len(old) - REROOT_ABOVE])
        return self.reveal(old)

    def _empty_label(self) -> Text:
        if self.session.min_level is not None:
            return Text(
                f"nothing at or above {self.session.min_level.label} (press f to change the filter)",
                style="dim italic",
            )
        return Text("no dependencies in this lockfile", style="dim italic")

    def _children_specs(self, data: NodeData) -> list[ChildSpec]:
        assert data.pid is not None
        return self.session.model.children(
            data.pid, sort=self.session.sort_key(), keep=self.session.keep_callable()
        )

    def _label_for(self, data: NodeData) -> Text:
        if data.pid is None:
            return Text("…", style="dim")
        if data.workspace:
            text = Text("⌂ ", style="bold")
            pkg = self.session.package(data.pid)
            name = pkg.display_name if pkg and pkg.display_name else data.pid.name
            text.append(one_line(name, 120), style="bold")
            text.append(" (workspace)", style="dim")
            return text
        return self.session.label(data.pid, deduped=data.deduped)

    def _add_specs(
        self, parent: Node, location: Location, specs: Sequence[ChildSpec], start: int
    ) -> None:
        end = min(len(specs), start + CHUNK)
        for spec in specs[start:end]:
            data = NodeData(
                spec.pid,
                (*location, spec.pid),
                deduped=spec.deduped,
                workspace=spec.workspace,
            )
            node = parent.add(self._label_for(data), data, allow_expand=spec.expandable)
            self._index.setdefault(spec.pid, []).append(node)
        if end < len(specs):
            rest = len(specs) - end
            parent.add_leaf(
                Text(f"… {rest:,} more (enter to show)", style="dim italic"),
                NodeData(None, location, more_from=end),
            )

    def ensure_loaded(self, node: Node) -> None:
        data = node.data
        if data is None or data.loaded or data.pid is None:
            return
        data.loaded = True
        if data.workspace:
            specs = self.session.model.children(
                data.pid, sort=self.session.sort_key(), keep=self.session.keep_callable()
            )
        else:
            specs = self._children_specs(data)
        self._add_specs(node, data.location, specs, 0)

    def load_more(self, more: Node) -> Node | None:
        """Replace a "… N more" row by the next chunk; returns the first new node."""
        data = more.data
        parent = more.parent
        if data is None or parent is None or data.pid is not None:
            return None
        if parent is self.root:
            specs = self.session.model.top_level(
                sort=self.session.sort_key(), keep=self.session.keep_callable()
            )
        else:
            pdata = parent.data
            assert pdata is not None
            specs = (
                self.session.model.children(
                    pdata.pid, sort=self.session.sort_key(), keep=self.session.keep_callable()
                )
                if pdata.workspace and pdata.pid is not None
                else self._children_specs(pdata)
            )
        count_before = len(parent.children) - 1
        more.remove()
        self._add_specs(parent, data.location, specs, data.more_from)
        children = parent.children
        return children[count_before] if count_before < len(children) else None

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        self.ensure_loaded(event.node)
        data = event.node.data
        if data is not None and data.pid is not None and self._depth(data.location) >= MAX_DEPTH:
            # its children would be too deep for the Tree: show it from higher up
            self.call_later(self._reroot_expanded, data.location)

    def _depth(self, location: Location) -> int:
        """The level ``location`` is shown at (1: a top-level row)."""
        return len(location) - (len(self.base) - 1 if self.base else 0)

    def _reroot_expanded(self, location: Location) -> None:
        if self._depth(location) < MAX_DEPTH:
            return  # re-rooted meanwhile
        self._reroot(location)
        node = self.reveal(location)
        if node is not None and node.allow_expand:
            self.ensure_loaded(node)
            node.expand()

    def _reroot(self, location: Sequence[PackageId]) -> int:
        """Re-root the view :data:`REROOT_ABOVE` levels above ``location`` and say so;
        returns the index of the step of ``location`` that is the top row."""
        new_base = tuple(location[: max(len(location) - REROOT_ABOVE, 1)])
        self._set_base(new_base)
        target = one_line(str(location[-1]), 120)
        self.app.notify(
            f"{target} is {len(location):,} levels deep: the tree now starts "
            f"{len(location) - len(new_base)} levels above it (enter on the first row shows more)",
            markup=False,
        )
        return len(new_base) - 1

    def render_label(self, node: Node, base_style: Style, style: Style) -> Text:
        """Leaves get a blank where the ▶/▼ toggle would be, so symbols line up."""
        text = super().render_label(node, base_style, style)
        if not node.allow_expand:
            text = Text.assemble(("  ", base_style), text)
        return text

    def get_label_width(self, node: Node) -> int:
        """Width without rendering: every row has a 2-cell toggle (or blank) before its label."""
        return 2 + node._label.cell_len

    # -- in-place updates ----------------------------------------------------------
    def refresh_labels(self, pids: Iterable[PackageId]) -> int:
        """Re-label every built node of ``pids`` in place; returns how many changed.

        Equivalent to ``TreeNode.set_label`` for each node, batched: bumping the
        node's update counter invalidates only that node's cached lines, and one
        ``refresh()`` repaints the visible window (``set_label`` would queue one
        callback per node, which costs more than the repaint while verdicts stream).
        """
        n = 0
        index = self._index
        for pid in pids:
            for node in index.get(pid, ()):
                if node.data is not None:
                    node._label = self._label_for(node.data)
                    node._updates += 1
                    n += 1
        if n:
            self.refresh()
        return n

    def refresh_all_labels(self) -> int:
        return self.refresh_labels(list(self._index))

    def nodes_for(self, pid: PackageId) -> list[Node]:
        return list(self._index.get(pid, ()))

    # -- finding and revealing ------------------------------------------------------
    def _child_for(self, parent: Node, pid: PackageId) -> Node | None:
        if parent is not self.root:
            self.ensure_loaded(parent)
        while True:
            more: Node | None = None
            for child in parent.children:
                data = child.data
                if data is None:
                    continue
                if data.pid == pid:
                    return child
                if data.pid is None and data.more_from:
                    more = child
            if more is None:
                return None
            self.load_more(more)

    def reveal(self, location: Location, *, select: bool = True) -> Node | None:
        """Expand along ``location`` and put the cursor on its last node.

        A deduped row on the way continues from that package's canonical place. A
        location deeper than :data:`MAX_DEPTH` re-roots the view (see the module).
        Returns None if a step is not in the tree (e.g. hidden by the filter).
        """
        steps = list(location)
        if not steps:
            return None
        hops = 0
        i = self._start_for(steps)
        node = self.root
        while i < len(steps):
            child = self._child_for(node, steps[i])
            if child is None:
                return None
            data = child.data
            assert data is not None
            last = i == len(steps) - 1
            if not last and data.deduped and data.pid is not None and hops < 64:
                canon = self.session.location(data.pid)
                if canon is None:
                    return None
                hops += 1
                steps = [*canon, *steps[i + 1 :]]
                node = self.root
                i = self._start_for(steps)
                continue
            if not last:
                self.ensure_loaded(child)
                child.expand()
            node = child
            i += 1
        if node is self.root:
            return None
        if select:
            self.focus_node(node)
        return node

    def focus_node(self, node: Node) -> None:
        _ = self._tree_lines  # rebuild now so the node's line is known
        self.move_cursor(node)
        self.call_after_refresh(self._scroll_node_into_view, node)

    def _scroll_node_into_view(self, node: Node) -> None:
        if node.tree is self and node.line >= 0:
            self.scroll_to_node(node, animate=False)

    def current(self) -> NodeData | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def current_pid(self) -> PackageId | None:
        data = self.current()
        if data is None or data.workspace:
            return None
        return data.pid

    # -- rebuild (sort / filter changes) ---------------------------------------------
    def rebuild(self) -> None:
        """Re-create the tree for the new sort/filter, keeping expansion and the cursor."""
        expanded: list[Location] = []

        def walk(node: Node) -> None:
            for child in node.children:
                data = child.data
                if data is not None and child.is_expanded and data.pid is not None:
                    expanded.append(data.location)
                    walk(child)

        walk(self.root)
        cursor = self.current()
        cursor_loc = cursor.location if cursor is not None and cursor.pid is not None else None
        self.clear()
        self._index.clear()
        self.populate_top()
        for loc in expanded:
            node = self.reveal(loc, select=False)
            if node is not None and node.allow_expand:
                self.ensure_loaded(node)
                node.expand()
        target: Node | None = None
        if cursor_loc is not None:
            for cut in range(len(cursor_loc), 0, -1):
                target = self.reveal(cursor_loc[:cut], select=False)
                if target is not None:
                    break
        if target is None and self.root.children:
            target = self.root.children[0]
        if target is not None:
            self.focus_node(target)

    # -- actions ---------------------------------------------------------------------
    def action_open_node(self) -> None:
        node = self.cursor_node
        if node is None or node.data is None:
            return
        data = node.data
        if data.pid is None:
            if data.up:
                self.go_up()
                return
            if not data.more_from:
                return
            first = self.load_more(node)
            if first is not None:
                self.focus_node(first)
            return
        if data.workspace:
            self._toggle(node)
            return
        if data.deduped:
            canon = self.session.location(data.pid)
            if canon is not None:
                self.reveal(canon)
            return
        self.post_message(self.OpenRequested(data.pid, data.location))

    def action_select_cursor(self) -> None:
        # Mouse: the first click on a row only moves the cursor; a second opens it.
        before, self._click_from = self._click_from, None
        if before is not None and before != self.cursor_line:
            return
        self.action_open_node()

    async def _on_click(self, event: events.Click) -> None:
        # Textual calls every class's ``_on_click`` in MRO order: this runs just
        # before Tree's, which moves the cursor and then runs select_cursor.
        self._click_from = self.cursor_line
        self.call_later(self._forget_click)

    def _forget_click(self) -> None:
        self._click_from = None

    def _toggle(self, node: Node) -> None:
        if not node.allow_expand:
            return
        if node.is_expanded:
            node.collapse()
        else:
            self.ensure_loaded(node)
            node.expand()

    def action_toggle_node(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.data is not None and node.data.pid is None:
            self.action_open_node()
            return
        self._toggle(node)

    def action_expand_or_child(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and not node.is_expanded:
            self.ensure_loaded(node)
            node.expand()
        elif node.is_expanded and node.children:
            self.focus_node(node.children[0])

    def action_collapse_or_parent(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.focus_node(node.parent)
