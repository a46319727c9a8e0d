"""Helpers shared by the lockfile readers: line numbers and typed getters.

Readers parse attacker-controlled text. These helpers keep the reporting of
where something went wrong uniform: :class:`LineIndex` turns a character offset
into a 1-based line, :func:`line_of` finds the line where a needle first
appears, and :func:`expect_type` / :func:`get_typed` check a parsed value's type
and raise :class:`~depview.errors.LockfileError` naming the file, the dotted
context path and (where known) the line. Everything here is iterative.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Mapping
from typing import Any, TypeVar, overload

from depview.errors import LockfileError

__all__ = [
    "LineIndex",
    "describe_type",
    "expect_type",
    "get_typed",
    "json_error",
    "line_of",
]

_T = TypeVar("_T")


class LineIndex:
    """Maps character offsets in ``text`` to 1-based line numbers (O(log n) per lookup)."""

    __slots__ = ("_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._starts = starts

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_at(self, offset: int) -> int:
        """The 1-based line holding character ``offset`` (clamped to the text)."""
        if offset < 0:
            return 1
        return bisect.bisect_right(self._starts, offset)

    def line_start(self, line: int) -> int:
        """The character offset where 1-based ``line`` begins."""
        line = min(max(line, 1), len(self._starts))
        return self._starts[line - 1]

    def find_line(self, needle: str, start: int = 0) -> int | None:
        """The line of the first ``needle`` at or after offset ``start``, or None."""
        pos = self.text.find(needle, start)
        return None if pos == -1 else self.line_at(pos)


def line_of(text: str, needle: str, start: int = 0) -> int | None:
    """The 1-based line of the first ``needle`` in ``text`` at or after ``start``, or None.

    For many lookups in the same text build a :class:`LineIndex` instead.
    """
    pos = text.find(needle, start)
    if pos == -1:
        return None
    return text.count("\n", 0, pos) + 1


def describe_type(value: object) -> str:
    """A short, user-facing name for the type of a parsed value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


_EXPECTED_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    dict: "an object",
    list: "a list",
}


def _expected_name(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(_EXPECTED_NAMES.get(t, t.__name__) for t in types)


@overload
def expect_type(
    value: object, expected: type[_T], context: str, path: str, line: int | None = None
) -> _T: ...
@overload
def expect_type(
    value: object,
    expected: tuple[type[Any], ...],
    context: str,
    path: str,
    line: int | None = None,
) -> Any: ...
def expect_type(
    value: object,
    expected: type[Any] | tuple[type[Any], ...],
    context: str,
    path: str,
    line: int | None = None,
) -> Any:
    """Return ``value`` if it is an instance of ``expected``, else raise LockfileError.

    ``bool`` never passes for ``int``/``float`` (JSON and TOML keep them apart).
    ``context`` is a dotted path such as ``packages["node_modules/a"].version``.
    """
    types = expected if isinstance(expected, tuple) else (expected,)
    ok = isinstance(value, types)
    if ok and isinstance(value, bool) and bool not in types:
        ok = False
    if not ok:
        raise LockfileError(
            path,
            f"{context}: expected {_expected_name(expected)}, got {describe_type(value)}",
            line,
        )
    return value


@overload
def get_typed(
    mapping: Mapping[str, Any],
    key: str,
    expected: type[_T],
    context: str,
    path: str,
    line: int | None = None,
) -> _T | None: ...
@overload
def get_typed(
    mapping: Mapping[str, Any],
    key: str,
    expected: tuple[type[Any], ...],
    context: str,
    path: str,
    line: int | None = None,
) -> Any: ...
def get_typed(
    mapping: Mapping[str, Any],
    key: str,
    expected: type[Any] | tuple[type[Any], ...],
    context: str,
    path: str,
    line: int | None = None,
) -> Any:
    """``mapping[key]`` checked with :func:`expect_type`; None when absent or null."""
    value = mapping.get(key)
    if value is None:
        return None
    return expect_type(value, expected, f"{context}.{key}" if context else key, path, line)


def json_error(path: str, exc: json.JSONDecodeError) -> LockfileError:
    """A LockfileError for a JSON syntax error, with its line."""
    return LockfileError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno)
