"""The offline OSV database (``--osv-db``): a zip or a directory of OSV JSON records.

Accepted shapes: OSV's per-ecosystem ``all.zip`` (``<ID>.json`` members), a zip
holding such zips (one level), a directory of ``*.json`` records, or a directory
holding ``<Ecosystem>/all.zip`` files. Zip members are read in memory and their
names never become paths (no zip-slip); members larger than 16 MiB are skipped.

Only records that name one of the wanted packages are parsed in full, so a
large database costs one pass over its bytes.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from depview.metadata import Advisory, Unavailable
from depview.model import PackageId, normalize_name
from depview.sources.osv import AdvisoryIndex, normalize_ecosystem

__all__ = ["OsvDatabase", "OsvDatabaseError", "OsvDatabaseSource"]

MAX_MEMBER = 16 * 1024 * 1024
MAX_NESTED_ZIP = 1024 * 1024 * 1024
_NAME = re.compile(rb'"name"\s*:\s*"((?:[^"\\]|\\.){1,512})"')


class OsvDatabaseError(Exception):
    """The database path cannot be read at all."""


def _names_in(raw: bytes) -> set[str]:
    out: set[str] = set()
    for match in _NAME.finditer(raw):
        try:
            out.add(json.loads(b'"' + match.group(1) + b'"'))
        except ValueError:
            continue
    return out


class OsvDatabase:
    """Lazy loader over an OSV database path."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.skipped = 0  # unreadable members / files

    def _zip_members(self, archive: zipfile.ZipFile, depth: int) -> Iterator[bytes]:
        for info in archive.infolist():
            if info.is_dir():
                continue
            lower = info.filename.lower()
            if lower.endswith(".json"):
                if info.file_size > MAX_MEMBER:
                    self.skipped += 1
                    continue
                try:
                    yield archive.read(info)
                except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
                    self.skipped += 1
            elif lower.endswith(".zip") and depth == 0:
                if info.file_size > MAX_NESTED_ZIP:
                    self.skipped += 1
                    continue
                try:
                    inner = zipfile.ZipFile(io.BytesIO(archive.read(info)))
                except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
                    self.skipped += 1
                    continue
                with inner:
                    yield from self._zip_members(inner, depth + 1)

    def _zip_file(self, path: Path) -> Iterator[bytes]:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            if path == self.path:
                raise OsvDatabaseError(f"{path}: not a readable zip ({exc})") from None
            self.skipped += 1
            return
        with archive:
            yield from self._zip_members(archive, 0)

    def documents(self) -> Iterator[bytes]:
        """Raw bytes of every record (order: as stored)."""
        path = self.path
        if path.is_file():
            yield from self._zip_file(path)
            return
        if not path.is_dir():
            raise OsvDatabaseError(f"{path}: no such file or directory")
        for file in sorted(path.rglob("*")):
            if not file.is_file():
                continue
            suffix = file.suffix.lower()
            if suffix == ".json":
                try:
                    if file.stat().st_size > MAX_MEMBER:
                        self.skipped += 1
                        continue
                    yield file.read_bytes()
                except OSError:
                    self.skipped += 1
            elif suffix == ".zip":
                yield from self._zip_file(file)

    def load(self, wanted: Iterable[tuple[str, str]] | None = None) -> AdvisoryIndex:
        """An index of the records naming a wanted (ecosystem, name) (all when None)."""
        names: set[str] | None = None
        if wanted is not None:
            wanted_set = {(e, normalize_name(e, n)) for e, n in wanted}
            names = {n for _, n in wanted_set}
        index = AdvisoryIndex()
        for raw in self.documents():
            if names is not None:
                # Cheap pre-filter on the bytes before a full parse.
                found = {normalize_name("pypi", n) for n in _names_in(raw)} | _names_in(raw)
                if not found & names:
                    continue
            try:
                doc: Any = json.loads(raw)
            except (ValueError, UnicodeDecodeError, RecursionError):
                self.skipped += 1
                continue
            if isinstance(doc, Mapping):
                index.add_document(doc)
        return index


class OsvDatabaseSource:
    """:class:`~depview.sources.interface.AdvisorySource` over an offline OSV database."""

    def __init__(self, database: OsvDatabase, as_of: datetime | None = None) -> None:
        self.database = database
        self.as_of = as_of
        self._index: AdvisoryIndex | None = None
        self._loaded_for: set[tuple[str, str]] = set()

    def _ensure(self, wanted: set[tuple[str, str]]) -> AdvisoryIndex:
        if self._index is None or not wanted <= self._loaded_for:
            self._loaded_for |= wanted
            self._index = self.database.load(self._loaded_for)
        return self._index

    async def query(
        self, packages: Sequence[PackageId]
    ) -> Mapping[PackageId, tuple[Advisory, ...] | Unavailable]:
        wanted = {(normalize_ecosystem(p.ecosystem) or p.ecosystem, p.name) for p in packages}
        try:
            index = await asyncio.to_thread(self._ensure, wanted)
        except OsvDatabaseError as exc:
            reason = f"OSV database: {exc}"
            return {pkg: Unavailable("osv", reason) for pkg in packages}
        return {
            pkg: index.lookup(pkg.ecosystem, pkg.name, pkg.version, self.as_of) for pkg in packages
        }
