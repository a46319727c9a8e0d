"""Override-style exports (npm ``overrides``, yarn ``resolutions``, pnpm ``pnpm.overrides``).

One rule per pin: *everywhere* (a top-level ``"name": "version"``) when every
locked copy of the name moves to that version, else *nested* under each
dependent of the risky copy (``{"parent": {"name": "version"}}``,
``"parent/name"``, ``"parent>name"``), so the other copies stay where they
are. A dependent that is the project itself is a *direct* rule. The merged
block is written into package.json as text (:mod:`depview.remedy.jsonedit`):
other keys, their order, the indent and the trailing newline stay as they were.
:meth:`OverrideFormat.write` is each format's ``write``, given how its block is keyed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from depview.model import DependencyGraph, PackageId
from depview.remedy.jsonedit import JsonEditError, JsonText
from depview.remedy.model import ExportError, FileChange, Plan
from depview.remedy.writers.base import read_json_object

__all__ = [
    "OverrideFormat",
    "Rule",
    "apply_to_package_json",
    "flat_block",
    "override_rules",
]

ROOT_TABLES = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


@dataclass(frozen=True, slots=True)
class Rule:
    """Pin ``name`` to ``version`` everywhere (``parent`` None) or under one dependent."""

    name: str
    version: str
    parent: PackageId | None = None
    parent_versioned: bool = False  # other versions of the parent exist: key it by version
    direct: bool = False  # the dependent is the project: change its own range

    def parent_key(self, sep: str = "@") -> str:
        assert self.parent is not None
        if self.parent_versioned:
            return f"{self.parent.name}{sep}{self.parent.version}"
        return self.parent.name


def override_rules(plan: Plan, graph: DependencyGraph) -> list[Rule]:
    """The override rules that carry out ``plan``'s pins, sorted and de-duplicated."""
    pins = plan.pin_map()
    by_name: dict[str, list[PackageId]] = {}
    for pid in graph.packages:
        if not graph.is_project_node(pid):
            by_name.setdefault(pid.name, []).append(pid)
    rules: dict[tuple[str, str, PackageId | None, bool], Rule] = {}
    for pid, version in sorted(pins.items()):
        same = by_name.get(pid.name, [pid])
        everywhere = all(pins.get(q) == version for q in same)
        parents = graph.parents(pid)
        direct = [p for p in parents if graph.is_project_node(p)]
        if everywhere:
            rule = Rule(pid.name, version)
            rules[(rule.name, version, None, False)] = rule
        else:
            for parent in parents:
                if graph.is_project_node(parent):
                    continue
                versioned = len(by_name.get(parent.name, ())) > 1
                rule = Rule(pid.name, version, parent, versioned)
                rules[(rule.name, version, parent, False)] = rule
        for root in direct:
            rule = Rule(pid.name, version, root, direct=True)
            rules[(rule.name, version, root, True)] = rule
    return sorted(
        rules.values(), key=lambda r: (r.name, r.parent or PackageId("", "", ""), r.direct)
    )


def direct_tables(manifest: Mapping[str, Any], name: str) -> list[str]:
    return [t for t in ROOT_TABLES if isinstance(manifest.get(t), dict) and name in manifest[t]]


