"""Shared bits for the sources tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

DATA = Path(__file__).resolve().parent.parent / "data" / "sources"
SNAPSHOT = DATA / "snapshot"
LIVE = DATA / "live"


def load(relative: str, root: Path = SNAPSHOT) -> Any:
    return json.loads((root / relative).read_text(encoding="utf-8"))


def json_like(keys: Sequence[str], *, floats: bool = False) -> st.SearchStrategy[Any]:
    """Any JSON-like value whose object keys are often one of ``keys`` (a record's own fields).

    ``floats`` adds floats, NaN and infinities included, to the scalars.
    """
    scalars = [st.none(), st.booleans(), st.integers()]
    if floats:
        scalars.append(st.floats(allow_nan=True))
    return st.recursive(
        st.one_of(*scalars, st.text(max_size=8)),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.sampled_from(list(keys)) | st.text(max_size=4), inner, max_size=5)
        ),
        max_leaves=25,
    )
