"""``depview export``: the command-line side of the export (called by :func:`depview.cli.cmd_export`).

``--dry-run`` prints the unified diff on stdout and writes nothing; otherwise
the files are written (beside the originals, to ``--output``, or over the
originals with ``--apply``) and stderr says what was written. ``--relock``
then lets the real package manager re-lock a temporary copy and prints which
risky versions are gone. Notes (packages with no safe version, fields carried
over, ...) go to stderr. Exit 0, or 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from depview.config import Settings
from depview.errors import DepviewError
from depview.model import DependencyGraph
from depview.remedy.api import build_export, summary, unified_diff, write_export
from depview.risk.model import Level
from depview.service import Analysis
from depview.textsafe import one_line

__all__ = ["run_export"]


def _say(stream: TextIO, text: str) -> None:
    stream.write(f"depview: {one_line(text, limit=2000)}\n")


def run_export(
    ns: argparse.Namespace,
    *,
    lockfile: Path,
    graph: DependencyGraph,
    settings: Settings,
    analysis: Analysis,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """Build, preview or write, optionally re-lock. Returns the exit status."""
    try:
        result = build_export(
            graph,
            lockfile,
            analysis,
            settings,
            fmt=getattr(ns, "format", None),
            level=getattr(ns, "level", None) or Level.HIGH,
        )
        for line in summary(result):
            _say(stderr, line)
        for note in result.notes:
            _say(stderr, f"note: {note}")
        if getattr(ns, "dry_run", False):
            stdout.write(unified_diff(result))
            stdout.flush()
        elif not result.empty:
            written = write_export(
                result, output=getattr(ns, "output", None), apply=bool(getattr(ns, "apply", False))
            )
            for path in written:
                _say(stderr, f"wrote {path}")
        if getattr(ns, "relock", False) and not result.empty:
            from depview.remedy.relock import relock

            outcome = relock(result, graph, settings)
            for line in outcome.summary:
                stdout.write(one_line(line, limit=2000) + "\n")
            stdout.flush()
    except DepviewError as exc:
        stderr.write(f"depview: error: {exc.one_line()}\n")
        return 2
    return 0
