"""Snapshot directories (``--snapshot`` reads them, ``--record`` writes them).

Layout (the contract's)::

    SNAP/npm/<name>.json                 (scoped: SNAP/npm/@scope/pkg.json)
    SNAP/pypi/<name>.json                (PEP 503 name)
    SNAP/pypi-simple/<name>.json
    SNAP/pypi-provenance/<name>/<version>/<filename>.json
    SNAP/osv/<ID>.json

A name with no file is "not on the registry". Names come from lockfiles and
are attacker-controlled: :class:`SnapshotLayout` maps a name to a path only
when the name cannot leave its folder (no ``..``, no separators beyond an npm
scope, no absolute paths, no NUL); anything else maps to no path at all, so a
read says "not found" and a write is skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from depview.metadata import Advisory, PackageMetadata, Unavailable
from depview.model import PackageId, normalize_name
from depview.sources.npm import normalize_packument
from depview.sources.osv import AdvisoryIndex
from depview.sources.pypi import normalize_pypi

__all__ = [
    "SnapshotAdvisorySource",
    "SnapshotError",
    "SnapshotLayout",
    "SnapshotMetadataSource",
    "SnapshotStore",
    "SnapshotWriter",
    "not_found",
]

_MAX_COMPONENT = 255
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f/\\:]")
_PYPI_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_OSV_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
MAX_DOCUMENT = 64 * 1024 * 1024  # a packument larger than this is refused


class SnapshotError(Exception):
    """A snapshot file exists but cannot be used (unreadable, not JSON, not an object)."""


def _safe_component(part: str) -> bool:
    return (
        0 < len(part) <= _MAX_COMPONENT
        and part not in (".", "..")
        and not part.startswith(".")
        and _UNSAFE_CHARS.search(part) is None
    )


@lru_cache(maxsize=1 << 16)  # asked for every name, more than once per run
def npm_parts(name: str) -> tuple[str, ...] | None:
    """The path components of an npm name (``@scope/pkg`` -> two), or None if unsafe."""
    if not 0 < len(name) <= 256:
        return None
    if name.startswith("@"):
        scope, sep, bare = name.partition("/")
        parts: tuple[str, ...] = (scope, bare) if sep else ()
        if not parts or not _safe_component(scope[1:]):
            return None
    else:
        parts = (name,)
    if all(_safe_component(p) for p in parts):
        return parts
    return None


def pypi_part(name: str) -> str | None:
    """The PEP 503 file name stem of a PyPI name, or None if it is not a valid name."""
    if not 0 < len(name) <= 256:
        return None
    norm = normalize_name("pypi", name)
    return norm if _PYPI_NAME.fullmatch(norm) else None


def not_found(ecosystem: str, name: str, source_url: str | None = None) -> PackageMetadata:
    """The record of a name the registry does not know."""
    return PackageMetadata(
        ecosystem=ecosystem,
        name=normalize_name(ecosystem, name),
        versions={},
        source_url=source_url,
        not_found=True,
    )


class SnapshotLayout:
    """Name -> path in a snapshot directory, refusing every name that could escape it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _inside(self, *parts: str) -> Path | None:
        path = self.root.joinpath(*parts)
        base = os.path.normpath(self.root)
        full = os.path.normpath(path)
        if os.path.commonpath([base, full]) != base or full == base:
            return None
        return path

    def npm(self, name: str) -> Path | None:
        parts = npm_parts(name)
        if parts is None:
            return None
        return self._inside("npm", *parts[:-1], parts[-1] + ".json")

    def pypi(self, name: str) -> Path | None:
        part = pypi_part(name)
        return None if part is None else self._inside("pypi", part + ".json")

    def pypi_simple(self, name: str) -> Path | None:
        part = pypi_part(name)
        return None if part is None else self._inside("pypi-simple", part + ".json")

    def pypi_provenance_root(self, name: str) -> Path | None:
        part = pypi_part(name)
        return None if part is None else self._inside("pypi-provenance", part)

    def pypi_provenance(self, name: str, version: str, filename: str) -> Path | None:
        part = pypi_part(name)
        if part is None or not _safe_component(version) or not _safe_component(filename):
            return None
        return self._inside("pypi-provenance", part, version, filename + ".json")

    def osv(self, ident: str) -> Path | None:
        if not _OSV_ID.fullmatch(ident) or ".." in ident:
            return None
        return self._inside("osv", ident + ".json")


