"""Every lockfile reader, fed mutated real fixtures: a graph that holds together, or LockfileError.

A modest budget here (the suite stays fast); ``python bench/fuzz.py --minutes N``
runs the same mutators for longer and saves any crash under
``tests/data/hostile/regressions/<reader>/``, which ``test_regressions`` replays.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depview.errors import LockfileError
from depview.lockfiles import load
from depview.lockfiles.registry import READERS
from tests.robustness.fuzzing import check, filename_for, mutate, seeds
from tests.robustness.helpers import time_limit

T = TypeVar("T")
REGRESSIONS = Path(__file__).resolve().parents[1] / "data" / "hostile" / "regressions"
FUZZ = settings(
    max_examples=45,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


class DataChooser:
    """The mutators' choices, drawn by hypothesis (so a failure shrinks)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def choice(self, items: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(items))


@pytest.mark.parametrize("reader", sorted(READERS))
def test_every_reader_has_real_seeds(reader: str) -> None:
    found = seeds()[reader]
    assert len(found) >= 3, f"{reader}: only {[s.label for s in found]}"


@pytest.mark.parametrize("reader", sorted(READERS))
@FUZZ
@given(data=st.data())
def test_mutated_fixtures_never_crash_a_reader(reader: str, data: st.DataObject) -> None:
    chooser = DataChooser(data)
    seed = chooser.choice(seeds()[reader])
    text = mutate(reader, seed.text, chooser)
    assert check(reader, text) in ("graph", "error")


@pytest.mark.parametrize("reader", sorted(READERS))
@settings(max_examples=25, deadline=None, database=None)
@given(text=st.text(max_size=300))
def test_arbitrary_text_never_crashes_a_reader(reader: str, text: str) -> None:
    assert check(reader, text) in ("graph", "error")


def _regressions() -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    for folder in sorted(REGRESSIONS.iterdir()) if REGRESSIONS.is_dir() else []:
        if folder.is_dir() and folder.name in READERS:
            out.extend((folder.name, f) for f in sorted(folder.iterdir()) if f.is_file())
    return out


@pytest.mark.parametrize(
    ("reader", "path"), _regressions(), ids=[f"{r}/{p.name}" for r, p in _regressions()]
)
def test_regressions(reader: str, path: Path) -> None:
    """Inputs that once broke a reader (found by the fuzzer or written by hand)."""
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    with time_limit(30):
        assert check(reader, text) in ("graph", "error")


def test_regression_corpus_covers_every_reader() -> None:
    covered = {reader for reader, _ in _regressions()}
    assert covered == set(READERS)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_load_reports_binary_and_bad_utf8_as_one_line(reader: str, tmp_path: Path) -> None:
    """Through the real entry point: NUL bytes and invalid UTF-8 are a LockfileError."""
    seed = seeds()[reader][-1]
    for i, raw in enumerate(
        (
            seed.text.encode() + b"\x00\x00garbage",
            b"\x00" + seed.text.encode(),
            seed.text.encode()[: len(seed.text) // 2] + b"\xff\xfe\xc3(" + seed.text.encode(),
        )
    ):
        folder = tmp_path / str(i)
        folder.mkdir()
        path = folder / filename_for(reader)
        path.write_bytes(raw)
        try:
            load(path, reader)
        except LockfileError as exc:
            assert "\n" not in exc.one_line()
