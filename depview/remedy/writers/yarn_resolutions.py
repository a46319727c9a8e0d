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
from depview.remedy.model import ExportError, FileChange, Plan
from depview.remedy.writers._overrides import (
    apply_to_package_json,
    direct_changes,
    override_rules,
    relock_hint,
)
from depview.remedy.writers.base import MetadataMap, read_json_object

__all__ = ["is_berry", "write"]


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


def write(
    plan: Plan, graph: DependencyGraph, lockfile: Path, metadata: MetadataMap
) -> list[FileChange]:
    if graph.ecosystem != "npm":
        raise ExportError("--format yarn-resolutions needs an npm/yarn project")
    path = lockfile.parent / "package.json"
    if not path.is_file():
        raise ExportError(f"{path}: no package.json beside the lockfile")
    _, manifest = read_json_object(path)
    berry = is_berry(lockfile)
    rules = override_rules(plan, graph)
    ranges, members, notes = direct_changes(rules, graph, lockfile, manifest)
    additions: dict[str, Any] = {}
    for rule in rules:
        if rule.direct:
            continue
        if rule.parent is None:
            additions[rule.name if berry else f"**/{rule.name}"] = rule.version
        else:
            parent = rule.parent_key("@npm:") if berry else rule.parent.name
            additions[f"{parent}/{rule.name}"] = rule.version
    notes.append(relock_hint("yarn install"))
    root = apply_to_package_json(path, ("resolutions",), additions, ranges, tuple(notes))
    return [root, *members]
