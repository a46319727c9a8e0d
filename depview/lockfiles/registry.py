"""The table of lockfile readers, in detection order (the only place formats are listed)."""

from __future__ import annotations

from depview.lockfiles import package_lock, pipfile, pnpm, poetry, pylock, requirements, uv, yarn
from depview.lockfiles.interface import LockfileReader

__all__ = ["READERS"]

#: Format id -> reader; dict order is the detection order.
READERS: dict[str, LockfileReader] = {
    reader.name: reader
    for module in (package_lock, yarn, pnpm, uv, poetry, pipfile, pylock, requirements)
    for reader in module.READERS
}
