"""Network sources: npm registry, PyPI (JSON, Simple, Integrity) and the OSV API.

Each source fetches through the run's :class:`~depview.sources.http.Fetcher`,
normalises with the pure functions of ``npm``/``pypi``/``osv``, stores the
normalised record in the :class:`~depview.sources.cache.MetadataCache` and, with
``--record``, writes every raw document into the snapshot layout. A name is
fetched at most once per run (concurrent callers share the request).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from packaging.version import InvalidVersion, Version

from depview.metadata import Advisory, PackageMetadata, Unavailable, VersionInfo
from depview.model import PackageId, normalize_name
from depview.sources.cache import TTL_NOT_FOUND, CacheEntry, MetadataCache, ttl_for
from depview.sources.http import Fetcher, HttpResult
from depview.sources.interface import SourceError
from depview.sources.npm import normalize_packument
from depview.sources.npmrc import NpmConfig
from depview.sources.osv import normalize_ecosystem, normalize_osv, visible_as_of
from depview.sources.pypi import normalize_pypi, publisher_from_provenance
from depview.sources.serial import (
    advisories_from_json,
    advisories_to_json,
    metadata_from_json,
    metadata_to_json,
)
from depview.sources.snapshot import SnapshotWriter, not_found, npm_parts, pypi_part

__all__ = [
    "CachedAdvisorySource",
    "CachedMetadataSource",
    "NpmRegistrySource",
    "OsvSource",
    "PypiSource",
    "SourceContext",
    "previous_version",
]

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
OSV_BATCH = 1000
OSV_MAX_PAGES = 20
OSV_QUERY_TTL = 60 * 60.0
OSV_DETAIL_TTL = 24 * 60 * 60.0
MAX_PROVENANCE_FILES = 3

T = TypeVar("T")


@dataclass(slots=True)
class SourceContext:
    """What the sources of one run share."""

    fetcher: Fetcher | None = None
    cache: MetadataCache | None = None
    recorder: SnapshotWriter | None = None
    errors: list[SourceError] = field(default_factory=list)
    clock: Callable[[], float] = time.time
    _seen: set[SourceError] = field(default_factory=set, repr=False)

    @property
    def read_cache(self) -> bool:
        # When recording, every raw document must be fetched, so cached records are not used.
        return self.cache is not None and self.recorder is None

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=UTC)

    def note(self, source: str, package: str | None, message: str) -> None:
        error = SourceError(source, package, message)
        if error not in self._seen:
            self._seen.add(error)
            self.errors.append(error)


class _SingleFlight:
    """At most one in-flight (and one completed) computation per key per run."""

    def __init__(self) -> None:
        self._tasks: dict[Any, asyncio.Task[Any]] = {}

    async def run(self, key: Any, make: Callable[[], Awaitable[T]]) -> T:
        task = self._tasks.get(key)
        if task is None:

            async def _run() -> T:
                return await make()

            task = asyncio.ensure_future(_run())
            self._tasks[key] = task
        result: T = await asyncio.shield(task)
        return result


async def _guarded(
    source: str, work: Awaitable[PackageMetadata | Unavailable]
) -> PackageMetadata | Unavailable:
    """The last line of "never raises": an unexpected error becomes ``Unavailable``."""
    try:
        return await work
    except Exception as exc:  # a bug must not take the whole run down
        return Unavailable(source, f"internal error ({type(exc).__name__})")


def _versionless_purl(ecosystem: str, name: str) -> str:
    return PackageId.of(ecosystem, name, "").purl.rstrip("@")


# --------------------------------------------------------------------------- npm


class NpmRegistrySource:
    """``GET {registry}/{name}`` (full packument) for each npm name."""

    ecosystem = "npm"

    def __init__(self, ctx: SourceContext, config: NpmConfig) -> None:
        if ctx.fetcher is None:
            raise ValueError("NpmRegistrySource needs a fetcher")
        self.ctx = ctx
        self.fetcher: Fetcher = ctx.fetcher
        self.config = config
        self._flight = _SingleFlight()
        self._keys: dict[str, str | None] = {}

    async def fetch(self, name: str) -> PackageMetadata | Unavailable:
        return await self._flight.run(name, lambda: _guarded("npm", self._fetch(name)))

    async def fetch_for(self, name: str, versions: Sequence[str]) -> PackageMetadata | Unavailable:
        return await self.fetch(name)

    def cache_key(self, name: str) -> str | None:
        """The cache key of ``name``'s record (None for a name that is never fetched)."""
        return _remembered(self._keys, name, self._key_of)

    def _key_of(self, name: str) -> str | None:
        return None if npm_parts(name) is None else f"npm {self.config.url_for(name)}"

    def cached_for(self, name: str, versions: Sequence[str]) -> PackageMetadata | None:
        """A fresh cached record, without a request or a task (None: fetch it)."""
        cache = self.ctx.cache
        key = self.cache_key(name)
        if cache is None or not self.ctx.read_cache or key is None:
            return None
        entry = cache.get(key)
        if entry is None or not entry.fresh(self.ctx.clock()):
            return None
        return _decode_metadata(entry)

    async def _fetch(self, name: str) -> PackageMetadata | Unavailable:
        if npm_parts(name) is None:
            return Unavailable("npm", "not a valid npm package name")
        url = self.config.url_for(name)
        key = f"npm {url}"
        entry = self.ctx.cache.get(key) if self.ctx.read_cache and self.ctx.cache else None
        now = self.ctx.clock()
        if entry is not None and entry.fresh(now):
            cached = _decode_metadata(entry)
            if cached is not None:
                return cached
        etag, last_modified = entry.validators.get(url, [None, None]) if entry else (None, None)
        result = await self.fetcher.get(
            url,
            source="npm",
            accept="application/json",
            etag=etag,
            last_modified=last_modified,
            authorize=self.config.authorization,
        )
        if isinstance(result, Unavailable):
            return result
        if result.not_modified and entry is not None:
            cached = _decode_metadata(entry)
            if cached is not None:
                self._store(key, entry.touched(now))
                return cached
            return Unavailable("npm", "cache entry unreadable after 304")
        if result.missing:
            meta = not_found("npm", name, url)
            self._store(key, CacheEntry(metadata_to_json(meta), now, TTL_NOT_FOUND))
            return meta
        if not isinstance(result.data, Mapping):
            return Unavailable("npm", "registry answer is not a JSON object")
        meta = normalize_packument(result.data, name=name, source_url=url)
        if self.ctx.recorder is not None:
            self.ctx.recorder.npm(name, result.body)
        ttl = ttl_for(meta.modified, self.ctx.now())
        self._store(
            key,
            CacheEntry(
                metadata_to_json(meta),
                now,
                ttl,
                validators={url: [result.etag, result.last_modified]},
            ),
        )
        return meta

    def _store(self, key: str, entry: CacheEntry) -> None:
        if self.ctx.cache is not None:
            self.ctx.cache.put(key, entry)


