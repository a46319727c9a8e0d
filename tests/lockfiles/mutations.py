"""Hypothesis machinery shared by the lockfile readers' property tests.

Two families of readers, two kinds of damage:

- TOML lockfiles (uv.lock, poetry.lock, pylock.toml): whole lines are deleted,
  duplicated, swapped, cut or given a value of the wrong type
  (:func:`toml_mutations`, :func:`every_field_every_type`,
  :func:`truncated_at_every_line`), checked with :func:`check_python_reader`.
- YAML-like lockfiles (pnpm-lock.yaml, yarn.lock): characters and lines are
  mutated (:func:`text_mutations`) or a parsed value anywhere is replaced
  (:func:`value_paths`, :func:`set_at`, :data:`WRONG_VALUES`), checked with
  :func:`check_npm_reader`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from depview.errors import LockfileError
from depview.lockfiles.interface import LockfileReader
from depview.model import DependencyGraph

# -- checks ------------------------------------------------------------------


def _assert_edges_inside(graph: DependencyGraph) -> None:
    for parent, edges in graph.edges.items():
        assert parent in graph.packages
        assert all(e.child in graph.packages for e in edges)


def check_python_reader(reader: LockfileReader, path: Path, text: str) -> None:
    """``text`` reads into a closed graph, or fails with a LockfileError naming ``path``."""
    try:
        graph = reader.read(path, text)
    except LockfileError as exc:
        assert exc.path == str(path)
        return
    assert isinstance(graph, DependencyGraph)
    assert all(r in graph.packages for r in graph.roots)
    _assert_edges_inside(graph)


def check_npm_reader(reader: LockfileReader, path: Path, text: str) -> None:
    """Like :func:`check_python_reader`, and an error's line and message stay well-formed."""
    try:
        graph = reader.read(path, text)
    except LockfileError as exc:
        assert exc.path == str(path)
        assert exc.line is None or exc.line >= 1
        assert "\n" not in exc.one_line()
    else:
        assert isinstance(graph, DependencyGraph)
        _assert_edges_inside(graph)


# -- TOML lockfiles ----------------------------------------------------------

#: Values of the wrong type dropped into a ``key = value`` line.
TOML_WRONG = [
    "1",
    "true",
    "[1, 2]",
    "{ a = 1 }",
    '"s"',
    "1.5",
    "[]",
    "{}",
    "2024-01-01",
    "[{}]",
    "{ name = 1 }",
]
#: One value of each TOML type for the exhaustive every-field test.
EVERY_TOML_TYPE = ["1", "true", '"s"', "[1, 2]", "{ a = 1 }", "[{}]", "2024-01-01"]
#: Texts that are no lockfile of any kind.
BINARY_GARBAGE = [
    blob.decode("latin-1")
    for blob in (b"\x89PNG\r\n\x1a\n\x00\x00", bytes(range(256)), b"\xff\xfe" * 50)
]


def without_lines(path: Path, prefix: str) -> str:
    """The text of ``path`` without the lines starting with ``prefix`` (long file lists)."""
    text = path.read_text()
    return "".join(ln for ln in text.splitlines(keepends=True) if not ln.startswith(prefix))


@st.composite
def toml_mutations(draw: st.DrawFn, seeds: Sequence[str]) -> str:
    """One of ``seeds`` with one to four lines deleted, duplicated, retyped, inserted, cut or swapped."""
    lines = draw(st.sampled_from(seeds)).splitlines(keepends=True)
    for op in draw(
        st.lists(
            st.sampled_from(["del", "dup", "value", "insert", "cut", "swap"]),
            min_size=1,
            max_size=4,
        )
    ):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "del":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "value":
            key = lines[i].split("=", 1)[0] if "=" in lines[i] else "name "
            lines[i] = f"{key.rstrip()} = {draw(st.sampled_from(TOML_WRONG))}\n"
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=30)) + "\n")
        elif op == "cut":
            lines = [*lines[:i], lines[i][: draw(st.integers(0, len(lines[i])))]]
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def every_field_every_type(seed: str) -> Iterator[str]:
    """``seed`` with each distinct key (and each kind of array item) given every TOML type."""
    lines = seed.splitlines(keepends=True)
    done: set[str] = set()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "[")) or stripped == "]":
            continue
        if stripped.startswith("{"):
            kind = "item:" + stripped.split("=", 1)[0]
            template = "    {},\n"
        elif "=" in stripped:
            kind = stripped.split("=", 1)[0].strip()
            template = kind + " = {}\n"
        else:
            continue
        if kind in done:
            continue
        done.add(kind)
        for value in EVERY_TOML_TYPE:
            yield "".join([*lines[:i], template.format(value), *lines[i + 1 :]])


def truncated_at_every_line(seed: str) -> Iterator[str]:
    """``seed`` cut in the middle of each of its lines."""
    lines = seed.splitlines(keepends=True)
    for i in range(len(lines)):
        yield "".join(lines[:i]) + lines[i][: len(lines[i]) // 2]


# -- YAML-like lockfiles -----------------------------------------------------

#: Any value of a type a lockfile field may not hold.
WRONG_VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=5),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.lists(st.integers(), max_size=2), max_size=2),
    st.integers(),
    st.booleans(),
)


def head_of(path: Path, limit: int = 3000) -> str:
    """The text of ``path``, cut at the last blank line before ``limit`` characters."""
    text = path.read_text(encoding="utf-8")
    return text[: text.rfind("\n\n", 0, limit) + 1] if len(text) > limit else text


@st.composite
def text_mutations(
    draw: st.DrawFn, seeds: Sequence[str], nasty: st.SearchStrategy[str], max_indent: int
) -> str:
    """One of ``seeds`` with one to four character or line edits (``nasty`` text inserted)."""
    text = draw(st.sampled_from(seeds))
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
            text = text[:i] + draw(nasty) + text[i:]
        elif op == "truncate":
            text = text[:i]
        elif op == "replace":
            text = text[:i] + draw(nasty) + text[i + draw(st.integers(1, 6)) :]
        else:
            lines = text.split("\n")
            j = draw(st.integers(0, len(lines) - 1))
            k = draw(st.integers(0, len(lines) - 1))
            if op == "dup":
                lines.insert(k, lines[j])
            elif op == "swap":
                lines[j], lines[k] = lines[k], lines[j]
            else:
                lines[j] = " " * draw(st.integers(0, max_indent)) + lines[j].lstrip(" ")
            text = "\n".join(lines)
    return text


def value_paths(data: Any, *, into_lists: bool = True) -> list[tuple[Any, ...]]:
    """Every key path in parsed ``data`` (the empty path is ``data`` itself)."""
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        out.append(path)
        if isinstance(node, dict):
            stack.extend((path + (k,), v) for k, v in node.items())
        elif into_lists and isinstance(node, list):
            stack.extend((path + (i,), v) for i, v in enumerate(node))
    return out


def set_at(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``data`` with the value at ``path`` replaced in place (``value`` for the empty path)."""
    if not path:
        return value
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data
