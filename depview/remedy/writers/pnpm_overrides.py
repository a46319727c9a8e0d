"""``pnpm-overrides``: the ``pnpm.overrides`` block of package.json.

Everywhere: ``"name"``; under one dependent: ``"parent>name"`` (``"parent@1.2.3>name"``
when other versions of the dependent exist). A direct dependency's range
becomes the exact version in the manifest that declares it.
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

__all__ = ["write"]


def write(
    plan: Plan, graph: DependencyGraph, lockfile: Path, metadata: MetadataMap
) -> list[FileChange]:
    if graph.ecosystem != "npm":
        raise ExportError("--format pnpm-overrides needs an npm/pnpm project")
    path = lockfile.parent / "package.json"
    if not path.is_file():
        raise ExportError(f"{path}: no package.json beside the lockfile")
    _, manifest = read_json_object(path)
    rules = override_rules(plan, graph)
    ranges, members, notes = direct_changes(rules, graph, lockfile, manifest)
    additions: dict[str, Any] = {}
    for rule in rules:
        if rule.direct:
            continue
        if rule.parent is None:
            additions[rule.name] = rule.version
        else:
            additions[f"{rule.parent_key()}>{rule.name}"] = rule.version
    notes.append(relock_hint("pnpm install"))
    root = apply_to_package_json(path, ("pnpm", "overrides"), additions, ranges, tuple(notes))
    return [root, *members]