def _remembered(
    table: dict[str, str | None], name: str, compute: Callable[[str], str | None]
) -> str | None:
    """``compute(name)``, once per name (a warm run asks for each cache key twice)."""
    try:
        return table[name]
    except KeyError:
        found = table[name] = compute(name)
        return found


def _decode_metadata(entry: CacheEntry) -> PackageMetadata | None:
    try:
        return metadata_from_json(entry.payload)
    except ValueError:
        return None


# --------------------------------------------------------------------------- PyPI


def _version_key(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def previous_version(meta: PackageMetadata, version: str) -> str | None:
    """The highest version below ``version`` (PEP 440 order) that the package has."""
    current = _version_key(version)
    if current is None:
        return None
    best: tuple[Version, str] | None = None
    for other in meta.versions:
        key = _version_key(other)
        if key is None or key >= current:
            continue
        if best is None or key > best[0]:
            best = (key, other)
    return best[1] if best else None


def _provenance_targets(meta: PackageMetadata, versions: Iterable[str]) -> list[str]:
    out: list[str] = []
    for version in versions:
        for candidate in (version, previous_version(meta, version)):
            if candidate and candidate in meta.versions and candidate not in out:
                out.append(candidate)
    return out


class PypiSource:
    """PyPI JSON API + Simple JSON API (+ Integrity API for the locked releases)."""

    ecosystem = "pypi"

    def __init__(self, ctx: SourceContext, base: str) -> None:
        if ctx.fetcher is None:
            raise ValueError("PypiSource needs a fetcher")
        self.ctx = ctx
        self.fetcher: Fetcher = ctx.fetcher
        self.base = base.rstrip("/")
        self._flight = _SingleFlight()
        self._keys: dict[str, str | None] = {}
        self._wanted: dict[str, set[str]] = {}

    def urls(self, name: str) -> tuple[str, str]:
        norm = normalize_name("pypi", name)
        return f"{self.base}/pypi/{norm}/json", f"{self.base}/simple/{norm}/"

    async def fetch(self, name: str) -> PackageMetadata | Unavailable:
        return await self.fetch_for(name, ())

    async def fetch_for(self, name: str, versions: Sequence[str]) -> PackageMetadata | Unavailable:
        """The project, with publisher identities for ``versions`` and the release before each."""
        norm = normalize_name("pypi", name)
        self._wanted.setdefault(norm, set()).update(versions)
        key = (norm, frozenset(self._wanted[norm]))
        return await self._flight.run(
            key, lambda: _guarded("pypi", self._fetch(norm, sorted(key[1])))
        )

    def cache_key(self, name: str) -> str | None:
        """The cache key of ``name``'s record (None for a name that is never fetched)."""
        return _remembered(self._keys, name, self._key_of)

    def _key_of(self, name: str) -> str | None:
        norm = normalize_name("pypi", name)
        return None if pypi_part(norm) is None else f"pypi {self.urls(norm)[0]}"

    def cached_for(self, name: str, versions: Sequence[str]) -> PackageMetadata | None:
        """A fresh cached record that already has the publishers of ``versions`` (None: fetch)."""
        cache = self.ctx.cache
        key = self.cache_key(name)
        if cache is None or not self.ctx.read_cache or key is None:
            return None
        entry = cache.get(key)
        if entry is None or not entry.fresh(self.ctx.clock()):
            return None
        cached = _decode_metadata(entry)
        if cached is None:
            return None
        checked = set(entry.extra.get("pv", ()))
        if any(v not in checked for v in _provenance_targets(cached, versions)):
            return None
        return cached

    async def provenance(
        self, name: str, version: str, filename: str
    ) -> Mapping[str, Any] | Unavailable | None:
        """``GET {pypi}/integrity/{name}/{version}/{filename}/provenance`` (None when absent)."""
        norm = normalize_name("pypi", name)
        url = f"{self.base}/integrity/{norm}/{version}/{filename}/provenance"
        result = await self.fetcher.get(url, source="pypi")
        if isinstance(result, Unavailable):
            return result
        if not result.ok or not isinstance(result.data, Mapping):
            return None
        if self.ctx.recorder is not None:
            self.ctx.recorder.pypi_provenance(norm, version, filename, result.body)
        data: Mapping[str, Any] = result.data
        return data

    async def _fetch(self, name: str, versions: Sequence[str]) -> PackageMetadata | Unavailable:
        if pypi_part(name) is None:
            return Unavailable("pypi", "not a valid PyPI project name")
        json_url, simple_url = self.urls(name)
        key = f"pypi {json_url}"
        now = self.ctx.clock()
        entry = self.ctx.cache.get(key) if self.ctx.read_cache and self.ctx.cache else None
        checked: set[str] = set(entry.extra.get("pv", ())) if entry else set()
        if entry is not None and entry.fresh(now):
            cached = _decode_metadata(entry)
            if cached is not None:
                missing = [v for v in _provenance_targets(cached, versions) if v not in checked]
                if not missing:
                    return cached
                return await self._finish(key, cached, entry, versions, checked, now)
        json_val = entry.validators.get(json_url, [None, None]) if entry else [None, None]
        simple_val = entry.validators.get(simple_url, [None, None]) if entry else [None, None]
        doc_res, simple_res = await asyncio.gather(
            self.fetcher.get(json_url, source="pypi", etag=json_val[0], last_modified=json_val[1]),
            self.fetcher.get(
                simple_url,
                source="pypi",
                accept=SIMPLE_JSON,
                etag=simple_val[0],
                last_modified=simple_val[1],
            ),
        )
        if isinstance(doc_res, Unavailable):
            return doc_res
        both_304 = doc_res.not_modified and (
            isinstance(simple_res, HttpResult) and simple_res.not_modified
        )
        if entry is not None and both_304:
            cached = _decode_metadata(entry)
            if cached is not None:
                return await self._finish(key, cached, entry.touched(now), versions, checked, now)
        if doc_res.not_modified or (isinstance(simple_res, HttpResult) and simple_res.not_modified):
            # Mixed answers: the 304 document's body is not at hand; fetch both in full.
            doc_res, simple_res = await asyncio.gather(
                self.fetcher.get(json_url, source="pypi"),
                self.fetcher.get(simple_url, source="pypi", accept=SIMPLE_JSON),
            )
            if isinstance(doc_res, Unavailable):
                return doc_res
        simple_ok = isinstance(simple_res, HttpResult) and simple_res.ok
        if doc_res.missing and (not isinstance(simple_res, HttpResult) or not simple_ok):
            meta = not_found("pypi", name, json_url)
            self._store(key, CacheEntry(metadata_to_json(meta), now, TTL_NOT_FOUND))
            return meta
        if doc_res.ok and not isinstance(doc_res.data, Mapping):
            return Unavailable("pypi", "PyPI answer is not a JSON object")
        doc: Mapping[str, Any] = doc_res.data if doc_res.ok else {}
        simple: Mapping[str, Any] | None = None
        if isinstance(simple_res, HttpResult) and simple_res.ok:
            if isinstance(simple_res.data, Mapping):
                simple = simple_res.data
        elif isinstance(simple_res, Unavailable):
            self.ctx.note(
                "pypi",
                _versionless_purl("pypi", name),
                f"Simple API: {simple_res.reason}; provenance unknown",
            )
        meta = normalize_pypi(doc, simple, name=name, source_url=json_url)
        if self.ctx.recorder is not None:
            if doc_res.ok:
                self.ctx.recorder.pypi(name, doc_res.body)
            if isinstance(simple_res, HttpResult) and simple_res.ok:
                self.ctx.recorder.pypi_simple(name, simple_res.body)
        validators: dict[str, list[str | None]] = {json_url: [doc_res.etag, doc_res.last_modified]}
        if isinstance(simple_res, HttpResult) and simple_res.ok:
            validators[simple_url] = [simple_res.etag, simple_res.last_modified]
        fresh_entry = CacheEntry(
            metadata_to_json(meta), now, ttl_for(meta.modified, self.ctx.now()), validators
        )
        # A record built without the Simple API lacks provenance: do not keep it.
        cacheable = simple is not None or not isinstance(simple_res, Unavailable)
        return await self._finish(key, meta, fresh_entry, versions, set(), now, cacheable)

    async def _finish(
        self,
        key: str,
        meta: PackageMetadata,
        entry: CacheEntry,
        versions: Sequence[str],
        checked: set[str],
        now: float,
        cacheable: bool = True,
    ) -> PackageMetadata:
        targets = [v for v in _provenance_targets(meta, versions) if v not in checked]
        updates = await asyncio.gather(*(self._publisher(meta, v) for v in targets))
        changed: dict[str, VersionInfo] = {}
        for version, update in zip(targets, updates, strict=True):
            if update is not None:
                changed[version] = update
            checked.add(version)
        if changed:
            meta = replace(meta, versions={**meta.versions, **changed})
        if cacheable:
            self._store(
                key,
                replace(
                    entry,
                    payload=metadata_to_json(meta),
                    extra={**entry.extra, "pv": sorted(checked)},
                ),
            )
        return meta

    async def _publisher(self, meta: PackageMetadata, version: str) -> VersionInfo | None:
        info = meta.versions[version]
        if not info.provenance or info.publisher is not None:
            return None
        files = sorted(info.files, key=lambda f: (not f.endswith(".whl"), f))
        for filename in files[:MAX_PROVENANCE_FILES]:
            bundle = await self.provenance(meta.name, version, filename)
            if isinstance(bundle, Unavailable):
                return None
            if bundle is None:
                continue
            found = publisher_from_provenance(bundle)
            if found is not None:
                person, kind = found
                return replace(info, publisher=person, trusted_publisher=kind)
        return None

    def _store(self, key: str, entry: CacheEntry) -> None:
        if self.ctx.cache is not None:
            self.ctx.cache.put(key, entry)


# --------------------------------------------------------------------------- OSV


def _osv_ecosystem(ecosystem: str) -> str:
    return {"npm": "npm", "pypi": "PyPI"}.get(ecosystem, ecosystem)


def _batch_key(packages: Sequence[PackageId]) -> str:
    digest = hashlib.sha256("\n".join(sorted(p.purl for p in packages)).encode()).hexdigest()
    return f"osv-b {digest}"


def _query_key(pkg: PackageId) -> str:
    return f"osv-q {pkg.ecosystem} {pkg.name} {pkg.version}"


def _for_package(advisories: Sequence[Advisory], pkg: PackageId) -> list[Advisory]:
    """The affected entries of one record that are about ``pkg`` (else the first one)."""
    mine = [
        a
        for a in advisories
        if a.ecosystem == normalize_ecosystem(pkg.ecosystem)
        and a.package is not None
        and normalize_name(pkg.ecosystem, a.package) == pkg.name
    ]
    return mine[:1] if mine else list(advisories[:1])


def _placeholder(ident: str, why: str) -> Advisory:
    return Advisory(
        id=ident,
        summary=f"details unavailable ({why})",
        malicious=ident.upper().startswith("MAL-"),
    )


class OsvSource:
    """``POST /v1/querybatch`` then ``GET /v1/vulns/{id}`` for each distinct id."""

    def __init__(self, ctx: SourceContext, base: str, as_of: datetime | None = None) -> None:
        if ctx.fetcher is None:
            raise ValueError("OsvSource needs a fetcher")
        self.ctx = ctx
        self.fetcher: Fetcher = ctx.fetcher
        self.base = base.rstrip("/")
        self.as_of = as_of
        self._details = _SingleFlight()

    async def query(
        self, packages: Sequence[PackageId]
    ) -> Mapping[PackageId, tuple[Advisory, ...] | Unavailable]:
        try:
            return await self._query(packages)
        except Exception as exc:  # a bug must not take the whole run down
            reason = Unavailable("osv", f"internal error ({type(exc).__name__})")
            return dict.fromkeys(packages, reason)

    async def _query(
        self, packages: Sequence[PackageId]
    ) -> dict[PackageId, tuple[Advisory, ...] | Unavailable]:
        unique = list(dict.fromkeys(packages))
        now = self.ctx.clock()
        ids: dict[PackageId, list[tuple[str, str | None]]] = {}
        failed: dict[PackageId, Unavailable] = {}
        to_query: list[PackageId] = []
        cache = self.ctx.cache if self.ctx.read_cache else None
        # The same set of packages again (a re-run on an unchanged lockfile): one cache read.
        batch_key = _batch_key(unique)
        whole = cache.get(batch_key) if cache is not None else None
        answers = whole.extra.get("ids") if whole is not None and whole.fresh(now) else None
        for pkg in unique:
            stored = answers.get(pkg.purl) if isinstance(answers, dict) else None
            if stored is None and cache is not None:
                entry = cache.get(_query_key(pkg))
                if entry is not None and entry.fresh(now):
                    stored = entry.extra.get("ids")
            if isinstance(stored, list):
                ids[pkg] = [(str(i), m if isinstance(m, str) else None) for i, m in stored]
                continue
            to_query.append(pkg)
        for start in range(0, len(to_query), OSV_BATCH):
            chunk = to_query[start : start + OSV_BATCH]
            found, problem = await self._batch(chunk)
            for pkg in chunk:
                if pkg in found:
                    ids[pkg] = found[pkg]
                    if self.ctx.cache is not None:
                        self.ctx.cache.put(
                            _query_key(pkg),
                            CacheEntry(
                                "", now, OSV_QUERY_TTL, extra={"ids": [list(x) for x in found[pkg]]}
                            ),
                        )
                else:
                    failed[pkg] = problem or Unavailable("osv", "no answer for this package")
        if to_query and not failed and self.ctx.cache is not None:
            self.ctx.cache.put(
                batch_key,
                CacheEntry(
                    "",
                    now,
                    OSV_QUERY_TTL,
                    extra={"ids": {pkg.purl: [list(x) for x in ids[pkg]] for pkg in unique}},
                ),
            )
        wanted: dict[str, str | None] = {}
        for pairs in ids.values():
            for ident, modified in pairs:
                if ident not in wanted or (modified and not wanted[ident]):
                    wanted[ident] = modified
        details = dict(
            zip(
                wanted,
                await asyncio.gather(*(self._detail(i, m) for i, m in wanted.items())),
                strict=True,
            )
        )
        out: dict[PackageId, tuple[Advisory, ...] | Unavailable] = {}
        for pkg in unique:
            if pkg in failed:
                out[pkg] = failed[pkg]
                continue
            chosen: dict[str, Advisory] = {}
            for ident, _modified in ids.get(pkg, []):
                for adv in _for_package(details[ident], pkg):
                    chosen.setdefault(adv.id, adv)
            out[pkg] = tuple(visible_as_of(chosen.values(), self.as_of))
        return out

    async def _batch(
        self, chunk: Sequence[PackageId]
    ) -> tuple[dict[PackageId, list[tuple[str, str | None]]], Unavailable | None]:
        found: dict[PackageId, list[tuple[str, str | None]]] = {pkg: [] for pkg in chunk}
        pending: list[tuple[PackageId, str | None]] = [(pkg, None) for pkg in chunk]
        for _page in range(OSV_MAX_PAGES):
            if not pending:
                break
            queries = []
            for pkg, token in pending:
                query: dict[str, Any] = {
                    "package": {"ecosystem": _osv_ecosystem(pkg.ecosystem), "name": pkg.name},
                    "version": pkg.version,
                }
                if token:
                    query["page_token"] = token
                queries.append(query)
            result = await self.fetcher.post_json(
                f"{self.base}/v1/querybatch", {"queries": queries}, source="osv"
            )
            if isinstance(result, Unavailable):
                return {}, result
            data = result.data if result.ok else None
            results = data.get("results") if isinstance(data, Mapping) else None
            if not isinstance(results, list) or len(results) != len(pending):
                return {}, Unavailable("osv", "malformed querybatch answer")
            next_pending: list[tuple[PackageId, str | None]] = []
            for (pkg, _token), item in zip(pending, results, strict=True):
                if not isinstance(item, Mapping):
                    continue
                vulns = item.get("vulns")
                for vuln in vulns if isinstance(vulns, list) else []:
                    if isinstance(vuln, Mapping) and isinstance(vuln.get("id"), str):
                        modified = vuln.get("modified")
                        found[pkg].append(
                            (vuln["id"], modified if isinstance(modified, str) else None)
                        )
                token = item.get("next_page_token")
                if isinstance(token, str) and token:
                    next_pending.append((pkg, token))
            pending = next_pending
        return found, None

    async def _detail(self, ident: str, modified: str | None) -> list[Advisory]:
        return await self._details.run(ident, lambda: self._fetch_detail(ident, modified))

    async def _fetch_detail(self, ident: str, modified: str | None) -> list[Advisory]:
        url = f"{self.base}/v1/vulns/{quote(ident, safe='')}"
        key = f"osv-v {url}"
        now = self.ctx.clock()
        entry = self.ctx.cache.get(key) if self.ctx.read_cache and self.ctx.cache else None
        if entry is not None:
            same = modified is not None and entry.extra.get("modified") == modified
            if same or (modified is None and entry.fresh(now)):
                try:
                    return advisories_from_json(entry.payload)
                except ValueError:
                    pass
        result = await self.fetcher.get(url, source="osv")
        if isinstance(result, Unavailable):
            self.ctx.note("osv", None, f"{ident}: {result.reason}")
            return [_placeholder(ident, result.reason)]
        if not result.ok or not isinstance(result.data, Mapping):
            return [_placeholder(ident, f"HTTP {result.status}")]
        advisories = normalize_osv(result.data) or [_placeholder(ident, "malformed record")]
        if self.ctx.recorder is not None:
            self.ctx.recorder.osv(ident, result.body)
        if self.ctx.cache is not None:
            stamp = result.data.get("modified")
            self.ctx.cache.put(
                key,
                CacheEntry(
                    advisories_to_json(advisories),
                    now,
                    OSV_DETAIL_TTL,
                    extra={"modified": stamp if isinstance(stamp, str) else modified},
                ),
            )
        return advisories


# --------------------------------------------------------------------------- offline (cache only)


class CachedMetadataSource:
    """``--offline`` without a snapshot: whatever the cache holds, however old."""

    def __init__(
        self, cache: MetadataCache | None, ecosystem: str, key_for: Callable[[str], str]
    ) -> None:
        self.cache = cache
        self.ecosystem = ecosystem
        self.key_for = key_for

    async def fetch(self, name: str) -> PackageMetadata | Unavailable:
        return await self.fetch_for(name, ())

    async def fetch_for(self, name: str, versions: Sequence[str]) -> PackageMetadata | Unavailable:
        if self.cache is None:
            return Unavailable(self.ecosystem, "offline and the cache is disabled")
        entry = self.cache.get(self.key_for(name))
        if entry is not None:
            meta = _decode_metadata(entry)
            if meta is not None:
                return meta
        return Unavailable(self.ecosystem, "offline and not in the cache")


class CachedAdvisorySource:
    """``--offline`` without ``--osv-db``: cached OSV answers, however old."""

    def __init__(self, cache: MetadataCache | None, base: str, as_of: datetime | None) -> None:
        self.cache = cache
        self.base = base.rstrip("/")
        self.as_of = as_of

    async def query(
        self, packages: Sequence[PackageId]
    ) -> Mapping[PackageId, tuple[Advisory, ...] | Unavailable]:
        return self._query(packages)

    def _query(
        self, packages: Sequence[PackageId]
    ) -> dict[PackageId, tuple[Advisory, ...] | Unavailable]:
        out: dict[PackageId, tuple[Advisory, ...] | Unavailable] = {}
        miss = Unavailable("osv", "offline: no OSV database (--osv-db) and not in the cache")
        for pkg in packages:
            entry = self.cache.get(_query_key(pkg)) if self.cache else None
            stored = entry.extra.get("ids") if entry else None
            if not isinstance(stored, list):
                out[pkg] = miss
                continue
            chosen: dict[str, Advisory] = {}
            for ident, _modified in stored:
                detail = (
                    self.cache.get(f"osv-v {self.base}/v1/vulns/{ident}") if self.cache else None
                )
                try:
                    advisories = advisories_from_json(detail.payload) if detail else []
                except ValueError:
                    advisories = []
                if not advisories:
                    advisories = [_placeholder(str(ident), "offline and not in the cache")]
                for adv in _for_package(advisories, pkg):
                    chosen.setdefault(adv.id, adv)
            out[pkg] = tuple(visible_as_of(chosen.values(), self.as_of))
        return out
