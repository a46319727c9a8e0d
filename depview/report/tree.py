"""``depview tree``: the dependency graph as an ``npm ls --all`` style text tree, and as JSON.

The project root comes first, then each workspace member as its own top-level
tree. Children are listed in name order under box-drawing branches. Every
package is printed in full once, at its shallowest occurrence (breadth-first,
like ``npm ls``); later occurrences, cycles included, print as
``name@version deduped``. Workspace members are never expanded under another
node (they have their own tree) and carry ``(workspace)``.

Markers: `` [install-script]`` where the lockfile records an install script; with
verdicts, the level (`` [high]``) for levels >= low and `` [unknown]`` where data
was missing. All text from the lockfile goes through :func:`depview.textsafe.one_line`.

Everything is iterative: a 10,000-deep chain renders without recursion.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from depview.model import DependencyGraph, Edge, EdgeKind, PackageId, SourceKind
from depview.risk.model import Level, Verdict
from depview.textsafe import one_line

__all__ = ["graph_to_json", "render_tree"]

_TEE = "├── "
_ELBOW = "└── "
_PIPE = "│   "
_SPACE = "    "
#: Indentation kept per line; deeper lines show only its last part after "…".
_MAX_INDENT = 4 * 48


@dataclass(slots=True)
class _Occurrence:
    """One printed line: a node reached through ``edge`` (None for a top-level root)."""

    node: PackageId
    edge: Edge | None
    full: bool = False
    children: list[_Occurrence] | None = None


def _label(node: PackageId, alias: str | None) -> str:
    name = one_line(node.name)
    version = one_line(node.version)
    if alias is not None and alias != node.name:
        return f"{one_line(alias)}@npm:{name}@{version}"
    return f"{name}@{version}"


def _sorted_edges(graph: DependencyGraph, node: PackageId, no_dev: bool) -> list[Edge]:
    seen: dict[PackageId, Edge] = {}
    for edge in graph.children(node):
        if no_dev:
            if edge.kind is EdgeKind.DEV:
                continue
            child = graph.packages.get(edge.child)
            if child is not None and child.dev:
                continue
        # one line per child, whatever the number of edge kinds to it
        seen.setdefault(edge.child, edge)
    return sorted(seen.values(), key=lambda e: (e.alias or e.child.name, e.child.version))


def render_tree(
    graph: DependencyGraph,
    *,
    verdicts: Mapping[PackageId, Verdict] | None = None,
    no_dev: bool = False,
) -> str:
    """The graph as text, one package per line, like ``npm ls --all``."""
    roots = list(graph.roots) or sorted(graph.packages)
    root_set = set(roots)
    workspaces = {
        pid for pid, pkg in graph.packages.items() if pkg.source.kind is SourceKind.WORKSPACE
    }
    # Pass 1, breadth-first: which occurrence of each node is printed in full.
    expanded: set[PackageId] = set()
    tops = [_Occurrence(root, None) for root in roots]
    queue: deque[_Occurrence] = deque(tops)
    while queue:
        occ = queue.popleft()
        node = occ.node
        if node in expanded:
            continue
        if occ.edge is not None and (node in root_set or node in workspaces):
            continue  # a root or workspace is expanded in its own tree only
        expanded.add(node)
        occ.full = True
        occ.children = [_Occurrence(e.child, e) for e in _sorted_edges(graph, node, no_dev)]
        queue.extend(occ.children)

    # Pass 2, depth-first with an explicit stack: the lines.
    lines: list[str] = []
    stack: list[tuple[_Occurrence, str, str, int]] = [(occ, "", "", 0) for occ in reversed(tops)]
    while stack:
        occ, branch, prefix, depth = stack.pop()
        text = _label(occ.node, occ.edge.alias if occ.edge is not None else None)
        if occ.node in workspaces or (occ.edge is not None and occ.node in root_set):
            text += " (workspace)" if occ.node in workspaces else " (project)"
        if occ.edge is not None and not occ.full and occ.node not in root_set | workspaces:
            text += " deduped"
        pkg = graph.packages.get(occ.node)
        if pkg is not None and pkg.has_install_script:
            text += " [install-script]"
        if verdicts is not None:
            verdict = verdicts.get(occ.node)
            if verdict is not None:
                if verdict.level >= Level.LOW:
                    text += f" [{verdict.level.label}]"
                if verdict.unknown:
                    text += " [unknown]"
        if depth * 4 > _MAX_INDENT:  # pathological depth: keep lines short
            branch = f"…[{depth}] " + branch
        lines.append(branch + text)
        children = occ.children if occ.full and occ.children else []
        last = len(children) - 1
        for i in range(last, -1, -1):
            child = children[i]
            stack.append(
                (
                    child,
                    prefix + (_ELBOW if i == last else _TEE),
                    (prefix + (_SPACE if i == last else _PIPE))[-_MAX_INDENT:],
                    depth + 1,
                )
            )
    return "\n".join(lines) + "\n"


def graph_to_json(graph: DependencyGraph) -> dict[str, Any]:
    """The whole graph as JSON-ready data (``depview tree --json``)."""
    packages = []
    for pid in sorted(graph.packages):
        pkg = graph.packages[pid]
        packages.append(
            {
                "id": str(pid),
                "name": pid.name,
                "version": pid.version,
                "purl": pid.purl,
                "source": {"kind": pkg.source.kind.value, "url": pkg.source.url},
                "integrity": pkg.integrity,
                "line": pkg.line,
                "dev": pkg.dev,
                "optional": pkg.optional,
                "has_install_script": pkg.has_install_script,
                "display_name": pkg.display_name,
            }
        )
    edges = [
        {
            "from": str(parent),
            "to": str(edge.child),
            "kind": edge.kind.value,
            "spec": edge.spec,
            "alias": edge.alias,
        }
        for parent in sorted(graph.edges)
        for edge in graph.edges[parent]
    ]
    return {
        "format": graph.format,
        "ecosystem": graph.ecosystem,
        "path": graph.path,
        "roots": [str(r) for r in graph.roots],
        "packages": packages,
        "edges": edges,
    }
