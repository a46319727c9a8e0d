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
from depview.remedy.model import ExportError, FileChange, Plan
from depview.remedy.writers._overrides import (
    apply_to_package_json,
    direct_changes,
    override_rules,
    relock_hint,
)
from depview.remedy.writers.base import MetadataMap, read_json_object

__all__ = ["overrides_block", "write"]


def overrides_block(plan: Plan, graph: DependencyGraph) -> dict[str, Any]:
    """The overrides to merge into package.json (direct dependencies left out)."""
    additions: dict[str, Any] = {}
    for rule in override_rules(plan, graph):
        if rule.direct:
            continue
        if rule.parent is None:
            additions[rule.name] = rule.version
        else:
            nested = additions.setdefault(rule.parent_key(), {})
            if isinstance(nested, dict):
                nested[rule.name] = rule.version
    return additions


def write(
    plan: Plan, graph: DependencyGraph, lockfile: Path, metadata: MetadataMap
) -> list[FileChange]:
    """package.json with the overrides merged in (and direct ranges pinned)."""
    if graph.ecosystem != "npm":
        raise ExportError("--format npm-overrides needs an npm project")
    path = lockfile.parent / "package.json"
    if not path.is_file():
        raise ExportError(f"{path}: no package.json beside the lockfile")
    _, manifest = read_json_object(path)
    rules = override_rules(plan, graph)
    ranges, members, notes = direct_changes(rules, graph, lockfile, manifest)
    notes.append(relock_hint("npm install"))
    block = overrides_block(plan, graph)
    root = apply_to_package_json(path, ("overrides",), block, ranges, tuple(notes))
    return [root, *members]
