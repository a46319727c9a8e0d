"""The metadata cache: normalised, trimmed records on disk (diskcache / SQLite).

What is stored is never a raw registry document, only the compact JSON of the
normalised record (``depview.sources.serial``), zlib-compressed, with the
validators (``ETag``/``Last-Modified``) of the documents it came from. Keys are
request URLs (credentials travel in headers, never in URLs, so no key holds a
token).

Freshness: a record whose package changed in the last 7 days is fresh for 10
minutes, any other for 24 hours; after that it is revalidated with
``If-None-Match``/``If-Modified-Since`` and a 304 makes it fresh again.

diskcache uses SQLite with its own locking, so two processes may share one
directory. A cache that cannot be opened or read (corrupt file, wrong schema)
is deleted and rebuilt; if even that fails the run continues without a cache.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import diskcache  # type: ignore[import-untyped,unused-ignore]
import platformdirs

from depview.config import Settings

__all__ = [
    "CacheEntry",
    "MetadataCache",
    "default_cache_dir",
    "ttl_for",
]

KEY_PREFIX = "depview/3 "  # bumped with the record format (serial.FORMAT)
RECENT = timedelta(days=7)
TTL_RECENT = 10 * 60.0
TTL_DEFAULT = 24 * 60 * 60.0
TTL_NOT_FOUND = 10 * 60.0
SIZE_LIMIT = 2 * 1024**3
FLUSH_EVERY = 256
SMALL_ENTRY = 512  # bytes: smaller entries are stored uncompressed
PRELOAD_CHUNK = 500  # keys per bulk read (SQLite allows 999 parameters in old builds)


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("depview", appauthor=False)) / "metadata"


def ttl_for(modified: datetime | None, now: datetime) -> float:
    """10 minutes for a package changed in the last 7 days (or of unknown age), else 24 hours."""
    if modified is None or now - modified < RECENT:
        return TTL_RECENT
    return TTL_DEFAULT


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One cached record: the normalised payload plus what is needed to revalidate it."""

    payload: str  # compact JSON written by depview.sources.serial
    stored_at: float  # time.time() of the last fetch or 304
    ttl: float
    validators: dict[str, list[str | None]] = field(default_factory=dict)  # url -> [etag, lm]
    extra: dict[str, Any] = field(default_factory=dict)

    def fresh(self, now: float) -> bool:
        return 0 <= now - self.stored_at < self.ttl

    def touched(self, now: float) -> CacheEntry:
        return replace(self, stored_at=now)

    def encode(self) -> bytes:
        # Header (JSON, one line) + newline + payload: the payload is parsed once, by its reader.
        # zlib-compressed, except small entries (an OSV answer): starting a deflate stream
        # costs more than such an entry saves. A JSON header starts with "{", zlib with 0x78.
        header = {"at": self.stored_at, "ttl": self.ttl, "val": self.validators, "x": self.extra}
        data = (json.dumps(header, separators=(",", ":")) + "\n" + self.payload).encode("utf-8")
        return data if len(data) < SMALL_ENTRY else zlib.compress(data, 6)

    @classmethod
    def decode(cls, blob: Any) -> CacheEntry:
        if not isinstance(blob, bytes):
            raise ValueError("not a cache blob")
        try:
            text = (blob if blob[:1] == b"{" else zlib.decompress(blob)).decode("utf-8")
            head, sep, payload = text.partition("\n")
            header = json.loads(head)
        except (zlib.error, ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"corrupt entry: {exc}") from None
        if not sep or not isinstance(header, dict):
            raise ValueError("corrupt entry")
        validators = header.get("val") or {}
        extra = header.get("x") or {}
        if not isinstance(validators, dict) or not isinstance(extra, dict):
            raise ValueError("corrupt entry")
        return cls(
            payload=payload,
            stored_at=float(header["at"]),
            ttl=float(header["ttl"]),
            validators=validators,
            extra=extra,
        )


