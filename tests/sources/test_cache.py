"""The metadata cache: warm runs, revalidation, concurrency and corruption."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from depview.config import Settings
from depview.metadata import PackageMetadata
from depview.sources import cache as cache_module
from depview.sources import clients
from depview.sources.cache import CacheEntry, MetadataCache, ttl_for
from tests.registry_server import RegistryServer
from tests.sources.harness import locked_packages, run_sources, settings_for
from tests.sources.helpers import SNAPSHOT


def _same_metadata(a: object, b: object) -> bool:
    return isinstance(a, PackageMetadata) and a == b


async def test_warm_cache_makes_no_requests(
    server: RegistryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(server, tmp_path)
    cold = await run_sources(settings)
    assert server.count() > 0 and cold.errors == []
    server.reset_counts()
    read_in_bulk: list[str] = []
    original = cache_module._read_many

    def counting(cache: object, keys: list[str]) -> dict[str, bytes]:
        found = original(cache, keys)
        read_in_bulk.extend(found)
        return found

    monkeypatch.setattr(cache_module, "_read_many", counting)
    warm = await run_sources(settings)
    assert server.count() == 0
    # Every npm and PyPI record of the warm run came from the bulk read.
    names = {name for ecosystem, name in cold.metadata if ecosystem in ("npm", "pypi")}
    assert len(read_in_bulk) == len(names) > 0
    assert warm.metadata.keys() == cold.metadata.keys()
    assert all(_same_metadata(warm.metadata[k], cold.metadata[k]) for k in cold.metadata)
    assert warm.advisories == cold.advisories


async def test_stale_entries_are_revalidated_with_304(
    server: RegistryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "TTL_RECENT", 0.0)
    monkeypatch.setattr(cache_module, "TTL_DEFAULT", 0.0)
    monkeypatch.setattr(clients, "OSV_QUERY_TTL", 0.0)
    settings = settings_for(server, tmp_path)
    cold = await run_sources(settings)
    server.reset_counts()
    warm = await run_sources(settings)
    log = server.log
    registry = [(m, p, s) for m, p, s in log if not p.startswith(("/v1/", "/integrity/"))]
    assert registry and all(status == 304 for _m, _p, status in registry)
    # OSV: the batch is asked again, but unchanged records are not fetched again.
    assert server.count("/v1/querybatch") == 1
    assert not [p for _m, p, _s in log if p.startswith("/v1/vulns/")]
    assert all(_same_metadata(warm.metadata[k], cold.metadata[k]) for k in cold.metadata)
    assert warm.advisories == cold.advisories


def test_ttl_policy() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 4, 1, tzinfo=UTC)
    assert ttl_for(now - timedelta(days=1), now) == 600
    assert ttl_for(now - timedelta(days=30), now) == 24 * 3600
    assert ttl_for(None, now) == 600


def test_entries_hold_no_raw_documents_and_are_small(tmp_path: Path) -> None:
    cache = MetadataCache(tmp_path)
    cache.put("k", CacheEntry('{"x":1}', 1.0, 60.0, {"u": ["e", None]}))
    entry = cache.get("k")
    assert (
        entry is not None and entry.payload == '{"x":1}' and entry.validators == {"u": ["e", None]}
    )
    assert entry.fresh(30.0) and not entry.fresh(100.0)
    cache.close()


def _worker(settings: Settings, queue: multiprocessing.Queue[object]) -> None:
    result = asyncio.run(run_sources(settings))
    ok = sum(isinstance(v, PackageMetadata) for v in result.metadata.values())
    queue.put((ok, len(result.errors)))


@pytest.mark.slow
async def test_two_processes_share_one_cache(server: RegistryServer, tmp_path: Path) -> None:
    settings = settings_for(server, tmp_path)
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[object] = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(settings, queue)) for _ in range(2)]
    for proc in procs:
        proc.start()
    outcomes = [await asyncio.to_thread(queue.get, True, 60) for _ in procs]
    for proc in procs:
        await asyncio.to_thread(proc.join, 30)
        assert proc.exitcode == 0
    expected = len({(p.ecosystem, p.name) for p in locked_packages()})
    assert outcomes == [(expected, 0), (expected, 0)]
    server.reset_counts()
    warm = await run_sources(settings)
    assert server.count() == 0 and warm.errors == []


async def test_corrupt_cache_is_rebuilt(server: RegistryServer, tmp_path: Path) -> None:
    settings = settings_for(server, tmp_path)
    await run_sources(settings)
    database = tmp_path / "cache" / "cache.db"
    assert database.is_file()
    database.write_bytes(b"this is not a database" * 100)
    for extra in ("cache.db-wal", "cache.db-shm"):
        (tmp_path / "cache" / extra).unlink(missing_ok=True)
    server.reset_counts()
    again = await run_sources(settings)
    assert server.count() > 0  # refetched
    assert all(isinstance(v, PackageMetadata) for v in again.metadata.values())
    assert [e.source for e in again.errors] == ["cache"]
    server.reset_counts()
    third = await run_sources(settings)
    assert server.count() == 0 and third.errors == []


def test_garbage_entry_is_a_miss(tmp_path: Path) -> None:
    cache = MetadataCache(tmp_path)
    cache._cache.set(cache_module.KEY_PREFIX + "bad", b"\x00garbage")
    assert cache.get("bad") is None
    cache.close()


def test_unusable_cache_directory_disables_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = MetadataCache(blocker / "sub")
    assert not cache.enabled and cache.problem
    assert cache.get("x") is None
    cache.put("x", CacheEntry("{}", 0, 1))  # no exception


async def test_no_cache_writes_nothing(server: RegistryServer, tmp_path: Path) -> None:
    settings = settings_for(server, tmp_path, no_cache=True)
    await run_sources(settings)
    assert not (tmp_path / "cache").exists()


async def test_records_are_not_served_from_cache_when_recording(
    server: RegistryServer, tmp_path: Path
) -> None:
    settings = settings_for(server, tmp_path)
    await run_sources(settings)
    server.reset_counts()
    record = tmp_path / "rec"
    await run_sources(replace(settings, record=record))
    assert server.count() > 0
    assert (record / "npm" / "axios.json").read_bytes() == (
        SNAPSHOT / "npm" / "axios.json"
    ).read_bytes()
    assert (record / "npm" / "@nodelib" / "fs.stat.json").is_file()
    assert (record / "osv" / "MAL-2026-2307.json").is_file()
    assert (record / "pypi" / "tinylib.json").is_file()
    assert (record / "pypi-simple" / "tinylib.json").is_file()
    assert (
        record / "pypi-provenance" / "tinylib" / "1.1.0" / "tinylib-1.1.0-py3-none-any.whl.json"
    ).is_file()


@pytest.mark.parametrize("payload", ["", "x" * 5_000])
def test_entries_round_trip_small_uncompressed_and_large_compressed(payload: str) -> None:
    entry = CacheEntry(payload, 12.5, 60.0, {"u": ["e", None]}, {"ids": [["GHSA-1", None]]})
    blob = entry.encode()
    assert blob.startswith(b"{") == (len(payload) < cache_module.SMALL_ENTRY)
    assert CacheEntry.decode(blob) == entry
    with pytest.raises(ValueError):
        CacheEntry.decode(blob[: len(blob) // 2])


def test_preload_reads_many_records_each_handed_out_once(tmp_path: Path) -> None:
    cache = MetadataCache(tmp_path)
    random_text = "".join(f"{i * 7919 % 104729:x}" for i in range(40_000))  # compresses poorly
    entries = {
        "small": CacheEntry("{}", 1.0, 60.0),
        "large": CacheEntry(random_text, 2.0, 60.0),  # > diskcache's 32 KB: kept in a file
        **{f"k{i}": CacheEntry(f'"{i}"', 3.0, 60.0) for i in range(1200)},  # > one query
    }
    for key, entry in entries.items():
        cache.put(key, entry)
    cache.close()
    assert any(p.suffix == ".val" for p in tmp_path.rglob("*"))

    cache = MetadataCache(tmp_path)
    cache.preload([*entries, "absent"])
    assert len(cache._preloaded) == len(entries)
    assert all(cache.get(key) == entry for key, entry in entries.items())
    assert cache._preloaded == {}  # handed out once; later reads go to disk
    assert cache.get("large") == entries["large"] and cache.get("absent") is None
    cache.close()


def test_a_record_written_after_preload_wins(tmp_path: Path) -> None:
    cache = MetadataCache(tmp_path)
    cache.put("k", CacheEntry('"old"', 1.0, 60.0))
    cache.flush()
    cache.preload(["k"])
    cache.put("k", CacheEntry('"new"', 2.0, 60.0))
    cache.flush()
    entry = cache.get("k")
    assert entry is not None and entry.payload == '"new"'
    cache.close()


def test_preload_failure_leaves_records_to_be_read_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = MetadataCache(tmp_path)
    cache.put("k", CacheEntry('"v"', 1.0, 60.0))
    cache.flush()

    def broken(*args: object) -> dict[str, bytes]:
        raise AttributeError("diskcache changed")

    monkeypatch.setattr(cache_module, "_read_many", broken)
    cache.preload(["k"])
    entry = cache.get("k")
    assert entry is not None and entry.payload == '"v"'
    cache.close()


def _writer_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("depview-cache")]


def test_records_are_written_in_the_background_and_readable_meanwhile(tmp_path: Path) -> None:
    cache = MetadataCache(tmp_path)
    entries = {
        f"k{i}": CacheEntry(f'"{i}"', 1.0, 60.0) for i in range(cache_module.FLUSH_EVERY + 5)
    }
    for key, entry in entries.items():
        cache.put(key, entry)
    assert _writer_threads()  # the first full batch went to the writer
    assert all(cache.get(key) == entry for key, entry in entries.items())
    cache.close()
    assert not _writer_threads()  # close waits for the writer and stops it

    again = MetadataCache(tmp_path)
    assert all(again.get(key) == entry for key, entry in entries.items())
    again.close()


def test_a_failed_background_write_rebuilds_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(cache: object, batch: object) -> BaseException:
        return sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(cache_module, "_write_batch", failing)
    cache = MetadataCache(tmp_path)
    cache.put("k", CacheEntry('"v"', 1.0, 60.0))
    cache.flush()  # no exception: the failure is reported as a problem
    assert cache.problem is not None and "rebuilt" in cache.problem
    assert cache.enabled and cache.get("k") is None
    cache.close()
