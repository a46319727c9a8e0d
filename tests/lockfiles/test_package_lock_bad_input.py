"""Bad and hostile input: always a LockfileError with the file (and line where known), never
another exception, never a hang; structural abuse (deep chains, cycles, 100,000 packages)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depview.errors import LockfileError
from depview.lockfiles import load
from depview.lockfiles.package_lock import PackageLockReader
from depview.model import PackageId

DATA = Path(__file__).resolve().parent.parent / "data" / "npm"
READER = PackageLockReader()
SEEDS = [
    DATA / "npm-gen-filelink-lv3" / "package-lock.json",
    DATA / "npm-gen-filelink-lv1" / "package-lock.json",
    DATA / "npm-gen-aliases-lv3" / "package-lock.json",
    DATA / "npm-gen-aliases-lv1" / "package-lock.json",
    DATA / "osv-scanner" / "fixtures" / "commits.v2.json",
]
SEED_TEXTS = [p.read_text() for p in SEEDS]


def read(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "package-lock.json"
    path.write_text(text)
    return READER.read(path, text)


def error_for(tmp_path: Path, text: str) -> LockfileError:
    with pytest.raises(LockfileError) as info:
        read(tmp_path, text)
    err = info.value
    assert err.path == str(tmp_path / "package-lock.json")
    assert "\n" not in err.one_line()
    return err


def test_truncated_json_names_the_line(tmp_path: Path) -> None:
    text = SEED_TEXTS[0]
    cut = text.index('"node_modules/ms"')
    err = error_for(tmp_path, text[:cut])
    assert err.line == text[:cut].count("\n") + 1
    assert "invalid JSON" in err.message


def test_empty_and_binary_and_wrong_format(tmp_path: Path) -> None:
    path = tmp_path / "package-lock.json"
    path.write_text("")
    with pytest.raises(LockfileError, match="empty"):
        load(path)
    error_for(tmp_path, "")
    error_for(tmp_path, "   \n")
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(LockfileError, match="binary"):
        load(path)
    path.write_bytes(b'{"lockfileVersion": 3, "name": "\xff\xfe"}')
    with pytest.raises(LockfileError, match="UTF-8"):
        load(path)
    assert (
        "invalid JSON" in error_for(tmp_path, "# yarn lockfile v1\nfoo@^1:\n  version 1\n").message
    )
    assert "top-level value is a list" in error_for(tmp_path, "[1, 2]").message
    assert "top-level value is null" in error_for(tmp_path, "null").message
    assert "not a package-lock" in error_for(tmp_path, '{"name": "x", "version": "1.0.0"}').message


def v3(packages: Any, **top: Any) -> str:
    return json.dumps({"lockfileVersion": 3, **top, "packages": packages}, indent=2)


GOOD_ENTRY = {"version": "1.0.0", "integrity": "sha512-x"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (v3([]), "packages: expected an object, got a list"),
        (v3({"node_modules/a": []}), 'packages["node_modules/a"]: expected an object, got a list'),
        (v3({"node_modules/a": "1.0.0"}), "expected an object, got a string"),
        (v3({"node_modules/a": {"version": 1}}), ".version: expected a string, got a number"),
        (v3({"node_modules/a": {"version": None, "resolved": 5}}), ".resolved: expected a string"),
        (
            v3({"node_modules/a": {**GOOD_ENTRY, "integrity": ["x"]}}),
            ".integrity: expected a string",
        ),
        (v3({"node_modules/a": {**GOOD_ENTRY, "name": {}}}), ".name: expected a string"),
        (v3({"node_modules/a": {**GOOD_ENTRY, "dev": "yes"}}), ".dev: expected a boolean"),
        (
            v3({"node_modules/a": {**GOOD_ENTRY, "hasInstallScript": 1}}),
            ".hasInstallScript: expected a boolean",
        ),
        (v3({"node_modules/a": {**GOOD_ENTRY, "link": "true"}}), ".link: expected a boolean"),
        (v3({"node_modules/a": {"link": True}}), "link without a resolved target"),
        (
            v3({"node_modules/a": {**GOOD_ENTRY, "dependencies": ["b"]}}),
            ".dependencies: expected an object",
        ),
        (
            v3({"node_modules/a": {**GOOD_ENTRY, "dependencies": {"b": 1}}}),
            '.dependencies["b"]: expected a string',
        ),
        (
            v3({"node_modules/a": {**GOOD_ENTRY, "dependencies": {"": "1"}}}),
            "empty dependency name",
        ),
        (
            v3({"node_modules/a": {**GOOD_ENTRY, "optionalDependencies": "b"}}),
            ".optionalDependencies: expected",
        ),
        (
            v3(
                {
                    "node_modules/a": {
                        **GOOD_ENTRY,
                        "peerDependencies": {"b": "1"},
                        "peerDependenciesMeta": [],
                    }
                }
            ),
            ".peerDependenciesMeta: expected an object",
        ),
        (v3({"": {"workspaces": "packages/*"}}), ".workspaces: expected a list of strings"),
        (v3({"": {"workspaces": [1]}}), ".workspaces: expected a list of strings"),
        (
            v3({"": {"devDependencies": {"a": None}}}),
            '.devDependencies["a"]: expected a string, got null',
        ),
        (
            json.dumps({"lockfileVersion": "3", "packages": {}}),
            "lockfileVersion: expected an integer, got a string",
        ),
        (
            json.dumps({"lockfileVersion": True, "packages": {}}),
            "lockfileVersion: expected an integer, got a boolean",
        ),
        (json.dumps({"lockfileVersion": 3, "name": 5, "packages": {}}), "name: expected a string"),
        (
            json.dumps({"lockfileVersion": 1, "dependencies": []}),
            "dependencies: expected an object",
        ),
        (
            json.dumps({"lockfileVersion": 1, "dependencies": {"a": 1}}),
            'dependencies["a"]: expected an object',
        ),
        (
            json.dumps(
                {"lockfileVersion": 1, "dependencies": {"a": {"version": "1", "requires": ["b"]}}}
            ),
            ".requires: expected an object",
        ),
        (
            json.dumps(
                {"lockfileVersion": 1, "dependencies": {"a": {"version": "1", "bundled": "no"}}}
            ),
            ".bundled: expected a boolean",
        ),
        (
            json.dumps(
                {
                    "lockfileVersion": 1,
                    "dependencies": {"a": {"version": "1", "dependencies": {"b": {"version": 2}}}},
                }
            ),
            'dependencies["a"].dependencies["b"].version',
        ),
        (
            json.dumps(
                {"lockfileVersion": 1, "dependencies": {"a": {"version": "1", "dependencies": "b"}}}
            ),
            ".dependencies: expected an object",
        ),
    ],
)
def test_schema_violations(tmp_path: Path, text: str, message: str) -> None:
    err = error_for(tmp_path, text)
    assert message in err.message


def test_schema_violation_names_the_entry_line(tmp_path: Path) -> None:
    text = v3({"": {}, "node_modules/a": GOOD_ENTRY, "node_modules/b": {"version": 2}})
    err = error_for(tmp_path, text)
    lines = text.splitlines()
    assert err.line is not None
    assert lines[err.line - 1].strip() == '"node_modules/b": {'
    text = v3({"": {}, "node_modules/a": GOOD_ENTRY, "node_modules/b": 7})
    err = error_for(tmp_path, text)
    assert err.line is not None and '"node_modules/b": 7' in text.splitlines()[err.line - 1]


def test_duplicate_keys(tmp_path: Path) -> None:
    text = '{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0"}, "node_modules/a": {"version": "2.0.0"}}}'
    assert 'duplicate key "node_modules/a"' in error_for(tmp_path, text).message
    text = '{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0", "version": "2.0.0"}}}'
    assert 'duplicate key "version"' in error_for(tmp_path, text).message
    text = '{\n "lockfileVersion": 3,\n "packages": {\n  "a": {},\n  "b": {},\n  "a": {}\n }\n}'
    assert error_for(tmp_path, text).line == 6


def test_absurd_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    depth = max(sys.getrecursionlimit() * 20, 100_000)
    err = error_for(
        tmp_path, '{"lockfileVersion": 3, "packages": ' + "[" * depth + "]" * depth + "}"
    )
    assert "nested too deeply" in err.message
    # a v1 tree nested beyond what the JSON parser takes: one clear line too
    deps: dict[str, Any] = {}
    text = json.dumps({"lockfileVersion": 1, "dependencies": deps})
    inner = '{"version": "1.0.0"}'
    for _ in range(5000):
        inner = '{"version": "1.0.0", "dependencies": {"a": ' + inner + "}}"
    text = '{"lockfileVersion": 1, "dependencies": {"a": ' + inner + "}}"
    try:
        graph = read(tmp_path, text)
    except LockfileError as exc:
        assert "nested too deeply" in exc.message
    else:  # parsers with a higher limit read it; it must then be a 1-node-per-version graph
        assert len(graph.packages) == 2


def test_links_cannot_escape_or_loop(tmp_path: Path) -> None:
    text = v3(
        {
            "": {"dependencies": {"a": "*", "b": "*", "c": "*", "d": "*"}},
            "node_modules/a": {"resolved": "../../../../etc", "link": True},
            "node_modules/b": {"resolved": "node_modules/b", "link": True},
            "node_modules/c": {"resolved": "node_modules/a", "link": True},
            "node_modules/d": {"resolved": "/abs/path", "link": True},
        }
    )
    graph = read(tmp_path, text)
    assert list(graph.children(graph.root)) == []


# --- structural abuse ------------------------------------------------------------------


def chain_lockfile(n: int, *, cycle: bool = False) -> str:
    packages: dict[str, Any] = {
        "": {"name": "app", "version": "1.0.0", "dependencies": {"p0": "^1"}}
    }
    for i in range(n):
        deps = {f"p{i + 1}": "^1"} if i + 1 < n else ({"p0": "^1"} if cycle else {})
        packages[f"node_modules/p{i}"] = {
            "version": "1.0.0",
            "integrity": f"sha512-{i}",
            "dependencies": deps,
        }
    return json.dumps(
        {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": packages}, indent=2
    )


def test_ten_thousand_deep_chain_and_cycle(tmp_path: Path) -> None:
    n = 10_000
    graph = read(tmp_path, chain_lockfile(n, cycle=True))
    assert len(graph.packages) == n + 1
    last = PackageId.of("npm", f"p{n - 1}", "1.0.0")
    assert [e.child.name for e in graph.children(last)] == ["p0"]
    paths = graph.shortest_paths(last)
    assert len(paths) == 1 and len(paths[0]) == n
    from depview.report.tree import render_tree

    assert render_tree(graph).count("\n") == n + 2  # root, n packages, the cycle's deduped line


def test_deep_node_modules_nesting(tmp_path: Path) -> None:
    # each package nested inside the previous one: resolution walks up 300 levels
    depth = 300
    packages: dict[str, Any] = {"": {"dependencies": {"p0": "1"}}}
    loc = ""
    for i in range(depth):
        loc = f"{loc}/node_modules/p{i}" if loc else f"node_modules/p{i}"
        packages[loc] = {"version": "1.0.0", "dependencies": {f"p{i + 1}": "1", "top": "1"}}
    packages["node_modules/top"] = {"version": "9.0.0"}
    graph = read(tmp_path, v3(packages))
    assert len(graph.packages) == depth + 2
    deepest = PackageId.of("npm", f"p{depth - 1}", "1.0.0")
    assert {e.child.name for e in graph.children(deepest)} == {"top"}


def big_lockfile(n: int) -> str:
    """A package-lock v3 with ``n`` packages, written as text directly (fast)."""
    rng = random.Random(7)
    root_deps = ", ".join(f'"p{i}": "^1"' for i in range(50))
    parts = [
        '{\n  "name": "big",\n  "lockfileVersion": 3,\n  "requires": true,\n  "packages": {\n',
        f'    "": {{\n      "name": "big",\n      "version": "1.0.0",\n'
        f'      "dependencies": {{{root_deps}}}\n    }}',
    ]
    for i in range(n):
        deps = ",\n".join(f'        "p{j}": "^1"' for j in rng.sample(range(n), rng.randint(0, 5)))
        parts.append(
            f',\n    "node_modules/p{i}": {{\n      "version": "1.0.0",\n'
            f'      "resolved": "https://registry.npmjs.org/p{i}/-/p{i}-1.0.0.tgz",\n'
            f'      "integrity": "sha512-{i:040d}",\n      "license": "MIT",\n'
            f'      "dependencies": {{\n{deps}\n      }}\n    }}'
        )
    parts.append("\n  }\n}\n")
    return "".join(parts)


@pytest.mark.slow
def test_hundred_thousand_packages_load(tmp_path: Path) -> None:
    text = big_lockfile(100_000)
    path = tmp_path / "package-lock.json"
    path.write_text(text)
    graph = load(path)  # speed: bench/bench_load.py
    assert len(graph.packages) == 100_001
    assert sum(len(v) for v in graph.edges.values()) > 200_000


# --- property: mutated real lockfiles -------------------------------------------------


def _paths(value: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        out.append(path)
        if isinstance(node, dict):
            stack.extend(((*path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in enumerate(node))
    return out


WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(0, 3), max_size=2),
)

PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _must_be_graph_or_lockfile_error(tmp_path: Path, text: str) -> None:
    try:
        read(tmp_path, text)
    except LockfileError as exc:
        assert exc.path.endswith("package-lock.json")


@PROPERTY
@given(seed=st.sampled_from(range(len(SEEDS))), frac=st.floats(0, 1))
def test_truncated_anywhere(tmp_path: Path, seed: int, frac: float) -> None:
    text = SEED_TEXTS[seed]
    _must_be_graph_or_lockfile_error(tmp_path, text[: int(len(text) * frac)])


@PROPERTY
@given(
    seed=st.sampled_from(range(len(SEEDS))),
    flips=st.lists(
        st.tuples(st.floats(0, 1), st.characters(exclude_categories=["Cs"])),
        min_size=1,
        max_size=8,
    ),
)
def test_flipped_characters(tmp_path: Path, seed: int, flips: list[tuple[float, str]]) -> None:
    chars = list(SEED_TEXTS[seed])
    for where, char in flips:
        chars[min(int(where * len(chars)), len(chars) - 1)] = char
    _must_be_graph_or_lockfile_error(tmp_path, "".join(chars))


@PROPERTY
@given(seed=st.sampled_from(range(len(SEEDS))), data=st.data())
def test_values_replaced_with_wrong_types(tmp_path: Path, seed: int, data: st.DataObject) -> None:
    doc = json.loads(SEED_TEXTS[seed])
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = data.draw(st.sampled_from(paths))
        new = data.draw(WRONG)
        if not path:
            doc = new
            break
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = new
    _must_be_graph_or_lockfile_error(tmp_path, json.dumps(doc, indent=2))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300))
def test_load_random_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "package-lock.json"
    path.write_bytes(data)
    try:
        load(path)
    except LockfileError:
        pass
