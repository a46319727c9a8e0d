"""``yarn-resolutions``: the ``resolutions`` block of package.json (yarn 1 and yarn berry).

Everywhere: ``"name"`` (berry) or ``"**/name"`` (yarn 1); under one dependent:
``"parent/name"`` (berry keys a dependent with several versions as
``"parent@npm:1.2.3/name"``). A direct dependency's range becomes the exact
version in the manifest that declares it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from depview.model import DependencyGraph
from depview.remedy.model import FileChange, Plan
from depview.remedy.writers._overrides import OverrideFormat, Rule, flat_block
from depview.remedy.writers.base import MetadataMap

__all__ = ["is_berry", "write"]

_FORMAT = OverrideFormat("yarn-resolutions", "npm/yarn", ("resolutions",), "yarn install")


def is_berry(lockfile: Path) -> bool:
    """yarn 2+ ("berry") rather than yarn 1: its lockfile has ``__metadata``."""
    if lockfile.name != "yarn.lock":
        return (lockfile.parent / ".yarnrc.yml").is_file()
    try:
        with lockfile.open("r", encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return "__metadata:" in head


def _berry_key(rule: Rule) -> str:
    return rule.name if rule.parent is None else f"{rule.parent_key('@npm:')}/{rule.name}"


def _classic_key(rule: Rule) -> str:
    return f"**/{rule.name}" if rule.parent is None else f"{rule.parent.name}/{rule.name}"


def write(
    plan: Plan, graph: DependencyGraph, lockfile: Path, metadata: MetadataMap
) -> list[FileChange]:
    def block(rules: list[Rule]) -> dict[str, Any]:
        return flat_block(rules, _berry_key if is_berry(lockfile) else _classic_key)

    return _FORMAT.write(plan, graph, lockfile, block)
