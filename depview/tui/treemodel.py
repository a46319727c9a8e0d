"""The shape of the dependency tree the TUI shows, computed from the graph. Pure.

The graph is a DAG (sometimes with cycles); a terminal tree is a strict tree.
Each package with dependencies is shown *in full* exactly once, at its
*canonical place*: the first place a breadth-first walk from the direct
dependencies (names in order, the project's own before each workspace's)
reaches it. Everywhere else it is a ``deduped`` leaf that jumps to the
canonical place. Leaf packages (no dependencies) are plain leaves everywhere.

The project root's direct dependencies are the top level; each workspace
member is a separate top-level node whose children are its own direct
dependencies. A *location* is the tuple of package ids from a top-level node
down to a node; ``canonical_location`` gives the one where a package's
subtree lives.

Nothing here touches Textual: the widget asks for children when a node is
expanded (lazy), and the navigation keys use :meth:`TreeModel.preorder`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from depview.model import DependencyGraph, PackageId

__all__ = ["ChildSpec", "Location", "TreeModel"]

Location = tuple[PackageId, ...]
SortKey = Callable[[PackageId], tuple[object, ...]]


def name_key(pid: PackageId) -> tuple[object, ...]:
    return (pid.name.lower(), pid.name, pid.version)


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """One row to show under a parent."""

    pid: PackageId
    deduped: bool  # shown here as a leaf; the full subtree lives elsewhere
    expandable: bool  # has children to show here
    workspace: bool = False  # a workspace member (top level only)


class TreeModel:
    """Canonical placement, children lists and traversal order for one graph."""

    def __init__(self, graph: DependencyGraph, *, no_dev: bool = False) -> None:
        self.graph = graph
        self.no_dev = no_dev
        self.project = graph.roots[0] if graph.roots else None
        self.workspaces: tuple[PackageId, ...] = tuple(
            r for r in graph.roots[1:] if r in graph.packages or graph.children(r)
        )
        self._containers = set(graph.roots)
        self._shown: frozenset[PackageId] = frozenset(
            pid
            for pid, pkg in graph.packages.items()
            if pid not in self._containers
            and not pkg.source.is_local_project
            and not (no_dev and pkg.dev)
        )
        # canonical parent: None for top-level under the project; a workspace id for
        # top-level under that workspace; else the package whose subtree shows it.
        self.canonical_parent: dict[PackageId, PackageId | None] = {}
        self._children_cache: dict[PackageId | None, tuple[PackageId, ...]] = {}
        self._bfs()

    # -- structure ---------------------------------------------------------
    def _visible(self, pid: PackageId) -> bool:
        return pid in self._shown

    def raw_children(self, parent: PackageId | None) -> tuple[PackageId, ...]:
        """Dependencies shown under ``parent`` (None: the project's direct ones), by name."""
        cached = self._children_cache.get(parent)
        if cached is not None:
            return cached
        source = self.project if parent is None else parent
        shown = self._shown
        kids: dict[PackageId, None] = {}
        if source is not None:
            for edge in self.graph.children(source):
                if edge.child in shown:
                    kids[edge.child] = None
        out = tuple(sorted(kids, key=name_key)) if len(kids) > 1 else tuple(kids)
        self._children_cache[parent] = out
        return out

    def _bfs(self) -> None:
        canon = self.canonical_parent
        queue: deque[PackageId] = deque()
        for container in (None, *self.workspaces):
            for pid in self.raw_children(container):
                if pid not in canon:
                    canon[pid] = container
                    queue.append(pid)
        while queue:
            node = queue.popleft()
            for child in self.raw_children(node):
                if child not in canon:
                    canon[child] = node
                    queue.append(child)

    def has_children(self, pid: PackageId) -> bool:
        return bool(self.raw_children(pid))

    def is_workspace(self, pid: PackageId) -> bool:
        return pid in self.workspaces

    def packages(self) -> list[PackageId]:
        """Every package shown somewhere in the tree."""
        return list(self.canonical_parent)

    def top_level(
        self, *, sort: SortKey | None = None, keep: Callable[[PackageId], bool] | None = None
    ) -> list[ChildSpec]:
        """The project's direct dependencies, then one node per workspace."""
        out = self.children(None, sort=sort, keep=keep)
        for ws in self.workspaces:
            if keep is None or any(keep(c) for c in self.raw_children(ws)):
                out.append(ChildSpec(ws, False, bool(self.raw_children(ws)), workspace=True))
        return out

    def children(
        self,
        parent: PackageId | None,
        *,
        sort: SortKey | None = None,
        keep: Callable[[PackageId], bool] | None = None,
    ) -> list[ChildSpec]:
        """Rows under ``parent``: full where it is their canonical place, else deduped."""
        if parent is not None and parent in self.workspaces:
            container: PackageId | None = parent
        else:
            container = parent
        kids: Iterable[PackageId] = self.raw_children(container)
        if keep is not None:
            kids = [k for k in kids if keep(k)]
        if sort is not None:
            kids = sorted(kids, key=sort)
        out: list[ChildSpec] = []
        for pid in kids:
            full = self.canonical_parent.get(pid) == container
            has = self.has_children(pid)
            deduped = has and not full
            expandable = has and full
            if expandable and keep is not None:
                expandable = any(keep(c) for c in self.raw_children(pid))
            out.append(ChildSpec(pid, deduped, expandable))
        return out

    # -- locations -----------------------------------------------------------
    def canonical_location(self, pid: PackageId) -> Location | None:
        """Top-level id ... ``pid``: where ``pid`` is shown in full (None: not in the tree)."""
        if pid in self.workspaces:
            return (pid,)
        if pid not in self.canonical_parent:
            return None
        chain: list[PackageId] = [pid]
        seen = {pid}
        cur: PackageId | None = self.canonical_parent[pid]
        while cur is not None:
            if cur in seen:  # cannot happen for a BFS tree; stay safe anyway
                return None
            seen.add(cur)
            chain.append(cur)
            cur = None if cur in self.workspaces else self.canonical_parent.get(cur)
        chain.reverse()
        return tuple(chain)

    def location_for_path(self, path: Sequence[PackageId]) -> Location:
        """A "why is it here" path (direct dependency first) as a tree location.

        A direct dependency that only a workspace declares is prefixed with that
        workspace.
        """
        if not path:
            return ()
        head = path[0]
        container = self.canonical_parent.get(head)
        if container is not None and container in self.workspaces:
            return (container, *path)
        if container is None and head not in self.raw_children(None):
            for ws in self.workspaces:
                if head in self.raw_children(ws):
                    return (ws, *path)
        return tuple(path)

    # -- traversal -------------------------------------------------------------
    def preorder(
        self,
        *,
        sort: SortKey | None = None,
        keep: Callable[[PackageId], bool] | None = None,
    ) -> list[PackageId]:
        """Every package once, at its canonical place, in the fully expanded tree's order."""
        canon = self.canonical_parent
        workspaces = set(self.workspaces)
        out: list[PackageId] = []
        seen: set[PackageId] = set()
        stack = [spec.pid for spec in reversed(self.top_level(sort=sort, keep=keep))]
        while stack:
            pid = stack.pop()
            if pid in seen:
                continue
            seen.add(pid)
            if pid not in workspaces:
                out.append(pid)
            kids: Sequence[PackageId] = self.raw_children(pid)
            if keep is not None:
                kids = [k for k in kids if keep(k)]
            if sort is not None:
                kids = sorted(kids, key=sort)
            stack.extend(k for k in reversed(kids) if canon.get(k) == pid and k not in seen)
        return out

    def ancestors_closure(self, targets: Iterable[PackageId]) -> set[PackageId]:
        """``targets`` and every package (or workspace) from which one of them is reachable."""
        out: set[PackageId] = set()
        queue: deque[PackageId] = deque()
        for t in targets:
            if t not in out:
                out.add(t)
                queue.append(t)
        while queue:
            node = queue.popleft()
            for parent in self.graph.parents(node):
                if parent not in out:
                    out.add(parent)
                    queue.append(parent)
        return out