def _read_many(cache: Any, keys: list[str]) -> dict[str, bytes]:
    """The stored values of ``keys`` (those present and unexpired) in one query.

    diskcache has no bulk read: this is its ``Cache.get`` for many keys at once, the
    same query on its ``Cache`` table (``key``, ``raw``, ``expire_time``, ``mode``,
    ``filename``, ``value``) and its own ``Disk.fetch`` to turn a row into the value
    (large values live in files). Private parts of diskcache: the caller treats any
    failure as "not preloaded" and reads one by one.
    """
    marks = ",".join("?" * len(keys))
    rows = cache._sql(
        "SELECT key, mode, filename, value FROM Cache"
        f" WHERE raw = 1 AND key IN ({marks}) AND (expire_time IS NULL OR expire_time > ?)",
        (*keys, time.time()),
    ).fetchall()
    out: dict[str, bytes] = {}
    for key, mode, filename, value in rows:
        blob = cache._disk.fetch(mode, filename, value, False)
        if isinstance(blob, bytes):
            out[key] = blob
    return out


def _write_batch(cache: Any, batch: dict[str, CacheEntry]) -> BaseException | None:
    """Encode ``batch`` and store it in one transaction (in the writer thread)."""
    try:
        blobs = [(key, entry.encode()) for key, entry in batch.items()]
        with cache.transact():  # held only for the SQLite writes, not the compressing
            for key, blob in blobs:
                cache.set(key, blob)
    except (sqlite3.Error, OSError, ValueError, diskcache.Timeout) as exc:
        return exc
    return None


def _close_quietly(cache: Any) -> None:
    try:
        cache.close()  # closes the calling thread's connection
    except (sqlite3.Error, OSError):
        pass


