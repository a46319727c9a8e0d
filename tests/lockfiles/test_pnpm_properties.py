"""Property tests: any mutation of a pnpm-lock.yaml reads into a graph or raises LockfileError."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depview.errors import LockfileError
from depview.lockfiles.pnpm import PnpmLockReader, _Fallback, _fast_documents
from depview.model import DependencyGraph

DATA = Path(__file__).resolve().parents[1] / "data" / "pnpm"
READER = PnpmLockReader(manifests=None)
PATH = Path("/nonexistent/pnpm-lock.yaml")
LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def _seed(path: Path, limit: int = 3000) -> str:
    text = path.read_text(encoding="utf-8")
    return text[: text.rfind("\n\n", 0, limit) + 1] if len(text) > limit else text


SEEDS = [
    _seed(DATA / "pnpm-gen-ws-v5.4" / "pnpm-lock.yaml"),
    _seed(DATA / "pnpm-gen-ws-v6.0" / "pnpm-lock.yaml"),
    _seed(DATA / "pnpm-gen-ws-v9.0-pnpm9" / "pnpm-lock.yaml"),
    *(
        (DATA / "osv-scalibr-pnpmlock" / "fixtures" / name).read_text(encoding="utf-8")
        for name in (
            "commits.yaml",
            "commits.v9.yaml",
            "files.yaml",
            "exotic.yaml",
            "tarball.yaml",
            "peer-dependencies-advanced.v9.yaml",
            "peer-dependencies-advanced-v6.yaml",
        )
    ),
]

NASTY = st.text(
    alphabet=st.sampled_from(list(" \n\t:\"'#-@/{}[](),&*!|>%\\^~=._0123456789abcxyz\x00\u00e9")),
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
                lines[j] = " " * draw(st.integers(0, 9)) + lines[j].lstrip(" ")
            text = "\n".join(lines)
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_text_reads_or_fails_cleanly(text: str) -> None:
    check(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fast_parser_agrees_with_pyyaml(text: str) -> None:
    """Where the fast parser accepts a text, PyYAML's base loader reads the same data."""
    try:
        fast = [d.data for d in _fast_documents(text) if d.data is not None]
    except _Fallback:  # anything it refuses goes to PyYAML
        return
    try:
        slow = [d for d in yaml.load_all(text, Loader=LOADER) if d is not None]
    except yaml.YAMLError:
        # the fast subset is more lenient than YAML in places; the reader then
        # accepts a text PyYAML would refuse, which is fine (graph or error)
        return
    assert fast == slow


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


def _paths(data: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        out.append(path)
        if isinstance(node, dict):
            stack.extend((path + (k,), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((path + (i,), v) for i, v in enumerate(node))
    return out


DOCS = [yaml.load(seed, Loader=LOADER) for seed in SEEDS]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(DOCS) - 1), st.data())
def test_wrong_types_anywhere(index: int, data: st.DataObject) -> None:
    doc = copy.deepcopy(DOCS[index])
    target = data.draw(st.sampled_from(_paths(doc)))
    value = data.draw(WRONG)
    if not target:
        doc = value
    else:
        node = doc
        for key in target[:-1]:
            node = node[key]
        node[target[-1]] = value
    check(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
