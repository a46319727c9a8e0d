"""Format name -> renderer. The only place output formats are listed."""

from __future__ import annotations

from typing import Protocol

from depview.config import Settings
from depview.errors import UsageError
from depview.report.model import Report
from depview.risk.model import Level

__all__ = ["FORMATS", "render"]


class Formatter(Protocol):
    def __call__(self, report: Report, *, settings: Settings, min_level: Level) -> str: ...


def _json(report: Report, *, settings: Settings, min_level: Level) -> str:
    from depview.report.json import format_json

    return format_json(report)


def _table(report: Report, *, settings: Settings, min_level: Level) -> str:
    from depview.report.table import format_table

    return format_table(report, settings=settings, min_level=min_level)


def _sarif(report: Report, *, settings: Settings, min_level: Level) -> str:
    from depview.report.sarif import format_sarif

    return format_sarif(report, settings=settings)


def _markdown(report: Report, *, settings: Settings, min_level: Level) -> str:
    from depview.report.markdown import format_markdown

    return format_markdown(report, settings=settings, min_level=min_level)


def _cyclonedx(report: Report, *, settings: Settings, min_level: Level) -> str:
    from depview.report.cyclonedx import format_cyclonedx

    return format_cyclonedx(report, settings=settings)


FORMATS: dict[str, Formatter] = {
    "table": _table,
    "json": _json,
    "sarif": _sarif,
    "markdown": _markdown,
    "cyclonedx": _cyclonedx,
}


def render(fmt: str, report: Report, *, settings: Settings, min_level: Level) -> str:
    try:
        formatter = FORMATS[fmt]
    except KeyError:
        raise UsageError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})") from None
    return formatter(report, settings=settings, min_level=min_level)
