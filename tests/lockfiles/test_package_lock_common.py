"""depview.lockfiles._common: line lookup and typed getters shared by the readers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depview.errors import LockfileError
from depview.lockfiles._common import (
    LineIndex,
    describe_type,
    expect_type,
    get_typed,
    json_error,
    line_of,
)


def test_line_of_and_index() -> None:
    text = 'a\n"b": 1\n\nc "b"\n'
    assert line_of(text, '"b"') == 2
    assert line_of(text, '"b"', start=text.index("c")) == 4
    assert line_of(text, "zzz") is None
    index = LineIndex(text)
    assert index.line_count == 5
    assert index.line_at(0) == 1
    assert index.line_at(text.index("c")) == 4
    assert index.line_at(-3) == 1
    assert index.line_start(2) == 2
    assert index.find_line('"b"') == 2
    assert index.find_line("nope") is None


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="ab\n", max_size=60), st.data())
def test_line_index_agrees_with_counting(text: str, data: st.DataObject) -> None:
    index = LineIndex(text)
    offset = data.draw(st.integers(0, max(len(text) - 1, 0)))
    assert index.line_at(offset) == text.count("\n", 0, offset) + 1


def test_expect_type() -> None:
    assert expect_type("x", str, "name", "f.lock") == "x"
    assert expect_type(3, (int, str), "n", "f.lock") == 3
    with pytest.raises(LockfileError) as info:
        expect_type(True, int, "packages.a.size", "f.lock", 7)
    assert info.value.line == 7
    assert info.value.message == "packages.a.size: expected an integer, got a boolean"
    with pytest.raises(LockfileError, match="expected a string or a list, got null"):
        expect_type(None, (str, list), "x", "f.lock")


def test_get_typed() -> None:
    data = {"a": "1", "b": [1], "n": None}
    assert get_typed(data, "a", str, "entry", "f") == "1"
    assert get_typed(data, "missing", str, "entry", "f") is None
    assert get_typed(data, "n", str, "entry", "f") is None
    with pytest.raises(LockfileError, match=r"entry\.b: expected an object, got a list"):
        get_typed(data, "b", dict, "entry", "f")


def test_describe_type_and_json_error() -> None:
    values: list[object] = [None, True, 1, 1.5, "s", {}, [], ()]
    assert [describe_type(v) for v in values] == [
        "null",
        "a boolean",
        "a number",
        "a number",
        "a string",
        "an object",
        "a list",
        "a list",
    ]
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads('{\n  "a": 1,\n  oops\n}')
    err = json_error("p.json", info.value)
    assert err.line == 3
    assert err.path == "p.json"
    assert "invalid JSON" in err.message
