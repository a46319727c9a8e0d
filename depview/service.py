"""The one pipeline the CLI and the TUI share: lockfile graph -> metadata -> verdicts -> report.

``analyze`` is the thin async I/O shell: it fetches registry metadata and
advisories through :mod:`depview.sources` (bounded, failures as data), hands
them to the pure risk engine, and assembles a :class:`Report`. Callers may pass
``on_verdicts`` to receive verdicts as they become available (the TUI streams
them into the tree) and ``progress`` for a progress bar.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from depview.config import Settings
from depview.metadata import Advisory, PackageMetadata, Unavailable
from depview.model import DependencyGraph, Package, PackageId
from depview.report.limits import PATH_MAX, elide_path
from depview.report.model import Change, Entry, Report, TriageMark
from depview.risk.model import Verdict
from depview.sources.interface import Progress, ProgressEvent, SourceError

__all__ = ["Analysis", "Enrichment", "analyze", "build_report", "judged_packages"]

MetaKey = tuple[str, str]  # (ecosystem, normalised name)
OnVerdicts = Callable[[Mapping[PackageId, Verdict]], None]


@dataclass(slots=True)
class Enrichment:
    """Everything fetched for one graph (mutable while the run is in flight)."""

    metadata: dict[MetaKey, PackageMetadata | Unavailable] = field(default_factory=dict)
    advisories: dict[PackageId, tuple[Advisory, ...] | Unavailable] = field(default_factory=dict)
    errors: list[SourceError] = field(default_factory=list)


@dataclass(slots=True, repr=False)  # asyncio.run reprs its result on exit: keep that cheap
class Analysis:
    """The outcome of :func:`analyze`: verdicts, failures, and the data behind them."""

    verdicts: dict[PackageId, Verdict]
    errors: list[SourceError]
    enrichment: Enrichment


def judged_packages(graph: DependencyGraph, settings: Settings) -> list[Package]:
    """The packages a run judges: every dependency (not the project), minus dev ones with --no-dev."""
    return [p for p in graph.dependencies() if not (settings.no_dev and p.dev)]


def _registry_names(packages: Iterable[Package]) -> list[MetaKey]:
    from depview.model import SourceKind

    keys = {
        (p.id.ecosystem, p.id.name)
        for p in packages
        if p.source.kind in (SourceKind.REGISTRY, SourceKind.TARBALL, SourceKind.GIT)
    }
    return sorted(keys)


async def enrich(
    graph: DependencyGraph,
    settings: Settings,
    *,
    project_dir: Path,
    progress: Progress | None = None,
    on_metadata: Callable[[MetaKey], None] | None = None,
    into: Enrichment | None = None,
) -> Enrichment:
    """Fetch metadata for every registry package and advisories for every locked version.

    Results land in ``into`` (or a new :class:`Enrichment`) as they arrive.
    """
    from depview.sources.factory import open_sources

    packages = judged_packages(graph, settings)
    names = _registry_names(packages)
    ids = [p.id for p in packages]
    result = into if into is not None else Enrichment()
    total = len(names)
    done = 0

    async with open_sources(settings, project_dir, progress=None) as sources:

        async def one(key: MetaKey) -> None:
            nonlocal done
            ecosystem, name = key
            meta = await sources.metadata(ecosystem).fetch(name)
            result.metadata[key] = meta
            done += 1
            if progress is not None:
                progress(ProgressEvent(done=done, total=total, errors=len(sources.errors)))
            if on_metadata is not None:
                on_metadata(key)

        async def advisories() -> None:
            found = await sources.advisories.query(ids)
            result.advisories.update(found)

        adv_task = asyncio.ensure_future(advisories())
        await asyncio.gather(*(one(k) for k in names))
        await adv_task
        result.errors.extend(sources.errors)
    return result


def judge(
    graph: DependencyGraph, settings: Settings, enrichment: Enrichment
) -> dict[PackageId, Verdict]:
    from depview.risk.engine import judge_all

    return judge_all(
        graph,
        enrichment.metadata,
        enrichment.advisories,
        settings,
        packages=judged_packages(graph, settings),
    )


def build_report(
    graph: DependencyGraph,
    settings: Settings,
    verdicts: Mapping[PackageId, Verdict] | None,
    *,
    errors: Iterable[SourceError] = (),
    triage: Mapping[PackageId, TriageMark] | None = None,
    changes: Mapping[PackageId, Change] | None = None,
    removed: Iterable[PackageId] = (),
    lockfile_display: str | None = None,
    only: Iterable[PackageId] | None = None,
) -> Report:
    """One entry per judged package (sorted by name, version), with paths and triage."""
    index = graph.paths_index()
    direct = graph.direct()
    instant = settings.instant
    keep = set(only) if only is not None else None
    entries: list[Entry] = []
    for pkg in sorted(judged_packages(graph, settings), key=lambda p: p.id):
        if keep is not None and pkg.id not in keep:
            continue
        mark = triage.get(pkg.id) if triage else None
        if mark is not None and not mark.active(instant):
            mark = None
        # Long paths are kept as their first and last packages (and their length):
        # whole, a 10,000-deep chain would hold 10,000 paths of 5,000 packages on average.
        paths: list[tuple[PackageId, ...]] = []
        lengths: list[int] = []
        for path in index.paths(pkg.id, 5):
            head, tail = elide_path(path)
            paths.append((*head, *tail))
            lengths.append(len(path))
        entries.append(
            Entry(
                package=pkg,
                direct=pkg.id in direct,
                paths=tuple(paths),
                path_lengths=tuple(lengths) if any(n > PATH_MAX for n in lengths) else (),
                verdict=verdicts.get(pkg.id) if verdicts is not None else None,
                change=changes.get(pkg.id) if changes else None,
                triage=mark,
            )
        )
    return Report(
        graph=graph,
        as_of=instant,
        generated_at=datetime.now(UTC),
        entries=tuple(entries),
        errors=tuple(errors),
        removed=tuple(removed),
        lockfile_display=lockfile_display,
    )


async def analyze(
    graph: DependencyGraph,
    settings: Settings,
    *,
    project_dir: Path,
    progress: Progress | None = None,
    on_verdicts: OnVerdicts | None = None,
) -> Analysis:
    """Fetch and judge. ``on_verdicts`` gets partial verdicts while metadata streams in."""
    from depview.risk.engine import judge_all

    enrichment = Enrichment()
    by_name: dict[MetaKey, list[Package]] = {}
    for pkg in judged_packages(graph, settings):
        by_name.setdefault((pkg.id.ecosystem, pkg.id.name), []).append(pkg)

    def streamed(key: MetaKey) -> None:
        if on_verdicts is not None and key in by_name:
            on_verdicts(
                judge_all(
                    graph,
                    enrichment.metadata,
                    enrichment.advisories,
                    settings,
                    packages=by_name[key],
                )
            )

    await enrich(
        graph,
        settings,
        project_dir=project_dir,
        progress=progress,
        on_metadata=streamed,
        into=enrichment,
    )
    verdicts = judge(graph, settings, enrichment)
    if on_verdicts is not None:
        on_verdicts(verdicts)
    return Analysis(verdicts, enrichment.errors, enrichment)
