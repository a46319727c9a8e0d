"""poetry.lock reader under hostile input: mutated real lockfiles and a wrong-typed value
in every field give a graph or a LockfileError, never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depview.errors import LockfileError
from depview.lockfiles.poetry import READERS
from depview.model import DependencyGraph

DATA = Path(__file__).resolve().parent.parent / "data" / "python"
READER = READERS[0]
NOWHERE = Path("/nonexistent-depview-dir/poetry.lock")


def _seed(path: Path) -> str:
    """A lockfile without its long file lists (same structure, faster to parse)."""
    text = path.read_text()
    return "".join(ln for ln in text.splitlines(keepends=True) if not ln.startswith("    {file"))


SEEDS = [
    _seed(DATA / "osv-scalibr-poetrylock" / "fixtures" / "multiple-packages.v2.lock"),
    _seed(DATA / "osv-scalibr-poetrylock" / "fixtures" / "source-git.lock"),
    _seed(DATA / "osv-scalibr-poetrylock" / "fixtures" / "names-outside-package-block.lock"),
    _seed(DATA / "poetry-poetryrepo-legacy-nolockversion" / "poetry.lock")[:5000].rsplit(
        "\n[[package]]", 1
    )[0]
    + '\n[metadata]\ncontent-hash = "x"\n',
]
WRONG = [
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
EVERY_TYPE = ["1", "true", '"s"', "[1, 2]", "{ a = 1 }", "[{}]", "2024-01-01"]


def check(text: str) -> None:
    try:
        graph = READER.read(NOWHERE, text)
    except LockfileError as exc:
        assert exc.path == str(NOWHERE)
        return
    assert isinstance(graph, DependencyGraph)
    assert all(r in graph.packages for r in graph.roots)
    for parent, edges in graph.edges.items():
        assert parent in graph.packages
        assert all(e.child in graph.packages for e in edges)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(SEEDS)).splitlines(keepends=True)
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
            lines[i] = f"{key.rstrip()} = {draw(st.sampled_from(WRONG))}\n"
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=30)) + "\n")
        elif op == "cut":
            lines = [*lines[:i], lines[i][: draw(st.integers(0, len(lines[i])))]]
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


@settings(max_examples=120, deadline=None)
@given(mutated())
def test_mutated_lockfiles(text: str) -> None:
    check(text)


@pytest.mark.parametrize("seed", range(len(SEEDS)))
def test_wrong_type_in_every_field(seed: int) -> None:
    """Each distinct key (and each kind of array item) gets every wrong type once."""
    lines = SEEDS[seed].splitlines(keepends=True)
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
        for value in EVERY_TYPE:
            check("".join([*lines[:i], template.format(value), *lines[i + 1 :]]))
    assert done


def test_truncated_at_every_line() -> None:
    lines = SEEDS[0].splitlines(keepends=True)
    for i in range(len(lines)):
        check("".join(lines[:i]) + lines[i][: len(lines[i]) // 2])


def test_binary_garbage() -> None:
    for blob in (b"\x89PNG\r\n\x1a\n\x00\x00", bytes(range(256)), b"\xff\xfe" * 50):
        check(blob.decode("latin-1"))
