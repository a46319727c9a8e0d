"""Small wording helpers for findings: spans of time, people, instants. Registry text made inert."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from depview.metadata import Person, VersionInfo
from depview.textsafe import one_line

__all__ = ["iso", "person", "plural", "safe", "span", "version_list"]


def safe(value: object, limit: int = 200) -> str:
    """Registry or lockfile text, inert and on one line."""
    if isinstance(value, str) and len(value) <= limit and value.isascii() and value.isprintable():
        return value  # nothing to strip: no controls, escapes, bidi or invisible characters
    return one_line(value, limit)


def span(delta: timedelta) -> str:
    """``1 h 39 min``, ``3 d 7 h``, ``2 years 3 months``: two units at most, rounded down."""
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "in the future by " + span(-delta)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 24:
        rest = minutes % 60
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days = hours // 24
    if days < 60:
        rest = hours % 24
        return f"{days} d {rest} h" if rest and days < 10 else f"{days} d"
    if days < 365:
        return f"{days // 30} months"
    years, rem = divmod(days, 365)
    months = rem // 30
    unit = "year" if years == 1 else "years"
    if not months:
        return f"{years} {unit}"
    return f"{years} {unit} {months} month{'s' if months > 1 else ''}"


def iso(moment: datetime | None) -> str | None:
    """An instant as ISO 8601 with ``Z`` (None stays None)."""
    if moment is None:
        return None
    if moment.tzinfo is not UTC:  # records' times are UTC already: no conversion to make
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def person(p: Person | None) -> str:
    """``name <email>``, made inert."""
    if p is None:
        return "an unknown account"
    return safe(str(p), 160)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def version_list(infos: Iterable[VersionInfo], limit: int = 6) -> str:
    names = [safe(v.version, 64) for v in infos]
    if len(names) > limit:
        return ", ".join(names[: limit - 1]) + f", … {names[-1]}"
    return ", ".join(names)
