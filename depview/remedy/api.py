"""The export API the CLI and the TUI share: build, preview (unified diff), write.

    result = build_export(graph, lockfile, analysis, settings, fmt=None, level=Level.HIGH)
    print(unified_diff(result))                              # the preview
    written = write_export(result, output=None, apply=False)  # beside the originals

Output goes to ``output`` or to a *new* file beside each original
(``package-lock.json`` -> ``package-lock.depview.json``, ``package.json`` ->
``package.depview.json``, ``constraints.txt`` -> ``constraints.depview.txt``);
an original is only overwritten with ``apply=True`` (``--apply``, or the TUI's
confirmation). Every write is atomic (:mod:`depview.fsutil`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from depview.config import Settings
from depview.fsutil import atomic_write_text
from depview.model import DependencyGraph, Package, PackageId
from depview.remedy.model import ExportError, FileChange, Plan
from depview.remedy.plan import Judge, make_plan
from depview.remedy.writers import FORMATS, WRITERS
from depview.report.model import TriageMark
from depview.risk.model import Level, Verdict
from depview.service import Analysis

__all__ = [
    "FORMATS",
    "ExportResult",
    "build_export",
    "default_format",
    "output_path",
    "summary",
    "unified_diff",
    "write_export",
]


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export would change: the files (original path, before, after), the plan, notes."""

    format: str
    lockfile: Path
    files: tuple[FileChange, ...]
    plan: Plan
    notes: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not any(f.changed for f in self.files)


def default_format(graph: DependencyGraph) -> str:
    """The export format that fits the lockfile: its own file where depview can rewrite it."""
    if graph.ecosystem == "pypi":
        return "constraints"
    fmt = graph.format.lower()
    if "pnpm" in fmt:
        return "pnpm-overrides"
    if "yarn" in fmt:
        return "yarn-resolutions"
    if fmt.endswith("@1"):  # package-lock v1: not rewritable, overrides instead
        return "npm-overrides"
    return "package-lock"


def _judge(graph: DependencyGraph, analysis: Analysis, settings: Settings) -> Judge | None:
    """The risk engine as a judge for versions not in the lockfile, if the engine is there.

    Such a version's registry history is judged by the same rules; its
    advisories were never queried (only locked versions are), which the
    reason says.
    """
    try:
        from depview.risk.engine import judge_package
    except ImportError:
        return None
    metadata = analysis.enrichment.metadata

    def judge(pid: PackageId) -> Verdict | None:
        pkg = Package(pid)
        try:
            verdict = judge_package(
                pkg,
                metadata.get((pid.ecosystem, pid.name)),
                analysis.enrichment.advisories.get(pid, ()),
                settings,
                lookup=metadata,
                graph=graph,
                suggest=False,
            )
        except Exception:  # the engine on a package outside the graph: unknown, never "safe"
            return None
        return verdict

    return judge


def build_export(
    graph: DependencyGraph,
    lockfile: Path,
    analysis: Analysis,
    settings: Settings,
    fmt: str | None = None,
    level: Level = Level.HIGH,
    triage: Mapping[PackageId, TriageMark] | None = None,
) -> ExportResult:
    """Plan the pins and render them in ``fmt`` (default: :func:`default_format`)."""
    chosen = fmt or default_format(graph)
    if chosen not in WRITERS:
        raise ExportError(f"unknown export format {chosen!r} (one of {', '.join(FORMATS)})")
    if triage is None:
        from depview.triage import load_triage, triage_path

        triage = load_triage(triage_path(lockfile))
    metadata = analysis.enrichment.metadata
    judge = _judge(graph, analysis, settings)
    plan = make_plan(
        graph,
        analysis.verdicts,
        metadata,
        as_of=settings.instant,
        level=level,
        triage=triage,
        judge=judge,
    )
    notes = list(plan.notes)
    if judge is not None and any(r.level is not None for r in plan.added()):
        notes.append(
            "new versions were judged on their registry history only: advisories are queried "
            "for locked versions, so check them after re-locking (depview scan)"
        )
    files: list[FileChange] = []
    if plan.empty:
        notes.append(
            f"nothing to pin: no package at or above {level.label} has a safe version to move to"
        )
    else:
        files = [f for f in WRITERS[chosen](plan, graph, lockfile, metadata) if f.changed]
        for change in files:
            notes.extend(change.notes)
    unknown = sum(1 for v in analysis.verdicts.values() if v.unknown)
    if unknown:
        notes.append(
            f"{unknown} packages could not be judged (no registry data); they are not pinned"
        )
    return ExportResult(chosen, lockfile, tuple(files), plan, tuple(dict.fromkeys(notes)))


def summary(result: ExportResult) -> list[str]:
    """One line per pin, removal and unsafe package (plain text; names are not markup)."""
    plan = result.plan
    return [
        *(
            f"pin {p.package} -> {p.to_version} ({p.level.label}): {p.reason}"
            for p in plan.actionable
        ),
        *(f"add {r.name}@{r.version} for {r.parent} ({r.reason})" for r in plan.added()),
        *(f"remove {r.package}: {r.reason}" for r in plan.removals),
        *(f"no safe version for {p.package} ({p.level.label}): {p.reason}" for p in plan.unsafe),
    ]


def _display(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def unified_diff(result: ExportResult, *, context: int = 3) -> str:
    """A unified diff of every file the export changes (``a/`` original, ``b/`` new)."""
    base = result.lockfile.parent
    out: list[str] = []
    for change in result.files:
        if not change.changed:
            continue
        name = _display(change.path, base)
        before = change.before.splitlines(keepends=True) if change.before is not None else []
        after = change.after.splitlines(keepends=True)
        fromfile = f"a/{name}" if change.before is not None else "/dev/null"
        out.extend(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in difflib.unified_diff(before, after, fromfile, f"b/{name}", n=context)
        )
    return "".join(out)


def output_path(original: Path) -> Path:
    """The new file beside ``original``: ``name.depview.ext`` (``package-lock.depview.json``)."""
    suffix = original.suffix
    stem = original.name[: -len(suffix)] if suffix else original.name
    return original.with_name(f"{stem}.depview{suffix}")


def _targets(
    result: ExportResult, output: Path | None, apply: bool
) -> list[tuple[FileChange, Path]]:
    changes = [c for c in result.files if c.changed]
    if apply:
        return [(c, c.path) for c in changes]
    out: list[tuple[FileChange, Path]] = []
    for i, change in enumerate(changes):
        if output is not None and output.is_dir():
            target = output / output_path(change.path).name
        elif output is not None and i == 0:
            target = output
        else:
            target = output_path(change.path)
        out.append((change, target))
    originals = {c.path.resolve() for c in changes}
    for _change, target in out:
        if target.resolve() in originals:
            raise ExportError(f"{target}: would overwrite the original; use --apply to do that")
    return out


def write_export(result: ExportResult, *, output: Path | None, apply: bool) -> list[Path]:
    """Write the changed files (atomically); returns the paths written.

    ``apply``: over the originals. Else the first file goes to ``output`` (a
    directory takes every file by its ``.depview`` name) and the rest beside
    their originals.
    """
    written: list[Path] = []
    for change, target in _targets(result, output, apply):
        try:
            atomic_write_text(target, change.after)
        except OSError as exc:
            raise ExportError(f"{target}: cannot write: {exc.strerror or exc}") from None
        written.append(target)
    return written
