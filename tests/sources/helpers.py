"""Shared bits for the sources tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "sources"
SNAPSHOT = DATA / "snapshot"
LIVE = DATA / "live"


def load(relative: str, root: Path = SNAPSHOT) -> Any:
    return json.loads((root / relative).read_text(encoding="utf-8"))
