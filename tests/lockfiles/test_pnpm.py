"""pnpm-lock.yaml reader: unit tests and conformance against ``pnpm list``.

Oracle: ``pnpm list --recursive --depth Infinity --json --lockfile-only``
(pnpm 12.21.0; tests/data/pnpm/<case>/oracle-pnpm-list.json.gz, see
SOURCE.txt / oracle-pnpm-list.meta.txt there). Comparison rules:

* a node is (name, version) with ``name`` the package's real name (``from``;
  the JSON key is the alias) and the version without peer suffix; workspace
  importers and ``link:`` targets are keyed by their folder (pnpm prints
  ``link:<path>`` as their version), ours by ``Source.url``;
* an edge is every parent->child pair printed anywhere in the tree (a
  ``deduped`` node is printed without children; its children are printed where
  it first appears, so the union over the tree is complete);
* the node set must match exactly. pnpm list shows only what the importers
  reach, so our nodes *reachable from the roots* are compared; entries no
  importer reaches (stale, e.g. postcss@8.5.8 in pnpm-vuecore-v9.0-multidoc)
  are nodes without a parent and are listed separately;
* edges: exact for native 6.0/9.0 cases. For 5.x the oracle ran on a lockfile
  pnpm 8/9 converted and re-resolved, so we check that every edge we read is in
  the oracle and that the oracle's extra edges are the known re-derived ones.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from typing import Any

import pytest

from depview.errors import LockfileError
from depview.lockfiles import registry
from depview.lockfiles.pnpm import READERS, PnpmLockReader, parse_dependency_path
from depview.model import DependencyGraph, Edge, EdgeKind, PackageId, SourceKind
from tests.lockfiles.helpers import (
    assert_crlf_and_bom_read_the_same,
    nv,
    osv_cases,
    unpack_case,
)
from tests.lockfiles.helpers import npm_pid as pid

DATA = Path(__file__).resolve().parents[1] / "data" / "pnpm"
READER = PnpmLockReader()
PURE = PnpmLockReader(manifests=None)
LOCAL = (SourceKind.ROOT, SourceKind.WORKSPACE, SourceKind.LINK)


def unpack(case: str, tmp_path: Path) -> Path:
    return unpack_case(DATA, case, tmp_path)


def read_text(tmp_path: Path, text: str, reader: PnpmLockReader = PURE) -> DependencyGraph:
    path = tmp_path / "pnpm-lock.yaml"
    path.write_text(text, encoding="utf-8")
    return reader.read(path, text)


def read(path: Path, reader: PnpmLockReader = READER) -> DependencyGraph:
    return reader.read(path, path.read_text(encoding="utf-8"))


def test_reader_interface() -> None:
    reader = READERS[0]
    assert (reader.name, reader.ecosystem, reader.filenames) == (
        "pnpm-lock",
        "npm",
        ("pnpm-lock.yaml",),
    )
    assert registry.READERS["pnpm-lock"] is reader
    assert reader.matches(Path("x"), "lockfileVersion: '9.0'\n")
    assert reader.matches(Path("x"), "---\nlockfileVersion: 5.4\n")
    assert reader.matches(Path("x"), 'lockfileVersion: "6.0"\r\n')
    assert not reader.matches(Path("x"), '{\n  "lockfileVersion": 3\n}')
    assert not reader.matches(Path("x"), "# yarn lockfile v1\n")
    assert not reader.matches(Path("x"), "this is not valid yaml!")


@pytest.mark.parametrize(
    ("key", "style", "expected"),
    [
        ("/acorn/8.7.0", "v5", ("acorn", "8.7.0", True)),
        ("/@babel/core/7.16.0", "v5", ("@babel/core", "7.16.0", True)),
        ("/next/14.2.35_biqbaboplfbrettd7655fr4n2y", "v5", ("next", "14.2.35", True)),
        ("/foo/1.4.0_@types+babel__core@7.1.14", "v5", ("foo", "1.4.0", True)),
        ("registry.npmjs.org/@foo/bar/1.1.0", "v5", ("@foo/bar", "1.1.0", True)),
        ("example.com/foo/1.3.0_bar@2.0.0", "v5", ("foo", "1.3.0", True)),
        ("github.com/kevva/is-positive", "v5", ("kevva", None, False)),
        ("github.com/a/b/0123abc", "v5", ("a", None, False)),
        ("/foo/bar", "v5", ("foo", None, False)),
        ("invalidpath", "v5", (None, None, False)),
        ("file:../x", "v5", (None, None, False)),
        ("/react-dom@18.2.0(react@18.2.0)", "v6", ("react-dom", "18.2.0", True)),
        ("/@types/node@20.1.0", "v6", ("@types/node", "20.1.0", True)),
        ("/foo/1.0.0_bar@1.0.0", "v6", ("foo", "1.0.0", True)),
        ("axios@1.2.5", "v5", (None, None, False)),
        ("styled-jsx@5.1.1(react@18.2.0)", "v9", ("styled-jsx", "5.1.1", True)),
        ("@scope/n@1.0.0(patch_hash=abc)", "v9", ("@scope/n", "1.0.0", True)),
        ("x@https://codeload.github.com/a/b/tar.gz/0123", "v9", ("x", None, False)),
        ("x@file:local", "v9", ("x", None, False)),
        ("invalidpath", "v9", (None, None, False)),
    ],
)
def test_parse_dependency_path(
    key: str, style: Any, expected: tuple[str | None, str | None, bool]
) -> None:
    assert parse_dependency_path(key, style) == expected


V9 = """lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      a:
        specifier: ^1.0.0
        version: 1.0.0(p@2.0.0)
      alias:
        specifier: npm:b@^3
        version: b@3.1.0
      ws:
        specifier: workspace:*
        version: link:packages/ws
      tool:
        specifier: link:../tool
        version: link:../tool
    devDependencies:
      p:
        specifier: ^2.0.0
        version: 2.0.0
    optionalDependencies:
      g:
        specifier: github:o/g
        version: https://codeload.github.com/o/g/tar.gz/0123456789abcdef

  packages/ws:
    dependencies:
      a:
        specifier: ^1.0.0
        version: 1.0.0(p@2.0.0)

