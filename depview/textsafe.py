"""Making attacker-controlled strings inert.

Every string from a lockfile or a registry may carry terminal escapes, Rich
markup, bidi overrides or megabytes of text. Surfaces that draw text for a
human call :func:`clean` (or :func:`one_line`) and render the result as plain
text (``rich.text.Text``, never markup). JSON output goes through
:func:`json_safe` and is written with ``ensure_ascii`` so nothing raw reaches a
terminal that ``cat``s it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["clean", "json_safe", "one_line", "shorten"]

# C0 controls except tab/newline, DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# ANSI/VT escape sequences: CSI ... final, OSC ... BEL/ST, and 2-char ESC sequences.
_ESCAPE_SEQ = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC (title, OSC 8 links)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS/SOS/PM/APC
    r"|\x1b[@-Z\\-_]"  # two-character sequences
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
# Bidi controls and invisible characters: shown as visible code points.
_INVISIBLE = re.compile(
    r"[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)  # + lone surrogates

DEFAULT_LIMIT = 4096


def _visible(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def clean(text: object, limit: int | None = DEFAULT_LIMIT, *, keep_newlines: bool = True) -> str:
    """Plain, inert text: escapes removed, controls dropped, bidi made visible, length capped."""
    s = text if isinstance(text, str) else str(text)
    if limit is not None and len(s) > limit * 4:
        s = s[: limit * 4]  # bound the regex work on megabyte strings
    s = _ESCAPE_SEQ.sub("", s)
    if not keep_newlines:
        s = s.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    s = _CONTROL.sub("", s.replace("\r\n", "\n"))
    s = _INVISIBLE.sub(_visible, s)
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s


def one_line(text: object, limit: int | None = 200) -> str:
    """:func:`clean` on a single line (newlines and tabs become spaces)."""
    return clean(text, limit, keep_newlines=False)


def shorten(text: str, keep: int = 60) -> str:
    """``text`` as is up to ``keep`` characters, else its first ``keep`` and ``…(N chars)``.

    For quoting an oversized value in a message (the length tells what was cut);
    not inert by itself: pass the message through :func:`clean` to display it.
    """
    if len(text) <= keep:
        return text
    return f"{text[:keep]}…({len(text)} chars)"


def json_safe(value: Any) -> Any:
    """Recursively turn records into JSON-ready values (datetimes as ISO 8601 Z)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [json_safe(v) for v in items]
    return str(value)
