"""Pipfile.lock reader under hostile input: mutated JSON text and any value of any
type at any place give a graph or a LockfileError, never another exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from depview.errors import LockfileError
from depview.lockfiles.pipfile import READERS
from depview.model import DependencyGraph

DATA = Path(__file__).resolve().parent.parent / "data" / "python"
READER = READERS[0]
SEEDS = [
    (DATA / "osv-scanner-v1.9.2-pipenv" / "fixtures" / name).read_text()
    for name in ("multiple-packages.json", "two-packages.json", "no-version.json")
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def check(text: str) -> None:
    try:
        graph = READER.read(Path("Pipfile.lock"), text)
    except LockfileError as exc:
        assert exc.path == "Pipfile.lock"
        return
    assert isinstance(graph, DependencyGraph)
    for edges in graph.edges.values():
        assert all(e.child in graph.packages for e in edges)


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.extend(paths(v, (*prefix, k)))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.extend(paths(v, (*prefix, i)))
    return out


def replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(doc, dict):
        return {k: replaced(v, rest, value) if k == head else v for k, v in doc.items()}
    return [replaced(v, rest, value) if i == head else v for i, v in enumerate(doc)]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_value_anywhere(data: st.DataObject) -> None:
    doc = json.loads(data.draw(st.sampled_from(SEEDS)))
    path = data.draw(st.sampled_from(paths(doc)))
    check(json.dumps(replaced(doc, path, data.draw(json_values)), indent=2))


def test_every_place_gets_every_type() -> None:
    for seed in SEEDS:
        doc = json.loads(seed)
        for path in paths(doc):
            for value in (None, True, 1, 1.5, "s", [], {}, [1], {"a": 1}):
                check(json.dumps(replaced(doc, path, value), indent=2))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SEEDS), st.integers(0, 3000), st.integers(0, 40), st.text(max_size=10))
def test_mutated_text(seed: str, at: int, cut: int, insert: str) -> None:
    at = min(at, len(seed))
    check(seed[:at] + insert + seed[at + cut :])


def test_truncated_everywhere() -> None:
    seed = SEEDS[0]
    for n in range(0, len(seed), 7):
        check(seed[:n])