packages:

  a@1.0.0:
    resolution: {integrity: sha512-aaa==}
    peerDependencies:
      p: ^2.0.0

  b@3.1.0:
    resolution: {integrity: sha512-bbb==, tarball: https://npm.example.com/b/-/b-3.1.0.tgz}

  g@https://codeload.github.com/o/g/tar.gz/0123456789abcdef:
    resolution: {tarball: https://codeload.github.com/o/g/tar.gz/0123456789abcdef}
    version: 0.5.0

  p@2.0.0:
    resolution: {integrity: sha512-ppp==}

  stale@1.0.0:
    resolution: {integrity: sha512-sss==}

snapshots:

  a@1.0.0(p@2.0.0):
    dependencies:
      p: 2.0.0
      b: 3.1.0

  b@3.1.0: {}

  g@https://codeload.github.com/o/g/tar.gz/0123456789abcdef: {}

  p@2.0.0: {}

  stale@1.0.0: {}
"""


def test_v9_importers_aliases_links_and_sources(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0"}))
    (tmp_path / "packages" / "ws").mkdir(parents=True)
    (tmp_path / "packages" / "ws" / "package.json").write_text(
        json.dumps({"name": "@m/ws", "version": "0.1.0"})
    )
    graph = read_text(tmp_path, V9, READER)
    assert graph.format == "pnpm-lock@9.0"
    root, ws = pid("app", "1.0.0"), pid("@m/ws", "0.1.0")
    a, b, g, p = pid("a", "1.0.0"), pid("b", "3.1.0"), pid("g", "0.5.0"), pid("p", "2.0.0")
    tool = pid("tool", "")
    assert graph.roots == (root, ws)
    assert graph.packages[ws].source.kind is SourceKind.WORKSPACE
    assert graph.packages[ws].source.url == "packages/ws"
    assert graph.children(root) == (
        Edge(a, EdgeKind.PROD, "^1.0.0"),
        Edge(b, EdgeKind.PROD, "npm:b@^3", "alias"),
        Edge(ws, EdgeKind.PROD, "workspace:*", "ws"),
        Edge(tool, EdgeKind.PROD, "link:../tool"),
        Edge(p, EdgeKind.DEV, "^2.0.0"),
        Edge(g, EdgeKind.OPTIONAL, "github:o/g"),
    )
    assert graph.packages[tool].source.kind is SourceKind.LINK
    assert graph.packages[tool].source.url == "../tool"
    assert graph.children(a) == (Edge(p, EdgeKind.PEER, "^2.0.0"), Edge(b, EdgeKind.PROD))
    assert graph.packages[a].integrity == "sha512-aaa=="
    assert graph.packages[a].line == 36
    assert graph.packages[a].has_install_script is None
    assert graph.packages[b].source.kind is SourceKind.REGISTRY
    assert graph.packages[b].source.url == "https://npm.example.com/b/-/b-3.1.0.tgz"
    assert graph.packages[g].source.kind is SourceKind.GIT
    # p is a dev dependency of the root but also a peer of a (prod): not dev-only
    assert not graph.packages[p].dev
    assert graph.packages[g].optional and not graph.packages[a].optional
    # stale: nothing reaches it; it stays a node, without a parent
    stale = pid("stale", "1.0.0")
    assert stale in graph.packages and graph.parents(stale) == ()


V5 = """lockfileVersion: 5.4

specifiers:
  a: ^1.0.0
  l3: npm:lodash@3.10.1
  m: ^1.0.0

dependencies:
  a: 1.0.0_p@2.0.0
  l3: /lodash/3.10.1

devDependencies:
  m: 1.0.0

packages:

  /a/1.0.0_p@2.0.0:
    resolution: {integrity: sha512-aaa==}
    peerDependencies:
      p: ^2.0.0
    dependencies:
      p: 2.0.0
    requiresBuild: true
    dev: false

  /p/2.0.0:
    resolution: {integrity: sha512-ppp==}
    dev: false

  /lodash/3.10.1:
    resolution: {integrity: sha512-lll==}
    dev: false

  /m/1.0.0:
    resolution: {integrity: sha512-mmm==}
    dependencies:
      x: github.com/o/x/0123456789abcdef0123456789abcdef01234567
    dev: true

  github.com/o/x/0123456789abcdef0123456789abcdef01234567:
    resolution: {commit: 0123456789abcdef0123456789abcdef01234567, repo: https://tok@github.com/o/x.git, type: git}
    name: x
    version: 4.0.0
    dev: true

  file:vendor/y.tgz:
    resolution: {integrity: sha512-yyy==, tarball: file:vendor/y.tgz}
    name: y
    version: 0.0.1
    dev: false
"""


def test_v5_single_project(tmp_path: Path) -> None:
    graph = read_text(tmp_path, V5)
    assert graph.format == "pnpm-lock@5.4"
    root = graph.root
    assert graph.packages[root].source.kind is SourceKind.ROOT
    a, p, lodash, m, x = (
        pid("a", "1.0.0"),
        pid("p", "2.0.0"),
        pid("lodash", "3.10.1"),
        pid("m", "1.0.0"),
        pid("x", "4.0.0"),
    )
    assert graph.children(root) == (
        Edge(a, EdgeKind.PROD, "^1.0.0"),
        Edge(lodash, EdgeKind.PROD, "npm:lodash@3.10.1", "l3"),
        Edge(m, EdgeKind.DEV, "^1.0.0"),
    )
    assert graph.children(a) == (Edge(p, EdgeKind.PEER, "^2.0.0"),)
    assert graph.packages[a].has_install_script is True
    assert graph.packages[p].has_install_script is False
    assert graph.packages[x].source.kind is SourceKind.GIT
    assert (
        graph.packages[x].source.url
        == "https://***@github.com/o/x.git#0123456789abcdef0123456789abcdef01234567"
    )
    assert graph.packages[x].dev and graph.packages[m].dev and not graph.packages[a].dev
    y = graph.packages[pid("y", "0.0.1")]
    assert y.source.kind is SourceKind.FILE and y.source.url == "vendor/y.tgz"
    assert graph.parents(y.id) == ()  # nothing depends on it: stale, not attached
    assert graph.packages[a].line == 17


def test_v6_single_project_top_level_dependencies(tmp_path: Path) -> None:
    text = (
        "lockfileVersion: '6.0'\n\ndependencies:\n  r:\n    specifier: ^1\n    version: 1.0.0(q@1.0.0)\n\n"
        "packages:\n\n  /r@1.0.0(q@1.0.0):\n    resolution: {integrity: sha512-r==}\n"
        "    dependencies:\n      q: 1.0.0\n    dev: false\n\n"
        "  /q@1.0.0:\n    resolution: {integrity: sha512-q==}\n    dev: false\n"
    )
    graph = read_text(tmp_path, text)
    r, q = pid("r", "1.0.0"), pid("q", "1.0.0")
    assert graph.children(graph.root) == (Edge(r, EdgeKind.PROD, "^1"),)
    assert graph.children(r) == (Edge(q, EdgeKind.PROD),)
    assert graph.packages[r].line == 10


def test_no_importer_dependencies_attaches_everything(tmp_path: Path) -> None:
    text = "lockfileVersion: 5.3\n\npackages:\n  /foo/1.0.0:\n  /bar/2.0.0:\n    dependencies:\n      foo: 1.0.0\n"
    graph = read_text(tmp_path, text)
    assert graph.direct() == frozenset({pid("bar", "2.0.0")})


def test_multi_document_reads_the_last(tmp_path: Path) -> None:
    text = (
        "---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    packageManagerDependencies:\n"
        "      pnpm:\n        specifier: 10.0.0\n        version: 10.0.0\n\n"
        "packages:\n\n  pnpm@10.0.0:\n    resolution: {integrity: sha512-x==}\n\n"
        "snapshots:\n\n  pnpm@10.0.0: {}\n"
        "---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n"
        "      a:\n        specifier: ^1\n        version: 1.0.0\n\n"
        "packages:\n\n  a@1.0.0:\n    resolution: {integrity: sha512-a==}\n\n"
        "snapshots:\n\n  a@1.0.0: {}\n"
    )
    graph = read_text(tmp_path, text)
    assert nv(graph) == {("a", "1.0.0")}
    assert graph.packages[pid("a", "1.0.0")].line == 33


def test_yaml_fallback_reads_the_same(tmp_path: Path) -> None:
    """Flow style and anchors are not what pnpm writes; PyYAML reads them the same way."""
    text = (
        "lockfileVersion: '9.0'\n"
        "importers: {'.': {dependencies: {a: {specifier: ^1, version: 1.0.0}}}}\n"
        "packages:\n  a@1.0.0: &meta\n    resolution: {integrity: sha512-a==}\n"
        "  b@1.0.0: *meta\n"
        "snapshots:\n  a@1.0.0:\n    dependencies: {b: 1.0.0}\n  b@1.0.0: {}\n"
    )
    graph = read_text(tmp_path, text)
    a, b = pid("a", "1.0.0"), pid("b", "1.0.0")
    assert graph.children(graph.root) == (Edge(a, EdgeKind.PROD, "^1"),)
    assert graph.children(a) == (Edge(b, EdgeKind.PROD),)
    assert graph.packages[b].integrity == "sha512-a=="
    assert graph.packages[a].line == 4


def test_versions_stay_strings(tmp_path: Path) -> None:
    text = (
        "lockfileVersion: 5.10\n\ndependencies:\n  a: 1.10\n\n"
        "packages:\n  /a/1.10:\n    resolution: {integrity: sha512-a==}\n"
    )
    graph = read_text(tmp_path, text)
    assert graph.format == "pnpm-lock@5.10"
    assert nv(graph) == {("a", "1.10")}


def test_deep_chain_10000(tmp_path: Path) -> None:
    n = 10_000
    parts = [
        "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n"
        "      p0:\n        specifier: ^1\n        version: 1.0.0\n\npackages:\n"
    ]
    parts += [f"  p{i}@1.0.0:\n    resolution: {{integrity: sha512-x==}}\n" for i in range(n)]
    parts.append("\nsnapshots:\n")
    for i in range(n):
        parts.append(f"  p{i}@1.0.0:\n")
        parts.append(f"    dependencies:\n      p{i + 1}: 1.0.0\n" if i + 1 < n else "    {}\n")
    text = "".join(parts).replace("  p9999@1.0.0:\n    {}\n", "  p9999@1.0.0: {}\n")
    graph = read_text(tmp_path, text)
    paths = graph.shortest_paths(pid(f"p{n - 1}", "1.0.0"), limit=1)
    assert len(paths) == 1 and len(paths[0]) == n


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("this is not valid yaml!", 1, "not a pnpm lockfile"),
        ("- a\n- b\n", 1, "not a pnpm lockfile"),
        ("importers: {}\n", 1, "no lockfileVersion"),
        ("lockfileVersion: [9]\n", 1, "lockfileVersion"),
        ("lockfileVersion: nine\n", 1, "lockfileVersion"),
        ("lockfileVersion: '9.0'\npackages: [a]\n", 2, "packages"),
        ("lockfileVersion: '9.0'\npackages:\n  a@1.0.0: [x]\n", 3, "expected an object"),
        ("lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: x\n", 3, "resolution"),
        (
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: [1]}\n",
            3,
            "integrity",
        ),
        ("lockfileVersion: '9.0'\nimporters:\n  .: [a]\n", 3, "importers"),
        (
            "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a: {version: [1]}\n",
            3,
            "version",
        ),
        (
            "lockfileVersion: 5.4\npackages:\n  invalidpath:\n    resolution: {integrity: x}\n",
            3,
            "invalid dependency path",
        ),
        (
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n   resolution: {x: [\n",
            5,
            "invalid YAML",
        ),
        ("lockfileVersion: '9.0'\n\tpackages: {}\n", 2, "invalid YAML"),
    ],
)
def test_bad_input(tmp_path: Path, text: str, line: int | None, fragment: str) -> None:
    with pytest.raises(LockfileError) as info:
        read_text(tmp_path, text)
    assert info.value.path.endswith("pnpm-lock.yaml")
    assert fragment in info.value.message
    assert info.value.line == line


def test_empty_and_comment_only(tmp_path: Path) -> None:
    for text in ("# this is an empty file!\n", "---\n", "lockfileVersion: '6.0'\n"):
        graph = read_text(tmp_path, text)
        assert list(graph.dependencies()) == []
        assert len(graph.roots) == 1


def test_bad_input_through_load(tmp_path: Path) -> None:
    from depview.lockfiles import load

    path = tmp_path / "pnpm-lock.yaml"
    for data in (b"", b"\x00\x01binary", b"lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {x: [\n"):
        path.write_bytes(data)
        with pytest.raises(LockfileError) as info:
            load(path)
        assert str(path) in str(info.value)


def test_truncated_real_lockfiles(tmp_path: Path) -> None:
    for case in ("pnpm-gen-ws-v5.4", "pnpm-gen-ws-v6.0", "pnpm-gen-ws-v9.0-pnpm9"):
        text = (DATA / case / "pnpm-lock.yaml").read_text(encoding="utf-8")
        for cut in range(0, len(text), 4999):
            try:
                graph = read_text(tmp_path, text[:cut])
            except LockfileError as exc:
                assert exc.path.endswith("pnpm-lock.yaml")
            else:
                assert isinstance(graph, DependencyGraph)


# ---------------------------------------------------------------------------
# conformance against pnpm list


def _oracle(
    folder: Path,
) -> tuple[set[tuple[str, str]], set[tuple[tuple[str, str], tuple[str, str]]]]:
    data = json.loads((folder / "oracle-pnpm-list.json").read_text())
    nodes: set[tuple[str, str]] = set()
    edges: set[tuple[tuple[str, str], tuple[str, str]]] = set()
    stack: list[tuple[tuple[str, str], dict[str, Any]]] = []
    for importer in data:
        key = ("<local>", posixpath.normpath(importer["path"]))
        nodes.add(key)
        stack.append((key, importer))
    while stack:
        parent, node = stack.pop()
        for table_name, table in node.items():
            if not table_name.endswith("ependencies") or not isinstance(table, dict):
                continue
            for child in table.values():
                if child["version"].startswith("link:"):
                    key = ("<local>", posixpath.normpath(child["path"]))
                else:
                    key = (child["from"], child["version"])
                nodes.add(key)
                edges.add((parent, key))
                stack.append((key, child))
    return nodes, edges


def _ours(
    graph: DependencyGraph,
) -> tuple[
    set[tuple[str, str]], set[tuple[tuple[str, str], tuple[str, str]]], set[tuple[str, str]]
]:
    def key(node: PackageId) -> tuple[str, str]:
        package = graph.packages[node]
        if package.source.kind in LOCAL:
            return "<local>", posixpath.normpath(package.source.url or ".")
        return package.name, package.version

    reachable = set(graph.roots)
    stack = list(graph.roots)
    while stack:
        for edge in graph.children(stack.pop()):
            if edge.child not in reachable:
                reachable.add(edge.child)
                stack.append(edge.child)
    nodes = {key(n) for n in reachable}
    stale = {key(n) for n in graph.packages if n not in reachable}
    edges = {(key(p), key(e.child)) for p, es in graph.edges.items() if p in reachable for e in es}
    return nodes, edges, stale


# case, unique name@version (INDEX.md), stale entries, oracle-only (re-derived) edges
CONFORMANCE = [
    ("pnpm-gen-single-v5.4", 192, set(), 0),
    ("pnpm-gen-single-v6.0", 192, set(), 0),
    ("pnpm-gen-single-v9.0", 192, set(), 0),
    ("pnpm-gen-ws-v5.4", 252, set(), 0),
    ("pnpm-gen-ws-v6.0", 248, set(), 0),
    ("pnpm-gen-ws-v9.0-pnpm12", 254, set(), 0),
    ("pnpm-gen-ws-v9.0-pnpm9", 248, set(), 0),
    ("pnpm-vuecore-v5.3", 924, set(), 8),
    ("pnpm-vuecore-v5.4", 755, set(), 3),
    ("pnpm-vuecore-v6.0", 730, set(), 0),
    ("pnpm-vuecore-v9.0", 620, set(), 0),
    ("pnpm-vuecore-v9.0-multidoc", 710, {("postcss", "8.5.8")}, 0),
]


@pytest.mark.parametrize(("case", "unique", "stale", "rederived"), CONFORMANCE)
def test_conformance_pnpm_list(
    tmp_path: Path, case: str, unique: int, stale: set[tuple[str, str]], rederived: int
) -> None:
    folder = unpack(case, tmp_path)
    graph = read(folder / "pnpm-lock.yaml")
    oracle_nodes, oracle_edges = _oracle(folder)
    nodes, edges, our_stale = _ours(graph)
    assert nodes == oracle_nodes
    assert our_stale == stale
    registry_nodes = [p for p in graph.dependencies() if p.source.kind is not SourceKind.LINK]
    assert len(registry_nodes) == unique
    native = case.endswith(("v9.0", "v9.0-multidoc", "pnpm12", "pnpm9", "v6.0"))
    if native:
        assert edges == oracle_edges
    else:
        assert edges <= oracle_edges
        assert len(oracle_edges - edges) == rederived


def test_conformance_vuecore_53_rederived_edges(tmp_path: Path) -> None:
    """The 5.3 oracle's extra edges are what pnpm 9 re-derived, not what the 5.3 file says."""
    folder = unpack("pnpm-vuecore-v5.3", tmp_path)
    graph = read(folder / "pnpm-lock.yaml")
    oracle_nodes, oracle_edges = _oracle(folder)
    _, edges, _ = _ours(graph)
    extra = oracle_edges - edges
    assert (("@babel/parser", "7.16.4"), ("@babel/types", "7.16.0")) in extra
    # the 5.3 entry for @babel/parser really has no dependencies
    text = (folder / "pnpm-lock.yaml").read_text()
    entry = text[text.index("  /@babel/parser/7.16.4:") :].split("\n\n", 1)[0]
    assert "dependencies" not in entry


@pytest.mark.parametrize("case", ["pnpm-vuecore-v5.3", "pnpm-vuecore-v9.0-multidoc"])
def test_real_lockfiles_read_twice_the_same(tmp_path: Path, case: str) -> None:
    """Reading is deterministic (speed is measured in bench/, not here)."""
    folder = unpack(case, tmp_path)
    path = folder / "pnpm-lock.yaml"
    text = path.read_text()
    first, second = READER.read(path, text), READER.read(path, text)
    assert first.packages == second.packages and first.edges == second.edges
    assert len(first.packages) > 500


def test_workspace_names_from_package_json(tmp_path: Path) -> None:
    folder = unpack("pnpm-gen-ws-v9.0-pnpm9", tmp_path)
    graph = read(folder / "pnpm-lock.yaml")
    assert [(r.name, r.version) for r in graph.roots] == [
        ("depview-pnpm-monorepo", "0.0.0"),
        ("web", "0.1.0"),
        ("@mono/core", "1.2.0"),
        ("@mono/ui", "0.3.0"),
    ]
    web = graph.roots[1]
    by_name = {e.alias or e.child.name: e for e in graph.children(web)}
    assert by_name["local-tool"].child == pid("local-tool", "0.0.1")
    assert graph.packages[pid("local-tool", "0.0.1")].source.kind is SourceKind.LINK
    assert by_name["@mono/ui"].child == pid("@mono/ui", "0.3.0")
    core = graph.roots[2]
    lodash3 = [e for e in graph.children(core) if e.alias == "lodash3"]
    assert lodash3 == [Edge(pid("lodash", "3.10.1"), EdgeKind.PROD, "npm:lodash@3.10.1", "lodash3")]


# ---------------------------------------------------------------------------
# OSV-Scanner / OSV-SCALIBR expectations


@pytest.mark.parametrize(
    ("suite", "case"), list(osv_cases(DATA, ("osv-scanner-v1.9.2-pnpm", "osv-scalibr-pnpmlock")))
)
def test_osv_expectations(suite: str, case: dict[str, Any]) -> None:
    path = DATA / suite / case["fixture_local"]
    if not path.exists():
        assert case["expect_error"] == "fs.ErrNotExist"
        return
    text = path.read_text(encoding="utf-8")
    if case["expect_error"]:
        # OSV stops with an error (scalibr also returns what it read so far): so do we
        with pytest.raises(LockfileError) as info:
            PURE.read(path, text)
        assert info.value.line is not None
        return
    graph = PURE.read(path, text)
    assert nv(graph) == {(p["name"], p["version"]) for p in case["packages"]}
    for expected in case["packages"]:
        package = graph.packages[pid(expected["name"], expected["version"])]
        if "line" in expected:
            assert package.line == expected["line"]
        if expected.get("dep_groups") == ["dev"]:
            assert package.dev
        if expected.get("commit"):
            assert package.source.kind is SourceKind.GIT
            assert expected["commit"] in (package.source.url or "")


@pytest.mark.parametrize("case", ["pnpm-gen-ws-v5.4", "pnpm-gen-ws-v9.0-pnpm9"])
def test_crlf_and_bom_read_the_same(case: str) -> None:
    assert_crlf_and_bom_read_the_same(PURE, DATA / case / "pnpm-lock.yaml")