def _load(path: Path | None) -> Any:
    """The parsed JSON at ``path``; None when there is no such file; SnapshotError if unusable."""
    if path is None:
        return None
    try:
        if not path.is_file():
            return None
        if path.stat().st_size > MAX_DOCUMENT:
            raise SnapshotError(f"{path.name}: larger than {MAX_DOCUMENT // (1024 * 1024)} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{path.name}: cannot read: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SnapshotError(f"{path.name}: not valid JSON") from None
    if not isinstance(doc, Mapping):
        raise SnapshotError(f"{path.name}: not a JSON object")
    return doc


class SnapshotStore:
    """Read access to a snapshot directory's raw documents."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.layout = SnapshotLayout(self.root)

    def npm(self, name: str) -> Mapping[str, Any] | None:
        doc: Mapping[str, Any] | None = _load(self.layout.npm(name))
        return doc

    def pypi(self, name: str) -> Mapping[str, Any] | None:
        doc: Mapping[str, Any] | None = _load(self.layout.pypi(name))
        return doc

    def pypi_simple(self, name: str) -> Mapping[str, Any] | None:
        doc: Mapping[str, Any] | None = _load(self.layout.pypi_simple(name))
        return doc

    def pypi_provenance(self, name: str) -> dict[str, Mapping[str, Any]]:
        """Every recorded provenance object of ``name``, by file name (unusable ones skipped)."""
        root = self.layout.pypi_provenance_root(name)
        out: dict[str, Mapping[str, Any]] = {}
        if root is None or not root.is_dir():
            return out
        for version_dir in sorted(root.iterdir()):
            if not version_dir.is_dir():
                continue
            for file in sorted(version_dir.glob("*.json")):
                try:
                    doc = _load(file)
                except SnapshotError:
                    continue
                if doc is not None:
                    out[file.name[: -len(".json")]] = doc
        return out

    def osv(self, ident: str) -> Mapping[str, Any] | None:
        doc: Mapping[str, Any] | None = _load(self.layout.osv(ident))
        return doc

    def osv_documents(self) -> Iterator[Mapping[str, Any]]:
        """Every usable OSV record under ``osv/`` (unreadable files are skipped)."""
        folder = self.root / "osv"
        if not folder.is_dir():
            return
        for file in sorted(folder.rglob("*.json")):
            try:
                doc = _load(file)
            except SnapshotError:
                continue
            if doc is not None:
                yield doc

    def metadata(self, ecosystem: str, name: str) -> PackageMetadata | Unavailable:
        """The normalised record of ``name`` (``not_found`` when there is no file)."""
        if ecosystem == "npm" and self.layout.npm(name) is None:
            return Unavailable("npm", "not a valid npm package name")
        if ecosystem == "pypi" and self.layout.pypi(name) is None:
            return Unavailable("pypi", "not a valid PyPI project name")
        try:
            if ecosystem == "npm":
                doc = self.npm(name)
                if doc is None:
                    return not_found("npm", name)
                return normalize_packument(doc, name=name)
            if ecosystem == "pypi":
                doc = self.pypi(name)
                simple = self.pypi_simple(name)
                if doc is None and simple is None:
                    return not_found("pypi", name)
                return normalize_pypi(doc or {}, simple, self.pypi_provenance(name), name=name)
        except SnapshotError as exc:
            return Unavailable(ecosystem, f"snapshot: {exc}")
        return Unavailable(ecosystem, f"snapshot: unsupported ecosystem {ecosystem!r}")


class SnapshotMetadataSource:
    """:class:`~depview.sources.interface.MetadataSource` over a snapshot directory."""

    def __init__(self, store: SnapshotStore, ecosystem: str) -> None:
        self.store = store
        self.ecosystem = ecosystem

    async def fetch(self, name: str) -> PackageMetadata | Unavailable:
        return await asyncio.to_thread(self.store.metadata, self.ecosystem, name)


class SnapshotAdvisorySource:
    """:class:`~depview.sources.interface.AdvisorySource` matching ``osv/`` records locally.

    Advisories published after ``as_of`` are invisible; withdrawn ones are dropped.
    """

    def __init__(self, store: SnapshotStore, as_of: datetime | None = None) -> None:
        self.store = store
        self.as_of = as_of
        self._index: AdvisoryIndex | None = None

    def index(self) -> AdvisoryIndex:
        if self._index is None:
            index = AdvisoryIndex()
            for doc in self.store.osv_documents():
                index.add_document(doc)
            self._index = index
        return self._index

    async def query(
        self, packages: Sequence[PackageId]
    ) -> Mapping[PackageId, tuple[Advisory, ...] | Unavailable]:
        index = await asyncio.to_thread(self.index)
        return {
            pkg: index.lookup(pkg.ecosystem, pkg.name, pkg.version, self.as_of) for pkg in packages
        }


class SnapshotWriter:
    """``--record``: writes raw documents into the snapshot layout, atomically.

    Each write goes to a temporary file in the target folder, then ``os.replace``.
    A name that could escape the folder is skipped (returns False).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.layout = SnapshotLayout(self.root)

    @staticmethod
    def _write(path: Path | None, body: bytes) -> bool:
        if path is None:
            return False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rec-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(body)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            return False
        return True

    def npm(self, name: str, body: bytes) -> bool:
        return self._write(self.layout.npm(name), body)

    def pypi(self, name: str, body: bytes) -> bool:
        return self._write(self.layout.pypi(name), body)

    def pypi_simple(self, name: str, body: bytes) -> bool:
        return self._write(self.layout.pypi_simple(name), body)

    def pypi_provenance(self, name: str, version: str, filename: str, body: bytes) -> bool:
        return self._write(self.layout.pypi_provenance(name, version, filename), body)

    def osv(self, ident: str, body: bytes) -> bool:
        return self._write(self.layout.osv(ident), body)

    def osv_many(self, docs: Sequence[tuple[str, bytes]]) -> int:
        return sum(self.osv(ident, body) for ident, body in docs)
