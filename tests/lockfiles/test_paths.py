"""DependencyGraph.shortest_paths / PathsIndex on real lockfiles and on hostile shapes."""

from __future__ import annotations

import gzip
import time
from collections import deque
from pathlib import Path

import pytest

from depview.lockfiles import load
from depview.model import DependencyGraph, Edge, Package, PackageId, Source, SourceKind, build_graph

DATA = Path(__file__).resolve().parent.parent / "data" / "npm"


def real_graph(case: str, tmp_path: Path) -> DependencyGraph:
    folder = DATA / case
    plain = folder / "package-lock.json"
    if plain.exists():
        return load(plain)
    lockfile = tmp_path / "package-lock.json"
    lockfile.write_bytes(gzip.decompress((folder / "package-lock.json.gz").read_bytes()))
    return load(lockfile)


def distances(graph: DependencyGraph) -> dict[PackageId, int]:
    """Independent BFS: edges from a direct dependency, never through project nodes."""
    project = {p for p, pkg in graph.packages.items() if pkg.source.is_local_project} | set(
        graph.roots
    )
    dist: dict[PackageId, int] = {}
    queue: deque[PackageId] = deque()
    for root in graph.roots:
        for edge in graph.children(root):
            if edge.child not in project and edge.child not in dist:
                dist[edge.child] = 0
                queue.append(edge.child)
    while queue:
        node = queue.popleft()
        for edge in graph.children(node):
            if edge.child not in project and edge.child not in dist:
                dist[edge.child] = dist[node] + 1
                queue.append(edge.child)
    return dist


@pytest.mark.parametrize(
    "case", ["npm-gen-express-lv2", "npm-gen-workspaces-lv3", "npm-gen-aliases-lv3"]
)
def test_paths_on_real_lockfile(case: str, tmp_path: Path) -> None:
    graph = real_graph(case, tmp_path)
    index = graph.paths_index()
    dist = distances(graph)
    direct = graph.direct()
    checked = 0
    for target in sorted(graph.dependencies(), key=lambda p: p.id):
        paths = index.paths(target.id, limit=3)
        if target.id not in dist:
            assert paths == []
            continue
        checked += 1
        assert 1 <= len(paths) <= 3
        assert len({tuple(p) for p in paths}) == len(paths), "no duplicates"
        for path in paths:
            assert path[0] in direct
            assert path[-1] == target.id
            assert len(path) == dist[target.id] + 1, "shortest"
            for parent, child in zip(path, path[1:], strict=False):
                assert child in {e.child for e in graph.children(parent)}
        assert paths == graph.shortest_paths(target.id, limit=3)  # deterministic
    assert checked >= len(graph.packages) // 2
    assert graph.shortest_paths(graph.root) == []  # the project itself has no "why"


def test_paths_known_chain_in_express(tmp_path: Path) -> None:
    graph = real_graph("npm-gen-express-lv2", tmp_path)
    ms = [p for p in graph.packages if p.name == "ms"]
    assert ms
    for node in ms:
        for path in graph.shortest_paths(node, limit=10):
            assert str(path[-1]).startswith("ms@")
            assert graph.packages[path[0]].source.kind is SourceKind.REGISTRY


def _pid(name: str) -> PackageId:
    return PackageId.of("npm", name, "1.0.0")


def test_exponentially_many_shortest_paths_stay_bounded() -> None:
    """A 10,000-level ladder has 2**10,000 shortest paths to its bottom: still instant."""
    levels = 10_000
    edges: dict[PackageId, list[Edge]] = {_pid("app"): [Edge(_pid("a0")), Edge(_pid("b0"))]}
    for i in range(levels - 1):
        nxt = [Edge(_pid(f"a{i + 1}")), Edge(_pid(f"b{i + 1}"))]
        edges[_pid(f"a{i}")] = nxt
        edges[_pid(f"b{i}")] = nxt
    names = ["app"] + [f"{x}{i}" for i in range(levels) for x in "ab"]
    graph = build_graph(
        ecosystem="npm",
        format="test",
        path="x",
        packages=[
            Package(_pid(n), Source(SourceKind.ROOT if n == "app" else SourceKind.REGISTRY))
            for n in names
        ],
        edges=edges,
        roots=[_pid("app")],
    )
    start = time.perf_counter()
    paths = graph.shortest_paths(_pid(f"a{levels - 1}"), limit=5)
    assert time.perf_counter() - start < 5
    assert len(paths) == 5
    assert all(len(p) == levels for p in paths)
    assert len({tuple(p) for p in paths}) == 5
    # deterministic and in order: the first path takes the "a" side all the way
    assert paths[0] == [_pid(f"a{i}") for i in range(levels)]
    assert graph.shortest_paths(_pid("a5"), limit=0) == []


def test_workspace_edges_are_not_walked_through(tmp_path: Path) -> None:
    graph = real_graph("npm-gen-workspaces-lv3", tmp_path)
    for pkg in graph.dependencies():
        for path in graph.shortest_paths(pkg.id):
            assert not any(graph.is_project_node(node) for node in path)
