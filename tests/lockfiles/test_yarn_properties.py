"""Property tests: any mutation of a yarn.lock reads into a graph or raises LockfileError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depview.errors import LockfileError
from depview.lockfiles.yarn import YarnLockReader
from depview.model import DependencyGraph

DATA = Path(__file__).resolve().parents[1] / "data" / "yarn"
READER = YarnLockReader(manifests=None, globber=None)
PATH = Path("/nonexistent/yarn.lock")


def _seed(path: Path, limit: int = 3000) -> str:
    text = path.read_text(encoding="utf-8")
    return text[: text.rfind("\n\n", 0, limit) + 1] if len(text) > limit else text


SEEDS = [
    _seed(DATA / "yarn-gen-v1-ws" / "yarn.lock"),
    _seed(DATA / "yarn-gen-berry-v6-ws" / "yarn.lock"),
    _seed(DATA / "yarn-gen-berry-v10-ws" / "yarn.lock"),
    *(
        (DATA / suite / "fixtures" / name).read_text(encoding="utf-8")
        for suite, name in (
            ("osv-scalibr-yarnlock", "commits.v1.lock"),
            ("osv-scalibr-yarnlock", "commits.v2.lock"),
            ("osv-scalibr-yarnlock", "files.v1.lock"),
            ("osv-scalibr-yarnlock", "with-aliases.v2.lock"),
        )
    ),
]

NASTY = st.text(
    alphabet=st.sampled_from(
        list(" \n\t:\"'#-@/{}[],&*!|>%\\^~=.0123456789abcxyz\x00\u00e9\u202e")
    ),
    max_size=12,
)


def check(text: str) -> None:
    try:
        graph = READER.read(PATH, text)
    except LockfileError as exc:
        assert exc.path == str(PATH)
        assert exc.line is None or exc.line >= 1
        assert "\n" not in exc.one_line()
    else:
        assert isinstance(graph, DependencyGraph)
        for parent, edges in graph.edges.items():
            assert parent in graph.packages
            for edge in edges:
                assert edge.child in graph.packages


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(["delete", "insert", "dup", "swap", "indent", "truncate", "replace"])
        )
        n = len(text)
        if n == 0:
            break
        i = draw(st.integers(0, n - 1))
        if op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 40)) :]
        elif op == "insert":
            text = text[:i] + draw(NASTY) + text[i:]
        elif op == "truncate":
            text = text[:i]
        elif op == "replace":
            text = text[:i] + draw(NASTY) + text[i + draw(st.integers(1, 6)) :]
        else:
            lines = text.split("\n")
            j = draw(st.integers(0, len(lines) - 1))
            k = draw(st.integers(0, len(lines) - 1))
            if op == "dup":
                lines.insert(k, lines[j])
            elif op == "swap":
                lines[j], lines[k] = lines[k], lines[j]
            else:
                lines[j] = " " * draw(st.integers(0, 7)) + lines[j].lstrip(" ")
            text = "\n".join(lines)
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_text_reads_or_fails_cleanly(text: str) -> None:
    check(text)


# -- schema violations: a value of the wrong type anywhere ----------------------

WRONG = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=5),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.lists(st.integers(), max_size=2), max_size=2),
    st.integers(),
    st.booleans(),
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    stack = [(prefix, data)]
    while stack:
        path, node = stack.pop()
        out.append(path)
        if isinstance(node, dict):
            stack.extend((path + (k,), v) for k, v in node.items())
    return out


def _berry_seed(index: int) -> dict[str, Any]:
    text = [SEEDS[1], SEEDS[2], SEEDS[4]][index]
    data = yaml.load(text, Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader))
    assert isinstance(data, dict)
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2), st.data())
def test_berry_wrong_types_anywhere(index: int, data: st.DataObject) -> None:
    doc = _berry_seed(index)
    paths = _paths(doc)
    target = data.draw(st.sampled_from(paths))
    value = data.draw(WRONG)
    doc = _set(doc, target, value)
    text = "# yarn lockfile\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    if isinstance(doc, dict) and "__metadata" not in doc:
        text = '# This file is generated by running "yarn install" inside your project.\n' + text
    check(text)


def _v1_dump(entries: list[tuple[str, Any]]) -> str:
    """Write (key, body) pairs in yarn 1's format (bodies: str or nested dicts)."""
    out = ["# yarn lockfile v1\n\n"]
    stack: list[tuple[int, str, Any]] = [(0, k, v) for k, v in reversed(entries)]
    while stack:
        depth, key, value = stack.pop()
        pad = "  " * depth
        quoted = f'"{key}"' if (not key or any(c in key for c in ' :"#,')) else key
        if isinstance(value, dict):
            out.append(f"{pad}{quoted}:\n")
            stack.extend((depth + 1, str(k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            out.append(f"{pad}{quoted}:\n")
            stack.extend((depth + 1, str(i), v) for i, v in reversed(list(enumerate(value))))
        else:
            out.append(f'{pad}{quoted} "{value}"\n' if depth else f"{pad}{quoted}:\n")
        if depth == 0:
            out.append("\n")
    return "".join(out)


V1_ENTRIES: list[tuple[str, Any]] = [
    (
        'a@^1.0.0, "a@npm:b@^1"',
        {
            "version": "1.0.0",
            "resolved": "https://registry.yarnpkg.com/a/-/a-1.0.0.tgz#abc",
            "integrity": "sha512-x",
            "dependencies": {"c": "^2.0.0"},
            "optionalDependencies": {"d": "1"},
        },
    ),
    ("c@^2.0.0", {"version": "2.0.0", "dependencies": {"a": "^1.0.0"}}),
    ("d@1", {"version": "1.0.0", "resolved": "git+https://github.com/o/d.git#0123abc"}),
]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_v1_wrong_types_anywhere(data: st.DataObject) -> None:
    import copy

    entries = copy.deepcopy(V1_ENTRIES)
    index = data.draw(st.integers(0, len(entries) - 1))
    key, body = entries[index]
    target = data.draw(st.sampled_from(_paths(body)))
    body = _set(body, target, data.draw(WRONG))
    entries[index] = (key, body)
    check(_v1_dump(entries))
