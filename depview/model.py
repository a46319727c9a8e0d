"""The dependency graph: packages, edges, roots. Pure, frozen, no I/O.

Every lockfile reader produces one :class:`DependencyGraph`. Nodes are keyed by
:class:`PackageId` (ecosystem, normalised name, version); the project root and
each workspace member are nodes too (``Source.kind`` is ``ROOT`` or
``WORKSPACE``) and are listed in ``DependencyGraph.roots``. Edges go from a
parent node to a child node and carry the kind of dependency and the range the
parent asked for.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any
from urllib.parse import quote

__all__ = [
    "DependencyGraph",
    "Edge",
    "EdgeKind",
    "Ecosystem",
    "Package",
    "PackageId",
    "Source",
    "SourceKind",
    "normalize_name",
]


class Ecosystem(StrEnum):
    NPM = "npm"
    PYPI = "pypi"


_PEP503 = re.compile(r"[-_.]+")


def normalize_name(ecosystem: str, name: str) -> str:
    """Normalise a package name the way its ecosystem compares names.

    PyPI names follow PEP 503; npm names are case-sensitive and kept as is.
    """
    if ecosystem == Ecosystem.PYPI:
        return _PEP503.sub("-", name).lower()
    return name


@dataclass(frozen=True, slots=True, order=True)
class PackageId:
    """(ecosystem, normalised name, version): the identity of a locked package."""

    ecosystem: str
    name: str
    version: str

    @classmethod
    def of(cls, ecosystem: str, name: str, version: str) -> PackageId:
        return cls(ecosystem, normalize_name(ecosystem, name), version)

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def purl(self) -> str:
        """Package URL (purl spec): ``pkg:npm/%40scope/name@1.0.0``, ``pkg:pypi/name@1.0``."""
        return _purl(self.ecosystem, self.name, self.version)


@lru_cache(maxsize=1 << 16)
def _purl(ecosystem: str, name: str, version: str) -> str:
    # Memoised: advisory look-ups and reports ask for the same packages' purls many times.
    if ecosystem == Ecosystem.NPM and name.startswith("@") and "/" in name:
        scope, _, bare = name.partition("/")
        path = f"{quote(scope, safe='', errors='surrogatepass')}/{quote(bare, safe='', errors='surrogatepass')}"
    else:
        path = quote(name, safe="", errors="surrogatepass")
    return f"pkg:{ecosystem}/{path}@{quote(version, safe='+', errors='surrogatepass')}"


class EdgeKind(StrEnum):
    PROD = "prod"
    DEV = "dev"
    OPTIONAL = "optional"
    PEER = "peer"


class SourceKind(StrEnum):
    ROOT = "root"  # the project itself
    WORKSPACE = "workspace"  # a workspace member of the project
    REGISTRY = "registry"
    GIT = "git"
    TARBALL = "tarball"  # a remote tarball / URL that is not the registry
    FILE = "file"  # a local file or directory (file:, path =)
    LINK = "link"  # a symlinked local directory (link:)


_PROJECT_KINDS = (SourceKind.ROOT, SourceKind.WORKSPACE)


@dataclass(frozen=True, slots=True)
class Source:
    """Where the lockfile says a package comes from, as recorded."""

    kind: SourceKind
    url: str | None = None

    @property
    def is_local_project(self) -> bool:
        return self.kind in _PROJECT_KINDS


@dataclass(frozen=True, slots=True)
class Package:
    """One locked package (a node of the graph)."""

    id: PackageId
    source: Source = Source(SourceKind.REGISTRY)
    integrity: str | None = None  # as recorded ("sha512-...", "sha256:..."), None if absent
    line: int | None = None  # 1-based line in the lockfile where it is declared
    dev: bool = False  # only reachable through development dependencies
    optional: bool = False  # only reachable through optional dependencies
    has_install_script: bool | None = None  # as the lockfile records it; None = not recorded
    display_name: str | None = None  # the name as written in the lockfile, if it differs
    hashes: tuple[str, ...] = ()  # every hash recorded ("sha256:<hex>", "sha512-<b64>")

    @property
    def name(self) -> str:
        return self.id.name

    @property
    def version(self) -> str:
        return self.id.version


@dataclass(frozen=True, slots=True)
class Edge:
    """A dependency from a parent node on ``child``."""

    child: PackageId
    kind: EdgeKind = EdgeKind.PROD
    spec: str | None = None  # the range/requirement the parent asked for
    alias: str | None = None  # the name the parent uses, when it differs (npm: aliases)


@dataclass(frozen=True, slots=True, repr=False)
class DependencyGraph:
    """A whole lockfile as a graph.

    ``roots`` lists the project root first, then workspace members. ``edges``
    maps a parent node to its outgoing edges; a node with no dependencies may be
    missing from it.
    """

    ecosystem: str
    format: str  # e.g. "npm-package-lock@3", "uv-lock@1", "requirements"
    path: str
    packages: Mapping[PackageId, Package]
    edges: Mapping[PackageId, tuple[Edge, ...]]
    roots: tuple[PackageId, ...]
    warnings: tuple[str, ...] = ()  # entries the reader skipped, one line each (for stderr)
    _parents: dict[PackageId, tuple[PackageId, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __repr__(self) -> str:
        return (
            f"DependencyGraph(format={self.format!r}, path={self.path!r}, "
            f"packages={len(self.packages)}, roots={len(self.roots)})"
        )

    # -- structure ---------------------------------------------------------
    def children(self, node: PackageId) -> tuple[Edge, ...]:
        return self.edges.get(node, ())

    def parents(self, node: PackageId) -> tuple[PackageId, ...]:
        """Nodes with an edge to ``node`` (computed once, then cached)."""
        if not self._parents and self.edges:
            acc: dict[PackageId, list[PackageId]] = {}
            for parent, edges in self.edges.items():
                for edge in edges:
                    acc.setdefault(edge.child, []).append(parent)
            self._parents.update({k: tuple(dict.fromkeys(v)) for k, v in acc.items()})
        return self._parents.get(node, ())

    @property
    def root(self) -> PackageId:
        return self.roots[0]

    def is_project_node(self, node: PackageId) -> bool:
        pkg = self.packages.get(node)
        return node in self.roots or (pkg is not None and pkg.source.is_local_project)

    def dependencies(self) -> Iterator[Package]:
        """Every locked package that is not the project or one of its workspaces."""
        roots = self.roots
        root_names = {root.name for root in roots}  # a name test first: PackageId == is slower
        for pkg in self.packages.values():
            if pkg.source.kind not in _PROJECT_KINDS:
                pid = pkg.id
                if pid.name not in root_names or pid not in roots:
                    yield pkg

    def direct(self) -> frozenset[PackageId]:
        """Packages that a root (project or workspace) depends on directly."""
        out: set[PackageId] = set()
        for root in self.roots:
            for edge in self.children(root):
                if not self.is_project_node(edge.child):
                    out.add(edge.child)
        # Workspace members linked from the root: their own deps are direct too.
        return frozenset(out)

    # -- "why is it here" --------------------------------------------------
    def shortest_paths(self, target: PackageId, limit: int = 5) -> list[list[PackageId]]:
        """Up to ``limit`` shortest paths from a direct dependency to ``target``.

        Each path starts at a direct dependency of a root and ends at
        ``target``. Iterative (no recursion), so 10,000-deep chains are fine.
        """
        return self.paths_index().paths(target, limit)

    def paths_index(self) -> PathsIndex:
        return PathsIndex.build(self)


@dataclass(slots=True)
class PathsIndex:
    """BFS layers from the direct dependencies, for shortest "why" paths.

    ``depth`` is each reachable package's distance from the nearest direct
    dependency. A package's BFS predecessors are its parents one layer
    shallower; every shortest path is a walk back along them, so a path costs
    O(depth) to build. They are found once per package (sorted, so paths come
    out in a stable order) and kept.
    """

    graph: DependencyGraph
    depth: dict[PackageId, int]
    _preds: dict[PackageId, tuple[PackageId, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def build(cls, graph: DependencyGraph) -> PathsIndex:
        depth: dict[PackageId, int] = {}
        queue: deque[PackageId] = deque()
        for node in sorted(graph.direct()):
            depth[node] = 0
            queue.append(node)
        while queue:
            node = queue.popleft()
            d = depth[node] + 1
            for edge in graph.children(node):
                child = edge.child
                if child not in depth and not graph.is_project_node(child):
                    depth[child] = d
                    queue.append(child)
        return cls(graph, depth)

    def predecessors(self, node: PackageId) -> tuple[PackageId, ...]:
        """``node``'s parents one BFS layer shallower, sorted (empty for a direct dependency)."""
        preds = self._preds.get(node)
        if preds is None:
            want = self.depth.get(node, 0) - 1
            depth = self.depth
            preds = self._preds[node] = (
                tuple(sorted(p for p in self.graph.parents(node) if depth.get(p) == want))
                if want >= 0
                else ()
            )
        return preds

    def paths(self, target: PackageId, limit: int = 5) -> list[list[PackageId]]:
        """Up to ``limit`` shortest paths to ``target``, direct dependency first."""
        if target not in self.depth or limit <= 0:
            return []
        # Walk backwards one layer at a time along the BFS predecessors. Every
        # partial path completes (each node at depth d > 0 has a predecessor at
        # d - 1), and order is kept, so the first ``limit`` partials of a layer
        # lead to the first ``limit`` complete paths: keeping only those bounds
        # the work to O(limit * depth) however many shortest paths exist.
        # Partials are cons cells (head, rest): extending one is O(1), never a copy.
        Cell = tuple[PackageId, Any]
        layer: list[Cell] = [(target, None)]
        d = self.depth[target]
        while d > 0:
            nxt: list[Cell] = []
            for cell in layer:
                for parent in self.predecessors(cell[0]):
                    nxt.append((parent, cell))
                    if len(nxt) >= limit:
                        break
                if len(nxt) >= limit:
                    break
            layer = nxt
            d -= 1
        out: list[list[PackageId]] = []
        for first in layer[:limit]:
            path: list[PackageId] = []
            link: Any = first
            while link is not None:
                path.append(link[0])
                link = link[1]
            out.append(path)
        return out


def build_graph(
    *,
    ecosystem: str,
    format: str,
    path: str,
    packages: Iterable[Package],
    edges: Mapping[PackageId, Iterable[Edge]],
    roots: Iterable[PackageId],
    warnings: Iterable[str] = (),
) -> DependencyGraph:
    """Assemble a graph, de-duplicating edges while keeping their order."""
    pkgs = {p.id: p for p in packages}
    out: dict[PackageId, tuple[Edge, ...]] = {}
    for parent, es in edges.items():
        seen: dict[tuple[PackageId, str], Edge] = {}
        for e in es:
            seen.setdefault((e.child, e.kind), e)
        if seen:
            out[parent] = tuple(seen.values())
    return DependencyGraph(
        ecosystem=ecosystem,
        format=format,
        path=path,
        packages=pkgs,
        edges=out,
        roots=tuple(dict.fromkeys(roots)),
        warnings=tuple(warnings),
    )
