"""Span-based JSON editing: edits land where asked and nothing else moves."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depview.remedy.jsonedit import JsonEditError, JsonText, detect_indent, render_value

DOC = '{\n  "name": "x",\n  "deps": {\n    "a": "1",\n    "b": "2"\n  },\n  "z": [1, 2]\n}\n'


def test_detect_indent_spaces_tabs_and_flat() -> None:
    assert detect_indent(DOC) == "  "
    assert detect_indent('{\n    "a": 1\n}') == "    "
    assert detect_indent('{\n\t"a": 1\n}') == "\t"
    assert detect_indent('{"a": 1}') == "  "


def test_members_report_keys_and_value_spans() -> None:
    doc = JsonText(DOC)
    members = doc.members(doc.root_start())
    assert [m.key for m in members] == ["name", "deps", "z"]
    z = members[2]
    assert DOC[z.value_start : z.value_end] == "[1, 2]"


def test_replace_value_keeps_the_rest_byte_identical() -> None:
    doc = JsonText(DOC)
    deps = doc.member(doc.root_start(), "deps")
    assert deps is not None
    b = doc.member(deps.value_start, "b")
    assert b is not None
    doc.replace_value(b, {"nested": True})
    out = doc.result()
    assert json.loads(out)["deps"]["b"] == {"nested": True}
    assert '    "b": {\n      "nested": true\n    }\n' in out
    assert out.replace('{\n      "nested": true\n    }', '"2"') == DOC


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["a"], {"b": "2"}),
        (["b"], {"a": "1"}),
        (["a", "b"], {}),
    ],
)
def test_delete_members(keys: list[str], expected: dict[str, str]) -> None:
    doc = JsonText(DOC)
    deps = doc.member(doc.root_start(), "deps")
    assert deps is not None
    doc.delete_members(deps.value_start, keys)
    out = doc.result()
    assert json.loads(out)["deps"] == expected
    assert out.startswith('{\n  "name": "x",\n  "deps": {')
    assert out.endswith('  "z": [1, 2]\n}\n')


def test_insert_member_first_after_and_into_empty() -> None:
    doc = JsonText(DOC)
    root = doc.root_start()
    deps = doc.member(root, "deps")
    assert deps is not None
    doc.insert_member(deps.value_start, "0", "first", after=None)
    doc.insert_member(deps.value_start, "ab", "mid", after="a")
    doc.insert_member(root, "tail", {"k": 1}, after="z")
    out = doc.result()
    data = json.loads(out)
    assert list(data["deps"]) == ["0", "a", "ab", "b"]
    assert list(data) == ["name", "deps", "z", "tail"]
    assert '\n  "tail": {\n    "k": 1\n  }\n}\n' in out
    empty = JsonText('{\n  "a": {}\n}\n')
    member = empty.member(empty.root_start(), "a")
    assert member is not None
    empty.insert_member(member.value_start, "x", "1", after=None)
    assert empty.result() == '{\n  "a": {\n    "x": "1"\n  }\n}\n'


def test_crlf_and_tabs_are_kept() -> None:
    text = '{\r\n\t"a": 1,\r\n\t"b": {}\r\n}\r\n'
    doc = JsonText(text)
    doc.insert_member(doc.root_start(), "c", {"d": [1]}, after="b")
    out = doc.result()
    assert (
        out
        == '{\r\n\t"a": 1,\r\n\t"b": {},\r\n\t"c": {\r\n\t\t"d": [\r\n\t\t\t1\r\n\t\t]\r\n\t}\r\n}\r\n'
    )


def test_overlapping_edits_and_bad_shapes_are_errors() -> None:
    doc = JsonText(DOC)
    root = doc.root_start()
    deps = doc.member(root, "deps")
    assert deps is not None
    doc.replace_value(deps, 1)
    doc.delete_members(deps.value_start, ["a"])
    with pytest.raises(JsonEditError):
        doc.result()
    with pytest.raises(JsonEditError):
        JsonText("[1, 2]").root_start()
    with pytest.raises(JsonEditError):
        JsonText('{"a": }').members(0)


def test_render_value_is_json_stringify_style() -> None:
    assert render_value({"a": [1, {"b": None}]}, "  ", "    ") == (
        '{\n      "a": [\n        1,\n        {\n          "b": null\n        }\n      ]\n    }'
    )
    assert render_value("ü\u2028", "  ", "") == '"ü\u2028"'  # raw UTF-8, like npm writes it


_keys = st.text(alphabet="abcdefgh@/-_.", min_size=1, max_size=6)
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_keys, children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=100, deadline=None)
@given(
    obj=st.dictionaries(_keys, _values, min_size=1, max_size=6),
    indent=st.sampled_from(["  ", "    ", "\t"]),
    data=st.data(),
)
def test_edits_match_the_model_and_leave_other_members_alone(
    obj: dict[str, object], indent: str, data: st.DataObject
) -> None:
    text = json.dumps(obj, indent=indent, ensure_ascii=False) + "\n"
    keys = list(obj)
    doomed = set(data.draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys))))
    kept = [k for k in keys if k not in doomed]
    replaced = set(data.draw(st.lists(st.sampled_from(kept), unique=True))) if kept else set()
    new_key = data.draw(_keys.filter(lambda k: k not in obj))
    new_value = data.draw(_values)
    doc = JsonText(text)
    root = doc.root_start()
    members = {m.key: m for m in doc.members(root)}
    spans = {k: text[m.value_start : m.value_end] for k, m in members.items()}
    doc.delete_members(root, doomed)
    for k in replaced:
        doc.replace_value(members[k], {"r": k})
    after = kept[-1] if kept else None
    doc.insert_member(root, new_key, new_value, after=after)
    out = doc.result()
    expected = {k: ({"r": k} if k in replaced else obj[k]) for k in kept}
    expected[new_key] = new_value
    assert json.loads(out) == expected
    assert list(json.loads(out)) == list(expected)
    # The whole document is what JSON.stringify-style formatting gives: nothing else moved.
    assert out == json.dumps(expected, indent=indent, ensure_ascii=False) + "\n"
    again = JsonText(out)
    for m in again.members(again.root_start()):
        if m.key in kept and m.key not in replaced:
            assert out[m.value_start : m.value_end] == spans[m.key]
