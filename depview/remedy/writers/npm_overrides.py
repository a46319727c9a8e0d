"""``npm-overrides``: the ``overrides`` block of package.json (npm 8.3+).

A pin that moves every copy of a name is a top-level ``"name": "version"``;
one that moves only the copy under some dependents is nested
(``{"parent": {"name": "version"}}``). npm refuses an override of a direct
dependency unless the dependency's own range is the same spec, so a direct
dependency's range becomes the exact pinned version too (in the root's or the
workspace member's package.json).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from depview.model import DependencyGraph
from depview.remedy.model import FileChange, Plan
from depview.remedy.writers._overrides import OverrideFormat, Rule, override_rules
from depview.remedy.writers.base import MetadataMap

__all__ = ["overrides_block", "write"]

_FORMAT = OverrideFormat("npm-overrides", "npm", ("overrides",), "npm install")


def _nested(rules: list[Rule]) -> dict[str, Any]:
    additions: dict[str, Any] = {}
    for rule in rules:
        if rule.direct:
            continue
        if rule.parent is None:
            additions[rule.name] = rule.version
        else:
            nested = additions.setdefault(rule.parent_key(), {})
            if isinstance(nested, dict):
                nested[rule.name] = rule.version
    return additions


def overrides_block(plan: Plan, graph: DependencyGraph) -> dict[str, Any]:
    """The overrides to merge into package.json (direct dependencies left out)."""
    return _nested(override_rules(plan, graph))


def write(
    plan: Plan, graph: DependencyGraph, lockfile: Path, metadata: MetadataMap
) -> list[FileChange]:
    """package.json with the overrides merged in (and direct ranges pinned)."""
    return _FORMAT.write(plan, graph, lockfile, _nested)
