"""The façade the rest of depview uses: ``async with open_sources(settings, project_dir) as s``.

Which sources serve a run:

=====================  ==========================================  ==============================
mode                   metadata                                    advisories
=====================  ==========================================  ==============================
``--snapshot DIR``     the snapshot's files                        the snapshot's ``osv/`` records
``--offline``          the cache only (any age)                    ``--osv-db``, else cached answers
network (default)      npm registry / PyPI, through the cache      OSV API (``--osv-db`` if given)
=====================  ==========================================  ==============================

Every ``Unavailable`` a source returns is also listed in :attr:`Sources.errors`
(as the report's ``errors`` wants them); nothing here raises for a network or
data problem.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from depview.config import Settings
from depview.metadata import Advisory, PackageMetadata, Unavailable
from depview.model import PackageId, normalize_name
from depview.records import promote_young_objects
from depview.sources.cache import MetadataCache
from depview.sources.clients import (
    CachedAdvisorySource,
    CachedMetadataSource,
    NpmRegistrySource,
    OsvSource,
    PypiSource,
    SourceContext,
)
from depview.sources.http import Fetcher
from depview.sources.interface import (
    AdvisorySource,
    MetadataSource,
    Progress,
    ProgressEvent,
    SourceError,
)
from depview.sources.npmrc import NpmConfig
from depview.sources.osvdb import OsvDatabase, OsvDatabaseSource
from depview.sources.snapshot import (
    SnapshotAdvisorySource,
    SnapshotMetadataSource,
    SnapshotStore,
    SnapshotWriter,
)

__all__ = ["Sources", "open_sources"]


class _Unsupported:
    def __init__(self, ecosystem: str) -> None:
        self.ecosystem = ecosystem

    async def fetch(self, name: str) -> PackageMetadata | Unavailable:
        return Unavailable(self.ecosystem, f"no registry for ecosystem {self.ecosystem!r}")


class _Recorded:
    """A metadata source that also lists its failures in the run's errors."""

    def __init__(self, inner: MetadataSource, sources: Sources) -> None:
        self.inner = inner
        self.ecosystem = inner.ecosystem
        self._sources = sources

    async def fetch(self, name: str) -> PackageMetadata | Unavailable:
        result = await self.inner.fetch(name)
        if isinstance(result, Unavailable):
            purl = PackageId.of(self.ecosystem, name, "").purl.rstrip("@")
            self._sources.note(result.source, purl, result.reason)
        return result


class _RecordedAdvisories:
    def __init__(self, inner: AdvisorySource, sources: Sources) -> None:
        self.inner = inner
        self._sources = sources

    async def query(
        self, packages: Sequence[PackageId]
    ) -> Mapping[PackageId, tuple[Advisory, ...] | Unavailable]:
        result = await self.inner.query(packages)
        for pkg, value in result.items():
            if isinstance(value, Unavailable):
                self._sources.note(value.source, pkg.purl, value.reason)
        return result


