"""``pnpm-overrides``: the ``pnpm.overrides`` block of package.json.

Everywhere: ``"name"``; under one dependent: ``"parent>name"`` (``"parent@1.2.3>name"``
when other versions of the dependent exist). A direct dependency's range
becomes the exact version in the manifest that declares it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from depview.model import DependencyGraph
from depview.remedy.model import FileChange, Plan
from depview.remedy.writers._overrides import OverrideFormat, Rule, flat_block
from depview.remedy.writers.base import MetadataMap

__all__ = ["write"]

_FORMAT = OverrideFormat("pnpm-overrides", "npm/pnpm", ("pnpm", "overrides"), "pnpm install")


def _key(rule: Rule) -> str:
    return rule.name if rule.parent is None else f"{rule.parent_key()}>{rule.name}"


def _block(rules: list[Rule]) -> dict[str, Any]:
    return flat_block(rules, _key)


def write(
    plan: Plan, graph: DependencyGraph, lockfile: Path, metadata: MetadataMap
) -> list[FileChange]:
    return _FORMAT.write(plan, graph, lockfile, _block)
