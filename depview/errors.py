"""Errors depview reports to users.

    DepviewError                  one clear line for the user; exit status 2
    ├── UsageError                bad command line or configuration
    └── LockfileError             a lockfile that cannot be read (names file and line)

Registry and advisory failures are *not* exceptions: a package whose data could
not be had becomes data (``metadata-unavailable``), see ``depview.sources``.
"""

from __future__ import annotations

__all__ = ["DepviewError", "LockfileError", "UsageError"]


class DepviewError(Exception):
    """An error with a one-line message meant for the user."""

    def one_line(self) -> str:
        return " ".join(str(self).split())


class UsageError(DepviewError):
    """The command line or configuration is wrong."""


class LockfileError(DepviewError):
    """A lockfile is malformed, truncated, of the wrong format or violates its schema."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")
