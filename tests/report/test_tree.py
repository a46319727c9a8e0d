"""render_tree / graph_to_json: npm ls style text, dedup, cycles, workspaces, markers."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from depview.lockfiles import load
from depview.model import (
    DependencyGraph,
    Edge,
    EdgeKind,
    Package,
    PackageId,
    Source,
    SourceKind,
    build_graph,
)
from depview.report.tree import graph_to_json, render_tree
from depview.risk.model import Level, Verdict

DATA = Path(__file__).resolve().parent.parent / "data" / "npm"


def pid(name: str, version: str = "1.0.0") -> PackageId:
    return PackageId.of("npm", name, version)


def graph(
    edges: Mapping[str, Sequence[str | tuple[str, EdgeKind]]],
    *,
    roots: tuple[str, ...] = ("app",),
    workspaces: tuple[str, ...] = (),
    scripts: tuple[str, ...] = (),
    dev: tuple[str, ...] = (),
) -> DependencyGraph:
    names = set(edges) | set(roots) | set(workspaces)
    for out in edges.values():
        names |= {c if isinstance(c, str) else c[0] for c in out}
    packages = []
    for name in sorted(names):
        kind = SourceKind.REGISTRY
        if name == roots[0]:
            kind = SourceKind.ROOT
        elif name in workspaces:
            kind = SourceKind.WORKSPACE
        packages.append(
            Package(
                pid(name),
                Source(kind),
                has_install_script=name in scripts,
                dev=name in dev,
            )
        )
    return build_graph(
        ecosystem="npm",
        format="test",
        path="package-lock.json",
        packages=packages,
        edges={
            pid(p): [Edge(pid(c)) if isinstance(c, str) else Edge(pid(c[0]), c[1]) for c in out]
            for p, out in edges.items()
        },
        roots=[pid(r) for r in (*roots, *workspaces)],
    )


def test_shape_order_and_dedup() -> None:
    g = graph({"app": ["b", "a"], "a": ["c"], "b": ["c", "d"], "c": ["d"]})
    assert render_tree(g) == (
        "app@1.0.0\n"
        "├── a@1.0.0\n"
        "│   └── c@1.0.0\n"
        "│       └── d@1.0.0 deduped\n"
        "└── b@1.0.0\n"
        "    ├── c@1.0.0 deduped\n"
        "    └── d@1.0.0\n"
    )


def test_shallowest_occurrence_is_printed_in_full() -> None:
    # d is reached at depth 2 via a/c and at depth 1 directly: the direct one is full.
    g = graph({"app": ["a", "d"], "a": ["c"], "c": ["d"], "d": ["e"]})
    text = render_tree(g)
    assert "├── a@1.0.0\n│   └── c@1.0.0\n│       └── d@1.0.0 deduped\n" in text
    assert "└── d@1.0.0\n    └── e@1.0.0\n" in text


def test_cycle_terminates() -> None:
    g = graph({"app": ["a"], "a": ["b"], "b": ["a"]})
    assert (
        render_tree(g) == "app@1.0.0\n└── a@1.0.0\n    └── b@1.0.0\n        └── a@1.0.0 deduped\n"
    )


def test_deep_chain_without_recursion() -> None:
    n = 10_000
    edges = {"app": ["p0"], **{f"p{i}": [f"p{i + 1}"] for i in range(n - 1)}}
    g = graph(edges)
    start = time.perf_counter()
    text = render_tree(g)
    assert time.perf_counter() - start < 10
    lines = text.splitlines()
    assert len(lines) == n + 1
    assert lines[-1].endswith(f"└── p{n - 1}@1.0.0")
    assert max(len(line) for line in lines) < 300  # indentation is capped
    assert lines[-1].startswith(f"…[{n}] ")


def test_workspaces_are_top_level_trees() -> None:
    g = graph(
        {"app": ["x"], "ws1": ["ws2", "y"], "ws2": ["x"]},
        workspaces=("ws1", "ws2"),
    )
    assert render_tree(g) == (
        "app@1.0.0\n"
        "└── x@1.0.0\n"
        "ws1@1.0.0 (workspace)\n"
        "├── ws2@1.0.0 (workspace)\n"
        "└── y@1.0.0\n"
        "ws2@1.0.0 (workspace)\n"
        "└── x@1.0.0 deduped\n"
    )


def test_markers_and_levels() -> None:
    g = graph({"app": ["a", "b", "c"]}, scripts=("a",))
    verdicts = {
        pid("a"): Verdict(pid("a"), Level.HIGH, 80),
        pid("b"): Verdict(pid("b"), Level.INFO, 5),
        pid("c"): Verdict(pid("c"), Level.NONE, 0, unknown=True),
    }
    text = render_tree(g, verdicts=verdicts)
    assert "├── a@1.0.0 [install-script] [high]\n" in text
    assert "├── b@1.0.0\n" in text  # info is below low: no marker
    assert "└── c@1.0.0 [unknown]\n" in text
    assert "[install-script]" in render_tree(g)
    assert "[high]" not in render_tree(g)


def test_no_dev_leaves_dev_edges_and_dev_packages_out() -> None:
    g = graph({"app": ["a", ("t", EdgeKind.DEV)], "a": ["z"]}, dev=("z",))
    assert "t@1.0.0" in render_tree(g)
    text = render_tree(g, no_dev=True)
    assert "t@1.0.0" not in text
    assert "z@1.0.0" not in text
    assert "a@1.0.0" in text


def test_hostile_names_are_inert() -> None:
    evil = "\x1b[31mred\x1b]8;;http://x\x07[bold]x[/bold]\u202e"
    g = graph({"app": [evil]})
    text = render_tree(g)
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "<U+202E>" in text
    assert "\n" not in text.rstrip("\n").split("\n")[1]


def test_alias_label() -> None:
    g = build_graph(
        ecosystem="npm",
        format="test",
        path="x",
        packages=[Package(pid("app"), Source(SourceKind.ROOT)), Package(pid("lodash", "3.10.1"))],
        edges={pid("app"): [Edge(pid("lodash", "3.10.1"), alias="lodash3")]},
        roots=[pid("app")],
    )
    assert render_tree(g) == "app@1.0.0\n└── lodash3@npm:lodash@3.10.1\n"


def test_real_lockfile_every_package_once_in_full(tmp_path: Path) -> None:
    """Every package of a real project shows up, each in full exactly once."""
    lockfile = tmp_path / "package-lock.json"
    lockfile.write_bytes(
        gzip.decompress((DATA / "npm-gen-express-lv2" / "package-lock.json.gz").read_bytes())
    )
    graph_ = load(lockfile)
    text = render_tree(graph_)
    lines = text.splitlines()
    full = [ln for ln in lines if not ln.endswith(" deduped")]
    names = [ln.split("── ")[-1].split(" ")[0] for ln in full]
    assert len(names) == len(set(names)) == len(graph_.packages)
    assert lines[0] == "depview-fixture-express-app@1.0.0"


@pytest.mark.parametrize("case", ["npm-gen-workspaces-lv3", "npm-gen-filelink-lv3"])
def test_graph_to_json(case: str) -> None:
    g = load(DATA / case / "package-lock.json")
    data = graph_to_json(g)
    json.dumps(data)  # JSON-ready
    assert data["format"] == "npm-package-lock@3"
    assert data["ecosystem"] == "npm"
    assert data["roots"] == [str(r) for r in g.roots]
    ids = {p["id"] for p in data["packages"]}
    assert ids == {str(p) for p in g.packages}
    assert all(e["from"] in ids and e["to"] in ids for e in data["edges"])
    assert len(data["edges"]) == sum(len(v) for v in g.edges.values())
    kinds = {p["source"]["kind"] for p in data["packages"]}
    assert "root" in kinds
    sample = next(p for p in data["packages"] if p["source"]["kind"] == "registry")
    assert sample["integrity"].startswith("sha512-")
    assert isinstance(sample["line"], int)
