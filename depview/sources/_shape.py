"""Typed getters over untrusted JSON: a wrong type is "absent", never an exception.

Every registry document is attacker-controlled. The normalisers read it only
through these helpers, so a list where a mapping was expected, a number where
a string was expected or a megabyte-long string degrades to "missing" or is
capped, and one bad field never costs more than itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "MAPS",
    "MAX_TEXT",
    "get_bool",
    "get_list",
    "get_map",
    "get_str",
    "parse_time",
    "str_map",
    "text",
]

MAX_TEXT = 4096  # descriptions, deprecation notices, details
MAX_SHORT = 512  # names, versions, e-mails, commands
MAX_ITEMS = 5000  # dependencies per version, maintainers, files
# isinstance(x, MAPS): dict first, as JSON gives dicts and the Mapping ABC check is slower
MAPS = (dict, Mapping)


def text(value: Any, limit: int = MAX_SHORT) -> str | None:
    """``value`` if it is a string, capped at ``limit`` characters; else None."""
    if not isinstance(value, str):
        return None
    return value if len(value) <= limit else value[:limit] + "…"


def get_str(doc: Mapping[str, Any], key: str, limit: int = MAX_SHORT) -> str | None:
    return text(doc.get(key), limit)


def get_map(doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, MAPS) else {}


def get_list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key)
    return value if isinstance(value, list) else []


def get_bool(doc: Mapping[str, Any], key: str) -> bool:
    return doc.get(key) is True


def str_map(value: Any, limit: int = MAX_SHORT, max_items: int = MAX_ITEMS) -> dict[str, str]:
    """A ``{str: str}`` mapping; entries of other types are dropped, long strings capped."""
    if not isinstance(value, MAPS):
        return {}
    if len(value) <= max_items:
        # The usual case, in one pass: every entry a short string pair.
        fast = {
            k: v
            for k, v in value.items()
            if type(k) is str and type(v) is str and len(k) <= limit and len(v) <= limit
        }
        if len(fast) == len(value):
            return fast
    out: dict[str, str] = {}
    for key, item in value.items():
        if len(out) >= max_items:
            break
        k = text(key, limit)
        v = text(item, limit)
        if k is not None and v is not None:
            out[k] = v
    return out


_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` or offset; naive means UTC) as an aware UTC datetime."""
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        return None
    try:  # fast path: Python 3.11 reads "Z" and any number of fractional digits
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    # Keep at most 6 fractional digits (some producers write nanoseconds).
    raw = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), raw, count=1)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