def _merge(existing: Any, additions: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = dict(existing) if isinstance(existing, dict) else {}
    for key, value in additions.items():
        cur = out.get(key)
        if isinstance(value, dict):
            if isinstance(cur, str):
                out[key] = {".": cur, **value}
            elif isinstance(cur, dict):
                out[key] = _merge(cur, value)
            else:
                out[key] = dict(value)
        elif isinstance(cur, dict):
            out[key] = {**cur, ".": value}
        else:
            out[key] = value
    return out


def apply_to_package_json(
    path: Path,
    block_path: tuple[str, ...],
    additions: Mapping[str, Any],
    range_pins: Mapping[str, Mapping[str, str]] | None = None,
    notes: tuple[str, ...] = (),
) -> FileChange:
    """package.json with ``additions`` merged into the object at ``block_path``.

    ``block_path`` is ``("overrides",)``, ``("resolutions",)`` or
    ``("pnpm", "overrides")``; missing objects are created at the end of their
    parent. ``range_pins`` (table -> name -> version) rewrite the project's own
    ranges in place.
    """
    text, data = read_json_object(path)
    doc = JsonText(text)
    try:
        root = doc.root_start()
        top = {m.key: m for m in doc.members(root)}
        for table, pins in (range_pins or {}).items():
            member = top.get(table)
            if member is None or not isinstance(data.get(table), dict):
                continue
            inner = {m.key: m for m in doc.members(member.value_start)}
            for name, version in pins.items():
                if name in inner:
                    doc.replace_value(inner[name], version)
        if additions:
            _set_block(doc, root, data, block_path, additions)
        after = doc.result()
    except JsonEditError as exc:
        raise ExportError(f"{path}: cannot edit: {exc}") from None
    try:
        json.loads(after)
    except json.JSONDecodeError as exc:  # pragma: no cover - a bug, never expected
        raise ExportError(f"{path}: edit produced invalid JSON ({exc.msg})") from None
    return FileChange(path, text, after, notes)


def _set_block(
    doc: JsonText,
    obj: int,
    data: Mapping[str, Any],
    block_path: tuple[str, ...],
    additions: Mapping[str, Any],
) -> None:
    key, rest = block_path[0], block_path[1:]
    members = {m.key: m for m in doc.members(obj)}
    current = data.get(key)
    if not rest:
        merged = _merge(current, additions)
        if key in members:
            doc.replace_value(members[key], merged)
        else:
            doc.insert_member(obj, key, merged, after=_last(doc, obj))
        return
    if key in members and isinstance(current, dict):
        _set_block(doc, members[key].value_start, current, rest, additions)
        return
    value: Any = additions
    for part in reversed(rest[1:]):
        value = {part: value}
    wrapped = {rest[0]: _merge(None, value) if len(rest) == 1 else value}
    if key in members:
        doc.replace_value(members[key], wrapped)
    else:
        doc.insert_member(obj, key, wrapped, after=_last(doc, obj))


def _last(doc: JsonText, obj: int) -> str | None:
    members = doc.members(obj)
    return members[-1].key if members else None


def direct_changes(
    rules: list[Rule], graph: DependencyGraph, lockfile: Path, manifest: Mapping[str, Any]
) -> tuple[dict[str, dict[str, str]], list[FileChange], list[str]]:
    """Direct rules as exact ranges: (root table -> name -> version, workspace files, notes).

    npm refuses an override of the project's own direct dependency unless the
    range is the same spec, and every package manager honours an exact range:
    so a direct dependency is pinned in the manifest that declares it (the
    root's, or a workspace member's package.json).
    """
    root_ranges: dict[str, dict[str, str]] = {}
    notes: list[str] = []
    members: dict[Path, dict[str, str]] = {}
    base = lockfile.parent.resolve()
    for rule in rules:
        if not rule.direct or rule.parent is None:
            continue
        if rule.parent == graph.root:
            tables = direct_tables(manifest, rule.name)
            if not tables:
                notes.append(f"{rule.name}: not found among package.json's dependencies")
            for table in tables:
                root_ranges.setdefault(table, {})[rule.name] = rule.version
            continue
        pkg = graph.packages.get(rule.parent)
        url = pkg.source.url if pkg is not None else None
        path: Path | None = None
        if url and url.startswith("file:"):
            candidate = (base / url[5:] / "package.json").resolve()
            if candidate.is_relative_to(base) and candidate.is_file():
                path = candidate
        if path is None:
            notes.append(f"{rule.parent}: set its {rule.name} range to {rule.version} by hand")
            continue
        members.setdefault(path, {})[rule.name] = rule.version
    files: list[FileChange] = []
    for path, pins in sorted(members.items()):
        _, member_manifest = read_json_object(path)
        ranges: dict[str, dict[str, str]] = {}
        for name, version in pins.items():
            for table in direct_tables(member_manifest, name):
                ranges.setdefault(table, {})[name] = version
        files.append(apply_to_package_json(path, ("overrides",), {}, ranges))
    return root_ranges, files, notes


def relock_hint(tool: str) -> str:
    return (
        f"package.json only: run `{tool}` to re-lock with these pins "
        "(or `depview export --relock` to try it in a temporary copy first)"
    )


def flat_block(rules: Iterable[Rule], key: Callable[[Rule], str]) -> dict[str, Any]:
    """``{key(rule): version}`` for every rule that is not direct (the last wins)."""
    return {key(rule): rule.version for rule in rules if not rule.direct}


@dataclass(frozen=True, slots=True)
class OverrideFormat:
    """One override-style export: ``--format`` name, the projects it fits (named in the
    error for a non-npm graph), where its block sits in package.json, the re-lock command.
    """

    fmt: str
    project: str
    block_path: tuple[str, ...]
    install: str

    def write(
        self,
        plan: Plan,
        graph: DependencyGraph,
        lockfile: Path,
        block: Callable[[list[Rule]], Mapping[str, Any]],
    ) -> list[FileChange]:
        """package.json with ``block(rules)`` merged in and direct ranges pinned."""
        if graph.ecosystem != "npm":
            raise ExportError(f"--format {self.fmt} needs an {self.project} project")
        path = lockfile.parent / "package.json"
        if not path.is_file():
            raise ExportError(f"{path}: no package.json beside the lockfile")
        _, manifest = read_json_object(path)
        rules = override_rules(plan, graph)
        ranges, members, notes = direct_changes(rules, graph, lockfile, manifest)
        notes.append(relock_hint(self.install))
        root = apply_to_package_json(path, self.block_path, block(rules), ranges, tuple(notes))
        return [root, *members]