class MetadataCache:
    """A process-safe key -> :class:`CacheEntry` store. Every failure is a miss, never fatal."""

    def __init__(self, directory: Path, clock: Callable[[], float] = time.time) -> None:
        self.directory = Path(directory)
        self.clock = clock
        self.problem: str | None = None  # set when the cache had to be rebuilt or disabled
        # Writes are batched, FLUSH_EVERY records a transaction, and written by one
        # background thread (compressing and SQLite release the GIL, so a cold run's
        # parsing goes on meanwhile). Until a record is on disk, get answers from memory.
        self._pending: dict[str, CacheEntry] = {}  # not yet handed to the writer
        self._writing: dict[str, CacheEntry] = {}  # being written
        self._writer: ThreadPoolExecutor | None = None
        self._write: Future[BaseException | None] | None = None
        # Records read ahead in bulk (preload), each handed out once by get.
        self._preloaded: dict[str, bytes] = {}
        self._cache: Any = self._open()

    @classmethod
    def for_settings(cls, settings: Settings) -> MetadataCache | None:
        if settings.no_cache:
            return None
        return cls(settings.cache_dir or default_cache_dir())

    def _open(self) -> Any:
        for attempt in range(2):
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                cache = diskcache.Cache(
                    str(self.directory),
                    size_limit=SIZE_LIMIT,
                    eviction_policy="least-recently-stored",
                    cull_limit=0,  # no eviction work on every write; culled once at close
                    timeout=30,
                )
                cache.get(KEY_PREFIX + "probe")  # touch the database once
                return cache
            except (sqlite3.Error, OSError, ValueError) as exc:
                if attempt == 0:
                    self.problem = f"cache at {self.directory} was unreadable and was rebuilt"
                    self._wipe()
                else:
                    self.problem = f"cache disabled: {exc}"
        return None

    def _wipe(self) -> None:
        try:
            for child in self.directory.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        except OSError:
            pass

    @property
    def enabled(self) -> bool:
        return self._cache is not None

    def preload(self, keys: Iterable[str]) -> None:
        """Read many records ahead, in a few queries: a warm run reads thousands at once.

        Each preloaded record is handed out once by :meth:`get` (later reads go to disk).
        Best effort: anything unexpected leaves the records to be read one by one.
        """
        if self._cache is None:
            return
        wanted = [KEY_PREFIX + key for key in keys]
        try:
            for start in range(0, len(wanted), PRELOAD_CHUNK):
                self._preloaded.update(
                    _read_many(self._cache, wanted[start : start + PRELOAD_CHUNK])
                )
        except (sqlite3.Error, OSError, ValueError, AttributeError, TypeError):
            self._preloaded = {}

    def get(self, key: str) -> CacheEntry | None:
        if self._cache is None:
            return None
        full = KEY_PREFIX + key
        written = self._pending.get(full) or self._writing.get(full)
        if written is not None:
            return written
        try:
            blob = self._preloaded.pop(full, None) or self._cache.get(full)
        except (sqlite3.Error, OSError, ValueError):
            self._recover()
            return None
        if blob is None:
            return None
        try:
            return CacheEntry.decode(blob)
        except (ValueError, KeyError, TypeError):
            self.delete(key)
            return None

    def put(self, key: str, entry: CacheEntry) -> None:
        if self._cache is None:
            return
        self._preloaded.pop(KEY_PREFIX + key, None)
        self._pending[KEY_PREFIX + key] = entry
        if len(self._pending) >= FLUSH_EVERY:
            self._hand_off()

    def flush(self) -> None:
        """Write every record put so far, and wait until they are on disk."""
        self._hand_off()
        self._settle()

    def _hand_off(self) -> None:
        """Give the pending records to the writer thread (after the batch before them)."""
        self._settle()
        if self._cache is None or not self._pending:
            return
        batch, self._pending = self._pending, {}
        self._writing = batch
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="depview-cache")
        self._write = self._writer.submit(_write_batch, self._cache, batch)

    def _settle(self) -> None:
        """Wait for the batch being written; a failed write rebuilds the cache."""
        write, self._write = self._write, None
        if write is None:
            return
        failure = write.result()
        self._writing = {}
        if isinstance(failure, diskcache.Timeout):
            return  # another process held the database too long: those records are lost
        if failure is not None:
            self._recover()

    def _close_writer_connection(self) -> None:
        """Close the writer thread's own SQLite connection (diskcache keeps one per thread)."""
        if self._writer is not None and self._cache is not None:
            self._writer.submit(_close_quietly, self._cache).result()

    def delete(self, key: str) -> None:
        self._pending.pop(KEY_PREFIX + key, None)
        self._preloaded.pop(KEY_PREFIX + key, None)
        if KEY_PREFIX + key in self._writing:
            self._settle()
        if self._cache is None:
            return
        try:
            self._cache.delete(KEY_PREFIX + key)
        except (sqlite3.Error, OSError, ValueError):
            pass

    def _recover(self) -> None:
        """A read or write failed mid-run: rebuild once, else stop using the cache."""
        write, self._write = self._write, None
        if write is not None:
            write.result()  # never close the database under the writer
        self._pending = {}
        self._writing = {}
        self._preloaded = {}
        if self._cache is not None:
            self._close_writer_connection()
            try:
                self._cache.close()
            except (sqlite3.Error, OSError):
                pass
            self._cache = None
        if self.problem is None:
            self.problem = f"cache at {self.directory} was unreadable and was rebuilt"
            self._wipe()
            self._cache = self._open()
        else:
            self._cache = None

    def volume(self) -> int:
        """Bytes on disk (for the benchmark and diagnostics)."""
        total = 0
        try:
            for path in self.directory.rglob("*"):
                if path.is_file():
                    total += path.stat().st_size
        except OSError:
            pass
        return total

    def close(self) -> None:
        if self._cache is not None:
            self.flush()
        if self._writer is not None:
            self._close_writer_connection()
            self._writer.shutdown()
            self._writer = None
        if self._cache is not None:
            try:
                self._cache.cull()
            except (sqlite3.Error, OSError, ValueError):
                pass
            try:
                self._cache.close()
            except (sqlite3.Error, OSError):
                pass
            self._cache = None
