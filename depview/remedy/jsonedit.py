"""Minimal-diff JSON editing: change a few members, leave every other byte alone.

A package.json or package-lock.json is edited as text. :class:`JsonText`
locates object members (key span, value span) on demand with the C JSON
scanner (``raw_decode``), and edits are splices on those spans: replace a
value, delete members, insert a member. New values are rendered with the
file's own indent unit and newline style, indented to the depth of the member
they replace or sit beside, so the result reads as if the tool that wrote the
file had written it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["JsonText", "Member", "detect_indent", "render_value"]

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class JsonEditError(ValueError):
    """The text is not the JSON shape an edit expected."""


@dataclass(frozen=True, slots=True)
class Member:
    """One ``"key": value`` of an object: ``key_start`` at the opening quote, value span."""

    key: str
    key_start: int
    value_start: int
    value_end: int


def detect_indent(text: str) -> str:
    """The indent unit of a JSON document (``"  "``, ``"    "``, ``"\\t"``); 2 spaces if flat."""
    match = re.search(r"\n([ \t]+)[\"\]\}\[\{0-9tfn-]", text)
    if match is None:
        return "  "
    ws = match.group(1)
    return "\t" if ws.startswith("\t") else ws


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def render_value(value: Any, indent: str, base: str, newline: str = "\n") -> str:
    """``value`` as JSON (``JSON.stringify`` style), continuation lines indented by ``base``."""
    out = json.dumps(value, indent=indent, ensure_ascii=False)
    if "\n" in out:
        out = out.replace("\n", "\n" + base)
    if newline != "\n":
        out = out.replace("\n", newline)
    return out


class JsonText:
    """A JSON document as text plus pending splices (applied together by :meth:`result`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.indent = detect_indent(text)
        self.newline = _newline(text)
        self._edits: list[tuple[int, int, str]] = []
        # Objects whose members were all deleted: obj start -> (edit index, inserted members).
        self._emptied: dict[int, tuple[int, list[str]]] = {}
        self._members: dict[int, list[Member]] = {}  # the text never changes: parse once

    # -- reading -----------------------------------------------------------
    def _skip_ws(self, pos: int) -> int:
        m = _WS.match(self.text, pos)
        return m.end() if m else pos

    def root_start(self) -> int:
        pos = self._skip_ws(1 if self.text.startswith("\ufeff") else 0)
        if pos >= len(self.text) or self.text[pos] != "{":
            raise JsonEditError("the document is not a JSON object")
        return pos

    def value_end(self, start: int) -> int:
        try:
            _, end = _DECODER.raw_decode(self.text, start)
        except json.JSONDecodeError as exc:
            raise JsonEditError(f"invalid JSON at offset {start}: {exc.msg}") from None
        return int(end)

    def members(self, start: int) -> list[Member]:
        """The members of the object whose ``{`` is at ``start``."""
        cached = self._members.get(start)
        if cached is None:
            cached = self._members[start] = self._parse_members(start)
        return list(cached)

    def _parse_members(self, start: int) -> list[Member]:
        text = self.text
        if text[start : start + 1] != "{":
            raise JsonEditError(f"expected an object at offset {start}")
        out: list[Member] = []
        pos = self._skip_ws(start + 1)
        if text[pos : pos + 1] == "}":
            return out
        while True:
            if text[pos : pos + 1] != '"':
                raise JsonEditError(f"expected a key at offset {pos}")
            key, key_end = _DECODER.raw_decode(text, pos)
            colon = self._skip_ws(key_end)
            if text[colon : colon + 1] != ":":
                raise JsonEditError(f"expected ':' at offset {colon}")
            vstart = self._skip_ws(colon + 1)
            vend = self.value_end(vstart)
            out.append(Member(str(key), pos, vstart, vend))
            pos = self._skip_ws(vend)
            if text[pos : pos + 1] == ",":
                pos = self._skip_ws(pos + 1)
                continue
            if text[pos : pos + 1] == "}":
                return out
            raise JsonEditError(f"expected ',' or '}}' at offset {pos}")

    def object_end(self, start: int) -> int:
        return self.value_end(start)

    def member(self, start: int, key: str) -> Member | None:
        for m in self.members(start):
            if m.key == key:
                return m
        return None

    def value(self, member: Member) -> Any:
        return json.loads(self.text[member.value_start : member.value_end])

    def line_indent(self, pos: int) -> str:
        """The whitespace that starts the line ``pos`` is on."""
        line_start = self.text.rfind("\n", 0, pos) + 1
        m = _WS.match(self.text, line_start)
        ws = m.group(0) if m else ""
        return ws.replace("\r", "").replace("\n", "")

    # -- editing -----------------------------------------------------------
    def render(self, value: Any, at: int) -> str:
        """``value`` rendered for a member whose key is at ``at``."""
        return render_value(value, self.indent, self.line_indent(at), self.newline)

    def replace_value(self, member: Member, value: Any) -> None:
        self._edits.append(
            (member.value_start, member.value_end, self.render(value, member.key_start))
        )

    def delete_members(self, obj_start: int, keys: Iterable[str]) -> None:
        """Delete ``keys`` from the object at ``obj_start`` (with their separators)."""
        doomed = set(keys)
        members = self.members(obj_start)
        idx = [i for i, m in enumerate(members) if m.key in doomed]
        if not idx:
            return
        runs: list[tuple[int, int]] = []
        for i in idx:
            if runs and runs[-1][1] == i - 1:
                runs[-1] = (runs[-1][0], i)
            else:
                runs.append((i, i))
        for first, last in runs:
            if first > 0:
                self._edits.append((members[first - 1].value_end, members[last].value_end, ""))
            elif last + 1 < len(members):
                self._edits.append((members[0].key_start, members[last + 1].key_start, ""))
            else:
                close = self.object_end(obj_start) - 1
                self._emptied[obj_start] = (len(self._edits), [])
                self._edits.append((obj_start + 1, close, ""))

    def insert_member(self, obj_start: int, key: str, value: Any, *, after: str | None) -> None:
        """Insert ``"key": value`` after member ``after`` (None: first) of the object."""
        text = self.text
        members = self.members(obj_start)
        key_json = json.dumps(key, ensure_ascii=False)
        if not members or obj_start in self._emptied:
            # Into an empty object (or one whose members are all being deleted).
            close = self.object_end(obj_start) - 1
            outer = self.line_indent(obj_start)
            inner = outer + self.indent
            body = render_value(value, self.indent, inner, self.newline)
            nl = self.newline
            index, inserted = self._emptied.setdefault(obj_start, (len(self._edits), []))
            if index == len(self._edits):
                self._edits.append((obj_start + 1, close, ""))
            inserted.append(f"{key_json}: {body}")
            joined = f",{nl}{inner}".join(inserted)
            self._edits[index] = (obj_start + 1, close, f"{nl}{inner}{joined}{nl}{outer}")
            return
        first = members[0]
        lead = text[obj_start + 1 : first.key_start]  # e.g. "\n    "
        _, key_end = _DECODER.raw_decode(text, first.key_start)
        sep = text[key_end : first.value_start]  # ": " (or however the file spells it)
        body = self.render(value, first.key_start)
        if after is None:
            self._edits.append((first.key_start, first.key_start, f"{key_json}{sep}{body},{lead}"))
            return
        for m in members:
            if m.key == after:
                self._edits.append((m.value_end, m.value_end, f",{lead}{key_json}{sep}{body}"))
                return
        raise JsonEditError(f"no member {after!r} to insert after")

    def result(self) -> str:
        """The text with every pending edit applied (edits must not overlap)."""
        edits = sorted(self._edits, key=lambda e: (e[0], e[1]))
        out: list[str] = []
        pos = 0
        for start, end, repl in edits:
            if start < pos:
                raise JsonEditError("overlapping edits")
            out.append(self.text[pos:start])
            out.append(repl)
            pos = end
        out.append(self.text[pos:])
        return "".join(out)
