"""The export writers, one module per ``--format``; ``WRITERS`` is the only table of them."""

from __future__ import annotations

from depview.remedy.writers import (
    constraints,
    npm_overrides,
    package_lock,
    pnpm_overrides,
    yarn_resolutions,
)
from depview.remedy.writers.base import Writer

__all__ = ["FORMATS", "WRITERS"]

WRITERS: dict[str, Writer] = {
    "npm-overrides": npm_overrides.write,
    "package-lock": package_lock.write,
    "yarn-resolutions": yarn_resolutions.write,
    "pnpm-overrides": pnpm_overrides.write,
    "constraints": constraints.write,
}
FORMATS: tuple[str, ...] = tuple(WRITERS)
