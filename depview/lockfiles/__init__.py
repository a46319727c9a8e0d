"""Lockfile readers: one module per format, one registry table, detection.

``READERS`` maps a format id to its reader. ``load(path, format=None)`` finds the
lockfile (a directory is searched by file name, in ``LOCKFILE_NAMES`` order),
reads it as text and hands it to the reader; every failure is a
:class:`~depview.errors.LockfileError`.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from depview.errors import LockfileError, UsageError
from depview.lockfiles.interface import LockfileReader
from depview.model import DependencyGraph

__all__ = ["LOCKFILE_NAMES", "READERS", "detect", "find_lockfile", "load"]

#: Directory search order (the contract's list; npm-shrinkwrap.json wins over
#: package-lock.json beside it, as it does for npm itself).
LOCKFILE_NAMES: tuple[str, ...] = (
    "npm-shrinkwrap.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "uv.lock",
    "poetry.lock",
    "Pipfile.lock",
    "pylock.toml",
    "pylock.*.toml",
    "requirements*.txt",
)

MAX_LOCKFILE_BYTES = 512 * 1024 * 1024


def _readers() -> dict[str, LockfileReader]:
    from depview.lockfiles import registry

    return registry.READERS


def __getattr__(name: str) -> object:
    if name == "READERS":
        return _readers()
    raise AttributeError(name)


def find_lockfile(path: Path) -> Path:
    """A lockfile path, or the first known lockfile inside a directory."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    if path.is_file():
        return path
    entries = sorted(p.name for p in path.iterdir() if p.is_file())
    for pattern in LOCKFILE_NAMES:
        for name in entries:
            if fnmatch.fnmatchcase(name, pattern):
                return path / name
    raise UsageError(f"{path}: no lockfile found (looked for {', '.join(LOCKFILE_NAMES)})")


def detect(path: Path, head: str) -> LockfileReader:
    """The reader for ``path``, by file name first and then by content."""
    readers = _readers()
    for reader in readers.values():
        if any(fnmatch.fnmatchcase(path.name, pat) for pat in reader.filenames):
            if reader.matches(path, head):
                return reader
    for reader in readers.values():
        if reader.matches(path, head):
            return reader
    raise LockfileError(str(path), "not a lockfile format depview knows (use --lockfile-format)")


def read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_LOCKFILE_BYTES:
            raise LockfileError(str(path), f"file is too large ({size} bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise LockfileError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if b"\x00" in data[:8192]:
        raise LockfileError(str(path), "binary file, not a lockfile")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LockfileError(str(path), "not valid UTF-8 text", line) from None
    return text


def load(path: Path, format: str | None = None) -> DependencyGraph:
    """Find, detect and read a lockfile into a graph."""
    lockfile = find_lockfile(path)
    text = read_text(lockfile)
    if format is not None:
        readers = _readers()
        if format not in readers:
            raise UsageError(
                f"unknown --lockfile-format {format!r} (known: {', '.join(sorted(readers))})"
            )
        reader = readers[format]
    else:
        reader = detect(lockfile, text[:4096])
    if not text.strip():
        raise LockfileError(str(lockfile), "file is empty")
    try:
        return reader.read(lockfile, text)
    except LockfileError:
        raise
    except RecursionError:
        raise LockfileError(str(lockfile), "structure is nested too deeply") from None
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        # A reader bug on hostile input must still be one line, never a traceback.
        raise LockfileError(str(lockfile), f"malformed {reader.name} file ({exc})") from None
