"""Conformance of the npm package-lock reader against real tools.

1. ``npm ls --package-lock-only --all --json`` (npm 11.19.1) for every npm case of
   the corpus: depview's graph has exactly the oracle's (name, version) nodes and
   parent -> child edges. Comparison rules, worked out from the oracles:

   * the oracle is a tree; a package printed before appears again as a bare node
     (version, no children), so the edge set is the union over all tree edges;
   * a child with ``missing`` or with neither ``version`` nor ``resolved`` (an
     unmet optional peer prints as ``{}``) is not a node and not an edge; a
     ``version``-less child with ``resolved`` (a link target without a version)
     is the node ``(name, "")``; ``invalid`` and ``extraneous`` children count;
   * npm prints aliased packages under the alias; ``oracle-aliases.json`` (from
     the ``--parseable --long`` oracle: ``alias@npm:real@version``) maps them back;
   * npm prints workspaces as children of the project; depview lists them as
     roots instead, so root -> workspace edges are added to ours;
   * deliberate difference (see DIFFERENCES.md): npm keeps a v1 bundled alias
     without integrity as ``alias@npm:real@version``; depview reads ``real@version``.

2. The OSV-Scanner / OSV-SCALIBR extractor fixtures: our third-party package set
   (not root, workspace or linked folder) equals theirs, or the error they expect
   is a LockfileError; documented differences are listed in ``OSV_DIFFERENCES``.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from depview.errors import LockfileError
from depview.lockfiles import load
from depview.model import DependencyGraph, Package, SourceKind

DATA = Path(__file__).resolve().parent.parent / "data" / "npm"
CASES = sorted(p.name for p in DATA.glob("npm-*") if p.is_dir())

Node = tuple[str, str]


def materialise(case: str, tmp_path: Path) -> Path:
    """Copy a corpus case to ``tmp_path`` with its ``.gz`` files expanded."""
    out = tmp_path / case
    shutil.copytree(DATA / case, out)
    for gz in out.rglob("*.gz"):
        gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    return out


def oracle_graph(
    oracle: dict[str, Any], aliases: dict[str, str]
) -> tuple[set[Node], set[tuple[Node, Node]]]:
    root: Node = (oracle["name"], oracle.get("version", ""))
    nodes = {root}
    edges: set[tuple[Node, Node]] = set()
    stack: list[tuple[Node, dict[str, Any]]] = [(root, oracle)]
    while stack:
        parent, node = stack.pop()
        for name, child in node.get("dependencies", {}).items():
            if child.get("missing") or ("version" not in child and "resolved" not in child):
                continue
            version = child.get("version", "")
            real = aliases.get(f"{name}@{version}", name)
            if version.startswith("npm:"):  # v1 bundled alias, see the module docstring
                real, _, version = version[4:].rpartition("@")
            key = (real, version)
            nodes.add(key)
            edges.add((parent, key))
            stack.append((key, child))
    return nodes, edges


def our_graph(graph: DependencyGraph) -> tuple[set[Node], set[tuple[Node, Node]]]:
    nodes = {(p.name, p.version) for p in graph.packages}
    edges = {
        ((parent.name, parent.version), (e.child.name, e.child.version))
        for parent, out in graph.edges.items()
        for e in out
    }
    root = graph.roots[0]
    for ws in graph.roots[1:]:
        edges.add(((root.name, root.version), (ws.name, ws.version)))
    return nodes, edges


def test_corpus_is_complete() -> None:
    assert len(CASES) >= 18
    for case in CASES:
        folder = DATA / case
        assert (folder / "package.json").is_file(), case
        assert any(folder.glob("oracle-npm-ls.json*")), case


@pytest.mark.parametrize("case", CASES)
def test_graph_equals_npm_ls(case: str, tmp_path: Path) -> None:
    folder = materialise(case, tmp_path)
    graph = load(folder / "package-lock.json")
    oracle = json.loads((folder / "oracle-npm-ls.json").read_text())
    aliases = json.loads((folder / "oracle-aliases.json").read_text())
    want_nodes, want_edges = oracle_graph(oracle, aliases)
    nodes, edges = our_graph(graph)
    assert sorted(nodes - want_nodes) == [], "nodes depview has and npm ls does not"
    assert sorted(want_nodes - nodes) == [], "nodes npm ls has and depview does not"
    assert sorted(edges - want_edges) == [], "edges depview has and npm ls does not"
    assert sorted(want_edges - edges) == [], "edges npm ls has and depview does not"
    assert graph.roots[0] == next(iter(graph.roots))
    assert graph.packages[graph.roots[0]].source.kind is SourceKind.ROOT


def test_workspaces_are_roots(tmp_path: Path) -> None:
    folder = materialise("npm-gen-workspaces-lv3", tmp_path)
    graph = load(folder / "package-lock.json")
    assert [str(r) for r in graph.roots] == [
        "depview-fixture-monorepo@0.0.0",
        "web@0.1.0",
        "@mono/cli@1.0.0",
        "@mono/core@1.2.0",
    ] or sorted(str(r) for r in graph.roots[1:]) == [
        "@mono/cli@1.0.0",
        "@mono/core@1.2.0",
        "web@0.1.0",
    ]
    for ws in graph.roots[1:]:
        assert graph.packages[ws].source.kind is SourceKind.WORKSPACE


# --- OSV fixtures --------------------------------------------------------------------

#: (fixture folder, test name) -> why depview's answer differs from the OSV extractor's.
OSV_DIFFERENCES = {
    # a `file:` folder is a local package (Source LINK), not a third-party dependency
    ("osv-scanner", "TestParseNpmLock_v1_Files"): {"other_package@"},
    ("osv-scalibr", "TestNPMLockExtractor_Extract_V1/files"): {"other_package@"},
    ("osv-scanner", "TestParseNpmLock_v2_Files"): {"etag@1.8.0"},
    ("osv-scalibr", "TestNPMLockExtractor_Extract_V2/files"): {"etag@1.8.0"},
}
#: cases whose expectation is not about one file's packages
OSV_SKIP = {
    # scalibr ignores package-lock.json when npm-shrinkwrap.json is next to it (directory policy)
    "TestExtractor_Extract_Shrinkwrap_JSON/valid package-lock.json and npm-shrinkwrap.json and extract package-lock.json",
    "TestMetricCollector/invalid_package-lock.json",
    "TestMetricCollector/valid_package-lock.json",
}


def _osv_key(pkg: Package) -> str:
    """OSV writes a v1 git dependency as version "" (plus commit); depview keeps the git URL."""
    if pkg.source.kind is SourceKind.GIT and pkg.version == pkg.source.url:
        return f"{pkg.name}@"
    return f"{pkg.name}@{pkg.version}"


def _osv_cases() -> list[tuple[str, dict[str, Any]]]:
    return [
        (folder, case)
        for folder in ("osv-scanner", "osv-scalibr")
        for case in json.loads((DATA / folder / "expected.json").read_text())["cases"]
        if case.get("fixture_exists", True) and case["test"] not in OSV_SKIP
    ]


@pytest.mark.parametrize(
    ("folder", "case"), _osv_cases(), ids=lambda v: v if isinstance(v, str) else v["test"]
)
def test_osv_fixture(folder: str, case: dict[str, Any]) -> None:
    path = DATA / folder / case["fixture_local"]
    if case["expect_error"]:
        with pytest.raises(LockfileError):
            load(path, format="npm-package-lock")
        return
    graph = load(path, format="npm-package-lock")
    ours = {_osv_key(p) for p in graph.dependencies() if p.source.kind is not SourceKind.LINK}
    linked = {
        f"{p.name}@{p.version}" for p in graph.dependencies() if p.source.kind is SourceKind.LINK
    }
    if case["packages"] is None:  # only a count and must-include entries were asserted
        must = {f"{p['name']}@{p['version']}" for p in case["must_include"]}
        assert must <= ours
        assert len(ours) == case["expect_count"]
        return
    theirs = {f"{p['name']}@{p['version']}" for p in case["packages"]}
    expected_diff = OSV_DIFFERENCES.get((folder, case["test"]), set())
    assert ours == theirs - expected_diff
    assert expected_diff <= linked
    for p in case["packages"]:
        key = f"{p['name']}@{p['version']}"
        pkg = next(q for q in graph.packages.values() if _osv_key(q) == key)
        if "line" in p:
            assert pkg.line == p["line"]
        if p.get("commit"):
            assert pkg.source.kind is SourceKind.GIT
            commits = {
                q["commit"] for q in case["packages"] if f"{q['name']}@{q['version']}" == key
            }
            # one name@version from two commits is one node; it keeps the first one's source
            assert pkg.source.url is not None
            assert any(c in pkg.source.url for c in commits)
