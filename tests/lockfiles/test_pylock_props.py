"""pylock.toml reader under hostile input: mutated real lockfiles and a wrong-typed value
in every field give a graph or a LockfileError, never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from depview.lockfiles.pylock import READERS
from tests.lockfiles.mutations import (
    BINARY_GARBAGE,
    check_python_reader,
    every_field_every_type,
    toml_mutations,
    truncated_at_every_line,
    without_lines,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "python"
READER = READERS[0]


def _seed(name: str) -> str:
    """A fixture without its long wheel lists (same structure, faster to parse)."""
    return without_lines(DATA / "osv-scalibr-pylock" / "fixtures" / name, "    { url")


SEEDS = [
    _seed("example.toml"),
    _seed("commits.toml"),
    _seed("pip-full.toml"),
    _seed("pip-just-self.toml"),
    _seed("names-outside-package-block.toml"),
]


def check(text: str) -> None:
    check_python_reader(READER, Path("pylock.toml"), text)


@settings(max_examples=120, deadline=None)
@given(toml_mutations(SEEDS))
def test_mutated_lockfiles(text: str) -> None:
    check(text)


@pytest.mark.parametrize("seed", range(len(SEEDS)))
def test_wrong_type_in_every_field(seed: int) -> None:
    """Each distinct key (and each kind of array item) gets every wrong type once."""
    texts = list(every_field_every_type(SEEDS[seed]))
    assert texts
    for text in texts:
        check(text)


def test_truncated_at_every_line() -> None:
    for text in truncated_at_every_line(SEEDS[0]):
        check(text)


def test_binary_garbage() -> None:
    for text in BINARY_GARBAGE:
        check(text)