@dataclass(slots=True)
class Sources:
    """The registry and advisory sources of one run, and what went wrong."""

    settings: Settings
    mode: str  # "snapshot" | "offline" | "network"
    _metadata: dict[str, MetadataSource] = field(default_factory=dict)
    _advisories: AdvisorySource | None = None
    context: SourceContext = field(default_factory=SourceContext)
    progress: Progress | None = None

    @property
    def errors(self) -> list[SourceError]:
        return self.context.errors

    def note(self, source: str, package: str | None, message: str) -> None:
        self.context.note(source, package, message)

    def metadata(self, ecosystem: str) -> MetadataSource:
        inner = self._metadata.get(ecosystem) or _Unsupported(ecosystem)
        return _Recorded(inner, self)

    @property
    def advisories(self) -> AdvisorySource:
        assert self._advisories is not None
        return _RecordedAdvisories(self._advisories, self)

    @property
    def bytes_received(self) -> int:
        fetcher = self.context.fetcher
        return fetcher.bytes_received if fetcher is not None else 0

    @property
    def requests(self) -> int:
        fetcher = self.context.fetcher
        return fetcher.requests if fetcher is not None else 0

    def _emit(self, done: int, total: int, label: str) -> None:
        if self.progress is not None:
            self.progress(ProgressEvent(done, total, self.bytes_received, len(self.errors), label))

    def _preload_cache(self, names: Iterable[tuple[str, str]]) -> None:
        """Read the cache records of ``names`` in a few queries instead of one per name."""
        cache = self.context.cache
        if cache is None or not self.context.read_cache:
            return
        keys: list[str] = []
        for ecosystem, name in names:
            cache_key = getattr(self._metadata.get(ecosystem), "cache_key", None)
            key = cache_key(name) if cache_key is not None else None
            if key is not None:
                keys.append(key)
        cache.preload(keys)

    async def fetch_all(
        self, packages: Sequence[PackageId]
    ) -> dict[tuple[str, str], PackageMetadata | Unavailable]:
        """Metadata for every distinct (ecosystem, name) of ``packages``, concurrently.

        A failure is listed in :attr:`errors` once per locked version (its purl).
        Progress events count names.
        """
        versions: dict[tuple[str, str], list[str]] = {}
        for pkg in packages:
            listed = versions.setdefault(
                (pkg.ecosystem, normalize_name(pkg.ecosystem, pkg.name)), []
            )
            if pkg.version not in listed:
                listed.append(pkg.version)
        total = len(versions)
        done = 0
        results: dict[tuple[str, str], PackageMetadata | Unavailable] = {}
        self._emit(0, total, "registry metadata")

        def finish(key: tuple[str, str], result: PackageMetadata | Unavailable) -> None:
            nonlocal done
            ecosystem, name = key
            if isinstance(result, Unavailable):
                for version in versions[key]:
                    self.note(
                        result.source, PackageId(ecosystem, name, version).purl, result.reason
                    )
            results[key] = result
            done += 1
            self._emit(done, total, name)

        async def one(key: tuple[str, str]) -> None:
            ecosystem, name = key
            source = self._metadata.get(ecosystem) or _Unsupported(ecosystem)
            fetch_for = getattr(source, "fetch_for", None)  # cheaper than a Protocol isinstance
            if fetch_for is not None:
                result = await fetch_for(name, versions[key])
            else:
                result = await source.fetch(name)
            finish(key, result)

        # Fresh cache hits first, synchronously: a warm run then needs no task per name.
        # Decoding allocates tens of thousands of acyclic records: collecting is deferred.
        missing: list[tuple[str, str]] = []
        self._preload_cache(versions)
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for key in versions:
                cached_for = getattr(self._metadata.get(key[0]), "cached_for", None)
                hit = cached_for(key[1], versions[key]) if cached_for is not None else None
                if hit is None:
                    missing.append(key)
                else:
                    finish(key, hit)
        finally:
            promote_young_objects()
            if was_enabled:
                gc.enable()
        await asyncio.gather(*(one(key) for key in missing))
        return results

    async def fetch_advisories(
        self, packages: Sequence[PackageId]
    ) -> Mapping[PackageId, tuple[Advisory, ...] | Unavailable]:
        """Advisories for every package (failures listed in :attr:`errors`)."""
        return await self.advisories.query(packages)


@asynccontextmanager
async def open_sources(
    settings: Settings,
    project_dir: Path | None = None,
    progress: Progress | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> AsyncIterator[Sources]:
    """The run's sources, chosen by ``settings`` (see the module docstring).

    ``transport``, ``environ`` and ``home`` are for tests (an httpx mock transport;
    where ``.npmrc`` files are looked up).
    """
    as_of = settings.as_of
    if settings.snapshot is not None:
        store = SnapshotStore(settings.snapshot)
        sources = Sources(settings, "snapshot", progress=progress)
        sources._metadata = {
            "npm": SnapshotMetadataSource(store, "npm"),
            "pypi": SnapshotMetadataSource(store, "pypi"),
        }
        sources._advisories = SnapshotAdvisorySource(store, as_of)
        yield sources
        return

    # diskcache connections are per thread: open, use and close the cache on this one.
    cache = MetadataCache.for_settings(settings)
    ctx = SourceContext(cache=cache)
    if cache is not None and cache.problem:
        ctx.note("cache", None, cache.problem)
    npm_config = NpmConfig.load(project_dir, settings.npm_registry, environ=environ, home=home)
    pypi_base = settings.pypi_url.rstrip("/")
    osv_base = settings.osv_url.rstrip("/")
    advisories: AdvisorySource
    try:
        if not settings.network:
            sources = Sources(settings, "offline", context=ctx, progress=progress)
            sources._metadata = {
                "npm": CachedMetadataSource(cache, "npm", lambda n: f"npm {npm_config.url_for(n)}"),
                "pypi": CachedMetadataSource(
                    cache,
                    "pypi",
                    lambda n: f"pypi {pypi_base}/pypi/{normalize_name('pypi', n)}/json",
                ),
            }
            if settings.osv_db is not None:
                advisories = OsvDatabaseSource(OsvDatabase(settings.osv_db), as_of)
            else:
                advisories = CachedAdvisorySource(cache, osv_base, as_of)
            sources._advisories = advisories
            yield sources
            return

        ctx.recorder = SnapshotWriter(settings.record) if settings.record is not None else None
        async with Fetcher(settings, transport=transport) as fetcher:
            ctx.fetcher = fetcher
            sources = Sources(settings, "network", context=ctx, progress=progress)
            sources._metadata = {
                "npm": NpmRegistrySource(ctx, npm_config),
                "pypi": PypiSource(ctx, pypi_base),
            }
            if settings.osv_db is not None:
                advisories = OsvDatabaseSource(OsvDatabase(settings.osv_db), as_of)
            else:
                advisories = OsvSource(ctx, osv_base, as_of)
            sources._advisories = advisories
            yield sources
    finally:
        if cache is not None:
            cache.close()
