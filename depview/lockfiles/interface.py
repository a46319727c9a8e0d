"""The one seam every lockfile format implements."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Protocol

from depview.model import DependencyGraph

__all__ = ["LockfileReader"]


class LockfileReader(Protocol):
    """Reads one lockfile format into a :class:`DependencyGraph`.

    ``name`` is the stable format id used by ``--lockfile-format`` (for example
    ``npm-package-lock``). ``matches`` decides from the file name, and where the
    name is ambiguous from the first bytes of ``text``. ``read`` raises
    :class:`depview.errors.LockfileError` (with the line where known) for any
    malformed, truncated or schema-violating input and never anything else.
    """

    name: ClassVar[str]
    ecosystem: ClassVar[str]
    filenames: ClassVar[tuple[str, ...]]  # exact names or fnmatch patterns

    def matches(self, path: Path, head: str) -> bool: ...

    def read(self, path: Path, text: str) -> DependencyGraph: ...
