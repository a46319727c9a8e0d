"""Small hand-made graphs, verdicts and stub analyzers for the TUI tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from depview.config import Settings
from depview.metadata import Advisory, PackageMetadata, Person, VersionInfo
from depview.model import (
    DependencyGraph,
    Edge,
    EdgeKind,
    Package,
    PackageId,
    Source,
    SourceKind,
    build_graph,
)
from depview.risk.model import Finding, Level, Suggestion, Verdict
from depview.service import Analysis, Enrichment
from depview.sources.interface import Progress, ProgressEvent, SourceError

AS_OF = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)
SETTINGS = Settings(as_of=AS_OF, offline=True, no_cache=True)

OnVerdicts = Callable[[Mapping[PackageId, Verdict]], None]


def pid(name: str, version: str = "1.0.0") -> PackageId:
    return PackageId("npm", name, version)


ROOT = pid("app", "0.0.0")
WS = pid("web", "0.1.0")


def small_graph(path: str = "/tmp/project/package-lock.json") -> DependencyGraph:
    """app -> alpha, beta, evil, gamma; alpha -> shared -> leaf; beta -> shared (deduped);
    gamma -> alpha (cycle back up: deduped); workspace web -> beta, zeta."""
    alpha, beta, evil, gamma = (
        pid("alpha"),
        pid("beta", "2.0.0"),
        pid("evil", "6.6.6"),
        pid("gamma"),
    )
    shared, leaf, zeta = pid("shared", "3.1.0"), pid("leaf"), pid("zeta")
    packages = [
        Package(ROOT, source=Source(SourceKind.ROOT)),
        Package(WS, source=Source(SourceKind.WORKSPACE)),
        Package(alpha, integrity="sha512-a"),
        Package(beta, integrity="sha512-b", has_install_script=True),
        Package(evil, integrity="sha512-e", has_install_script=True),
        Package(gamma, integrity="sha512-g", dev=True),
        Package(shared, integrity="sha512-s"),
        Package(leaf, integrity="sha512-l"),
        Package(zeta, integrity="sha512-z"),
    ]
    edges = {
        ROOT: [Edge(alpha), Edge(beta), Edge(evil), Edge(gamma, EdgeKind.DEV), Edge(WS)],
        WS: [Edge(beta), Edge(zeta)],
        alpha: [Edge(shared)],
        beta: [Edge(shared)],
        shared: [Edge(leaf)],
        gamma: [Edge(alpha)],
    }
    return build_graph(
        ecosystem="npm",
        format="npm-package-lock@3",
        path=path,
        packages=packages,
        edges=edges,
        roots=[ROOT, WS],
    )


def verdicts_for(graph: DependencyGraph) -> dict[PackageId, Verdict]:
    """A critical 'evil', a medium 'beta', none for the rest."""
    out: dict[PackageId, Verdict] = {}
    for pkg in graph.dependencies():
        out[pkg.id] = Verdict(pkg.id, Level.NONE, 0)
    evil = pid("evil", "6.6.6")
    out[evil] = Verdict(
        evil,
        Level.CRITICAL,
        97,
        findings=(
            Finding(
                "publisher-change",
                Level.HIGH,
                "published by a new account",
                "published 1 h 39 min before as-of by mallory <m@evil.test>; the previous 3 releases came from GitHub Actions",
                {"publisher": "mallory <m@evil.test>", "previous_publishers": ["GitHub Actions"]},
            ),
            Finding(
                "new-install-script",
                Level.CRITICAL,
                "new postinstall script",
                "6.6.6 runs 'node steal.js' at install; 6.6.5 ran nothing",
                {"scripts": {"postinstall": "node steal.js"}},
            ),
        ),
        suggestion=Suggestion("6.6.5", "the last release published with provenance"),
        published=AS_OF - timedelta(hours=1, minutes=39),
        publisher="mallory",
    )
    beta = pid("beta", "2.0.0")
    out[beta] = Verdict(
        beta,
        Level.MEDIUM,
        40,
        findings=(
            Finding(
                "install-script", Level.MEDIUM, "runs an install script", "node-gyp rebuild", {}
            ),
        ),
    )
    return out


def evil_metadata() -> PackageMetadata:
    gha = Person("GitHub Actions", "npm-oidc-no-reply@github.com")
    versions = {
        f"6.6.{i}": VersionInfo(
            f"6.6.{i}",
            published=AS_OF - timedelta(days=30 - (i - 3) * 10),
            publisher=gha,
            trusted_publisher="github",
            provenance=True,
            dependencies={"leaf": "^1.0.0"},
        )
        for i in range(3, 6)
    }
    versions["6.6.6"] = VersionInfo(
        "6.6.6",
        published=AS_OF - timedelta(hours=1, minutes=39),
        publisher=Person("mallory", "m@evil.test"),
        install_scripts={"postinstall": "node steal.js [bold]x[/bold] \x1b[31mred"},
        dependencies={"leaf": "^1.0.0", "stealer": "^0.0.1"},
    )
    return PackageMetadata("npm", "evil", versions, dist_tags={"latest": "6.6.6"})


def enrichment_for(graph: DependencyGraph) -> Enrichment:
    enr = Enrichment()
    enr.metadata[("npm", "evil")] = evil_metadata()
    evil = pid("evil", "6.6.6")
    enr.advisories[evil] = (
        Advisory(
            "MAL-2026-0001",
            summary="Malicious code in evil",
            aliases=("GHSA-xxxx-yyyy-zzzz",),
            malicious=True,
            fixed=(),
            references=("https://osv.dev/vulnerability/MAL-2026-0001",),
        ),
    )
    return enr


class StaticAnalyzer:
    """Returns precomputed verdicts at once (and streams them first through on_verdicts)."""

    def __init__(
        self,
        verdicts: Mapping[PackageId, Verdict],
        enrichment: Enrichment | None = None,
        errors: Sequence[SourceError] = (),
    ) -> None:
        self.verdicts = dict(verdicts)
        self.enrichment = enrichment or Enrichment()
        self.errors = list(errors)
        self.calls = 0

    async def __call__(
        self,
        graph: DependencyGraph,
        settings: Settings,
        *,
        project_dir: Path,
        progress: Progress | None = None,
        on_verdicts: OnVerdicts | None = None,
    ) -> Analysis:
        self.calls += 1
        if progress is not None:
            progress(ProgressEvent(done=len(self.verdicts), total=len(self.verdicts)))
        if on_verdicts is not None:
            on_verdicts(self.verdicts)
        return Analysis(dict(self.verdicts), list(self.errors), self.enrichment)


class StreamingAnalyzer:
    """Delivers verdicts late, in batches the test releases one at a time."""

    def __init__(
        self, batches: Sequence[Mapping[PackageId, Verdict]], enrichment: Enrichment | None = None
    ) -> None:
        self.batches = [dict(b) for b in batches]
        self.enrichment = enrichment or Enrichment()
        self.release = asyncio.Event()
        self.delivered = 0
        self.done = asyncio.Event()

    async def step(self) -> None:
        """Let the next batch through (call from the test)."""
        self.release.set()
        await asyncio.sleep(0)

    async def __call__(
        self,
        graph: DependencyGraph,
        settings: Settings,
        *,
        project_dir: Path,
        progress: Progress | None = None,
        on_verdicts: OnVerdicts | None = None,
    ) -> Analysis:
        total = len(self.batches)
        merged: dict[PackageId, Verdict] = {}
        for i, batch in enumerate(self.batches):
            await self.release.wait()
            self.release.clear()
            merged.update(batch)
            if on_verdicts is not None:
                on_verdicts(batch)
            if progress is not None:
                progress(ProgressEvent(done=i + 1, total=total))
            self.delivered = i + 1
        await self.release.wait()
        self.done.set()
        return Analysis(merged, [], self.enrichment)


class FailingAnalyzer:
    """Either raises, or returns errors with unknown verdicts (metadata-unavailable)."""

    def __init__(self, mode: str = "raise") -> None:
        self.mode = mode

    async def __call__(
        self,
        graph: DependencyGraph,
        settings: Settings,
        *,
        project_dir: Path,
        progress: Progress | None = None,
        on_verdicts: OnVerdicts | None = None,
    ) -> Analysis:
        if self.mode == "raise":
            raise ConnectionError("registry.npmjs.org: connection refused")
        verdicts: dict[PackageId, Verdict] = {}
        errors: list[SourceError] = []
        for pkg in graph.dependencies():
            finding = Finding(
                "metadata-unavailable",
                Level.INFO,
                "registry data unavailable",
                "npm: timed out after 10 s",
                {"source": "npm", "reason": "timed out after 10 s"},
            )
            verdicts[pkg.id] = Verdict(pkg.id, Level.INFO, 0, findings=(finding,), unknown=True)
            errors.append(SourceError("npm", pkg.id.purl, "timed out after 10 s"))
        if on_verdicts is not None:
            on_verdicts(verdicts)
        return Analysis(verdicts, errors, Enrichment())


def chain_graph(n: int, *, fanout: int = 3, direct: int = 40) -> DependencyGraph:
    """A deterministic npm-like graph of ``n`` packages with shared subtrees (for scale tests)."""
    root = pid("bigapp", "1.0.0")
    ids = [pid(f"pkg-{i:05d}", f"{i % 7}.{i % 11}.{i % 5}") for i in range(n)]
    packages = [Package(root, source=Source(SourceKind.ROOT))]
    packages += [
        Package(p, integrity=f"sha512-{i}", has_install_script=i % 97 == 0)
        for i, p in enumerate(ids)
    ]
    edges: dict[PackageId, list[Edge]] = {root: [Edge(p) for p in ids[:direct]]}
    for i, p in enumerate(ids):
        kids = []
        if n <= direct:
            break
        for k in range(1, fanout + 1):
            j = direct + (i * fanout + k * 7919) % max(1, n - direct)
            if j != i:
                kids.append(Edge(ids[j]))
        edges[p] = kids
    return build_graph(
        ecosystem="npm",
        format="npm-package-lock@3",
        path="/tmp/big/package-lock.json",
        packages=packages,
        edges=edges,
        roots=[root],
    )


def all_ids(graph: DependencyGraph) -> Iterable[PackageId]:
    return (p.id for p in graph.dependencies())


def with_path(graph: DependencyGraph, path: str) -> DependencyGraph:
    return replace(graph, path=path)


def screen_text(app: object) -> str:
    """The current screen as plain text (what a terminal would show, without colour)."""
    import io

    from rich.console import Console
    from textual.app import App

    assert isinstance(app, App)
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    render = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(render)
    return console.export_text()
