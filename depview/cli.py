"""Command line: argument parsing, exit codes, output routing. The TUI is imported lazily.

stdout carries only the report; diagnostics and progress go to stderr. Exit
status: 0 done and nothing at or above ``--fail-on``; 1 something is; 2 bad
usage or unreadable input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn, TextIO

from depview import __version__
from depview.config import Settings, load_settings, parse_instant
from depview.errors import DepviewError, UsageError
from depview.model import DependencyGraph
from depview.risk.model import Level
from depview.service import Analysis

__all__ = ["main"]

COMMANDS = ("scan", "tree", "diff", "export", "demo", "open")
SCAN_FORMATS = ("table", "json", "sarif", "markdown", "cyclonedx")
EXPORT_FORMATS = (
    "npm-overrides",
    "package-lock",
    "yarn-resolutions",
    "pnpm-overrides",
    "constraints",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"depview: error: {message} (see 'depview {self._cmd()}--help')\n")

    def _cmd(self) -> str:
        parts = self.prog.split()
        return (parts[1] + " ") if len(parts) > 1 else ""


def _level(text: str) -> Level:
    try:
        return Level.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _instant(text: str) -> Any:
    try:
        return parse_instant(text)
    except DepviewError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _shared(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("data and policy (shared by every command)")
    g.add_argument(
        "--as-of",
        type=_instant,
        metavar="TIMESTAMP",
        help="judge as of this instant (ISO 8601); default now",
    )
    g.add_argument(
        "--offline",
        action="store_true",
        default=None,
        help="no network: cache, snapshot and --osv-db only",
    )
    g.add_argument(
        "--snapshot",
        type=Path,
        metavar="DIR",
        help="read all registry/advisory data from a snapshot dir (implies --offline)",
    )
    g.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help="also write every document used into a snapshot dir",
    )
    g.add_argument(
        "--npm-registry",
        metavar="URL",
        help="npm registry base (default: .npmrc, else the public registry)",
    )
    g.add_argument("--pypi-url", metavar="URL", help="PyPI base URL")
    g.add_argument("--osv-url", metavar="URL", help="OSV API base URL")
    g.add_argument(
        "--osv-db", type=Path, metavar="PATH", help="offline OSV database (zip or directory)"
    )
    g.add_argument(
        "--cooldown",
        dest="cooldown_days",
        type=_positive_float,
        metavar="DAYS",
        help="versions younger than this are recent-publish (default 7)",
    )
    g.add_argument(
        "--young-package-days",
        type=_positive_float,
        metavar="DAYS",
        help="packages younger than this are young-package (default 30)",
    )
    g.add_argument("--cache-dir", type=Path, metavar="DIR", help="metadata cache location")
    g.add_argument(
        "--no-cache",
        action="store_true",
        default=None,
        help="neither read nor write the metadata cache",
    )
    g.add_argument(
        "--no-dev",
        action="store_true",
        default=None,
        help="leave development-only dependencies out",
    )
    g.add_argument(
        "--concurrency", type=int, metavar="N", help="parallel registry requests (default 16)"
    )
    g.add_argument(
        "--lockfile-format",
        metavar="FORMAT",
        help="force the lockfile format (e.g. npm-package-lock, uv-lock)",
    )


def build_parser() -> dict[str, argparse.ArgumentParser]:
    parsers: dict[str, argparse.ArgumentParser] = {}

    p = _Parser(prog="depview", description="Open the TUI on a lockfile or a project directory.")
    p.add_argument("--version", action="version", version=f"depview {__version__}")
    p.add_argument(
        "path", nargs="?", default=".", type=Path, help="lockfile or project directory (default .)"
    )
    _shared(p)
    parsers["open"] = p

    p = _Parser(
        prog="depview demo",
        description="Open the TUI on the bundled offline demo (the axios compromise).",
    )
    parsers["demo"] = p

    p = _Parser(prog="depview scan", description="Headless report of every package's risk.")
    p.add_argument("path", nargs="?", default=".", type=Path)
    p.add_argument("--format", choices=SCAN_FORMATS, default="table")
    p.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write the report here (default stdout)"
    )
    p.add_argument(
        "--fail-on",
        type=_level,
        metavar="LEVEL",
        help="exit 1 when a package is at or above LEVEL (default high)",
    )
    p.add_argument(
        "--min-level",
        type=_level,
        metavar="LEVEL",
        default=Level.LOW,
        help="table/markdown: list packages at or above LEVEL (default low)",
    )
    _shared(p)
    parsers["scan"] = p

    p = _Parser(
        prog="depview tree", description="The dependency tree as plain text, like `npm ls --all`."
    )
    p.add_argument("path", nargs="?", default=".", type=Path)
    p.add_argument("--json", action="store_true", help="print the graph as JSON")
    p.add_argument(
        "--risk", action="store_true", help="fetch metadata and annotate the tree with levels"
    )
    _shared(p)
    parsers["tree"] = p

    p = _Parser(
        prog="depview diff", description="Only packages added or changed between two lockfiles."
    )
    p.add_argument("old", help="old lockfile, or a git revision (the lockfile as it was there)")
    p.add_argument("new", type=Path, help="new lockfile or project directory")
    p.add_argument("--format", choices=SCAN_FORMATS, default="table")
    p.add_argument("--output", "-o", type=Path, metavar="FILE")
    p.add_argument("--fail-on", type=_level, metavar="LEVEL")
    p.add_argument("--min-level", type=_level, metavar="LEVEL", default=Level.LOW)
    _shared(p)
    parsers["diff"] = p

    p = _Parser(
        prog="depview export", description="Pinned-safe suggestion for every risky package."
    )
    p.add_argument("path", nargs="?", default=".", type=Path)
    p.add_argument("--format", choices=EXPORT_FORMATS, help="default: by the lockfile's ecosystem")
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write here (default: a new file beside the original)",
    )
    p.add_argument(
        "--level",
        type=_level,
        default=Level.HIGH,
        metavar="LEVEL",
        help="pin packages at or above LEVEL (default high)",
    )
    p.add_argument("--dry-run", action="store_true", help="print the unified diff, write nothing")
    p.add_argument(
        "--apply",
        action="store_true",
        help="write over the original file (package.json / lockfile)",
    )
    p.add_argument(
        "--relock",
        action="store_true",
        help="let the real package manager re-lock a temporary copy, then re-scan",
    )
    _shared(p)
    parsers["export"] = p
    return parsers


_SETTING_KEYS = (
    "as_of", "offline", "snapshot", "record", "npm_registry", "pypi_url", "osv_url", "osv_db",
    "cooldown_days", "young_package_days", "cache_dir", "no_cache", "no_dev", "concurrency", "fail_on",
)  # fmt: skip


def _settings(ns: argparse.Namespace, project_dir: Path) -> Settings:
    cli = {k: getattr(ns, k) for k in _SETTING_KEYS if getattr(ns, k, None) is not None}
    return load_settings(project_dir, cli)


@dataclass(slots=True)
class _Loaded:
    lockfile: Path
    graph: DependencyGraph
    settings: Settings


def _load(ns: argparse.Namespace, path: Path | None = None) -> _Loaded:
    from depview.lockfiles import find_lockfile, load

    target = path if path is not None else ns.path
    lockfile = find_lockfile(target)
    settings = _settings(ns, lockfile.parent)
    graph = load(lockfile, getattr(ns, "lockfile_format", None))
    _warn_skipped(graph)
    return _Loaded(lockfile, graph, settings)


class _ProgressBar:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.shown = False

    def __call__(self, event: Any) -> None:
        if not self.enabled or event.total <= 0:
            return
        width = 30
        filled = int(width * event.done / event.total)
        errors = f"  {event.errors} errors" if event.errors else ""
        self.stream.write(
            f"\rfetching metadata [{'#' * filled}{'.' * (width - filled)}] "
            f"{event.done}/{event.total}{errors}"
        )
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _analyze(loaded: _Loaded) -> Analysis:
    from depview.service import analyze

    bar = _ProgressBar(sys.stderr)
    try:
        return asyncio.run(
            analyze(loaded.graph, loaded.settings, project_dir=loaded.lockfile.parent, progress=bar)
        )
    finally:
        bar.close()


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from depview.fsutil import atomic_write_text

    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise UsageError(f"{output}: cannot write: {exc.strerror or exc}") from None


def _render(fmt: str, report: Any, settings: Settings, min_level: Level) -> str:
    from depview.report.formats import render

    return render(fmt, report, settings=settings, min_level=min_level)


def _warn_skipped(graph: DependencyGraph) -> None:
    from depview.textsafe import one_line

    for line in graph.warnings[:50]:
        print(f"depview: warning: {one_line(line, 300)}", file=sys.stderr)
    if len(graph.warnings) > 50:
        print(f"depview: warning: ... and {len(graph.warnings) - 50} more", file=sys.stderr)


def _print_errors(errors: Sequence[Any], limit: int = 20) -> None:
    """Source failures on stderr, one inert line each (registry text is untrusted)."""
    from depview.textsafe import one_line

    for err in errors[:limit]:
        line = f"{err.source}: {err.package or ''} {err.message}"
        print(f"depview: {one_line(line, 300)}", file=sys.stderr)
    if len(errors) > limit:
        print(f"depview: ... and {len(errors) - limit} more errors", file=sys.stderr)


def cmd_scan(ns: argparse.Namespace) -> int:
    from depview.service import build_report
    from depview.triage import load_triage, triage_path

    loaded = _load(ns)
    analysis = _analyze(loaded)
    errors = analysis.errors
    triage = load_triage(triage_path(loaded.lockfile))
    report = build_report(
        loaded.graph,
        loaded.settings,
        analysis.verdicts,
        errors=errors,
        triage=triage,
        lockfile_display=str(ns.path if ns.path.is_file() else loaded.lockfile),
    )
    _emit(_render(ns.format, report, loaded.settings, ns.min_level), ns.output)
    _print_errors(errors)
    return report.exit_code(loaded.settings.fail_on)


def cmd_tree(ns: argparse.Namespace) -> int:
    from depview.report.tree import graph_to_json, render_tree

    loaded = _load(ns)
    if ns.json:
        import json

        _emit(json.dumps(graph_to_json(loaded.graph), indent=2, ensure_ascii=True) + "\n", None)
        return 0
    verdicts = None
    if ns.risk:
        verdicts = _analyze(loaded).verdicts
    _emit(render_tree(loaded.graph, verdicts=verdicts, no_dev=loaded.settings.no_dev), None)
    return 0


def cmd_diff(ns: argparse.Namespace) -> int:
    from depview.report.diff import diff_graphs, load_old_graph
    from depview.service import build_report
    from depview.triage import load_triage, triage_path

    loaded = _load(ns, ns.new)
    old_graph = load_old_graph(
        ns.old,
        loaded.lockfile,
        getattr(ns, "lockfile_format", None),
        warn=lambda text: print(f"depview: warning: {text}", file=sys.stderr),
    )
    changes, removed = diff_graphs(old_graph, loaded.graph)
    if loaded.settings.no_dev:
        changes = {k: v for k, v in changes.items() if not loaded.graph.packages[k].dev}
    analysis = _analyze_subset(loaded, set(changes))
    report = build_report(
        loaded.graph,
        loaded.settings,
        analysis.verdicts,
        errors=analysis.errors,
        triage=load_triage(triage_path(loaded.lockfile)),
        changes=changes,
        removed=removed,
        lockfile_display=str(ns.new if ns.new.is_file() else loaded.lockfile),
        only=changes.keys(),
    )
    report = replace(report, extra={**report.extra, "diff": True})
    _emit(_render(ns.format, report, loaded.settings, ns.min_level), ns.output)
    _print_errors(analysis.errors)
    return report.exit_code(loaded.settings.fail_on)


def _analyze_subset(loaded: _Loaded, only: set[Any]) -> Analysis:
    """Judge only ``only`` (plus what their judgement needs) to keep diff fast."""
    from depview.service import Enrichment, analyze

    if not only:
        return Analysis({}, [], Enrichment())
    sub = _subgraph(loaded.graph, only)
    bar = _ProgressBar(sys.stderr)
    try:
        return asyncio.run(
            analyze(sub, loaded.settings, project_dir=loaded.lockfile.parent, progress=bar)
        )
    finally:
        bar.close()


def _subgraph(graph: DependencyGraph, keep: set[Any]) -> DependencyGraph:
    """The graph restricted to ``keep``, their children (for new-dependency judgement) and roots.

    Edges are restricted to the kept nodes too, so no edge points at a missing package.
    """
    wanted = set(keep)
    for pid in keep:
        wanted.update(e.child for e in graph.children(pid))
    wanted.update(graph.roots)
    packages = {k: v for k, v in graph.packages.items() if k in wanted}
    edges = {
        parent: tuple(e for e in es if e.child in packages)
        for parent, es in graph.edges.items()
        if parent in packages
    }
    return replace(graph, packages=packages, edges={k: v for k, v in edges.items() if v})


def cmd_export(ns: argparse.Namespace) -> int:
    from depview.remedy.cli import run_export

    loaded = _load(ns)
    return run_export(
        ns,
        lockfile=loaded.lockfile,
        graph=loaded.graph,
        settings=loaded.settings,
        analysis=_analyze(loaded),
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def demo_paths() -> tuple[Path, Path, str]:
    """(lockfile, snapshot dir, as-of) of the bundled demo."""
    import json

    base = Path(__file__).parent / "data" / "demo"
    expected = json.loads((base / "expected.json").read_text(encoding="utf-8"))
    return base / "project" / "package-lock.json", base / "snapshot", str(expected["as_of"])


def cmd_open(ns: argparse.Namespace, *, demo: bool = False) -> int:
    from depview.lockfiles import load

    if demo:
        lockfile, snapshot, as_of = demo_paths()
        settings = replace(
            Settings(),
            snapshot=snapshot,
            offline=True,
            no_cache=True,
            as_of=parse_instant(as_of),
        )
        graph = load(lockfile)
    else:
        loaded = _load(ns)
        lockfile, graph, settings = loaded.lockfile, loaded.graph, loaded.settings
    from depview.tui.app import run_app

    return run_app(graph=graph, lockfile=lockfile, settings=settings, demo=demo)


def _dispatch(argv: Sequence[str]) -> tuple[str, list[str]]:
    args = list(argv)
    if args and args[0] in COMMANDS:
        return args[0], args[1:]
    return "open", args


HANDLERS: Mapping[str, Callable[[argparse.Namespace], int]] = {
    "scan": cmd_scan,
    "tree": cmd_tree,
    "diff": cmd_diff,
    "export": cmd_export,
    "open": cmd_open,
    "demo": lambda ns: cmd_open(ns, demo=True),
}


def main(argv: Sequence[str] | None = None) -> int:
    command, rest = _dispatch(sys.argv[1:] if argv is None else argv)
    parser = build_parser()[command]
    ns = parser.parse_args(rest)
    try:
        return HANDLERS[command](ns)
    except DepviewError as exc:
        print(f"depview: error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("depview: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` etc.: not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
