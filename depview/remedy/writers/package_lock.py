"""``package-lock``: package-lock.json (v2/v3) rewritten in place, nothing else moved.

Every installed location of a pinned package (``node_modules/axios``,
``node_modules/x/node_modules/axios``) gets the registry's ``version``,
``resolved``, ``integrity``, dependencies and flags (``hasInstallScript``,
``deprecated``); fields depview's registry data does not carry (``license``,
``engines``, ``bin``, ``funding``, peers, ``os``/``cpu``) stay as they were.
New dependencies of a pinned version are placed the way npm would place them
(the folder the dependent resolves from, hoisted to the top when it is free,
else nested under the dependent). Locations that no longer resolve from the
project (``plain-crypto-js`` once axios is back on 1.14.0) are removed. A
project's declared range that does not admit a pin becomes an exact pin, in
the lockfile's project entry and in that project's package.json.

The file is edited as text (:mod:`depview.remedy.jsonedit`): every entry that
does not change stays byte-identical, key order and indent included. A
lockfile v2's legacy ``dependencies`` tree gets the same changes.
Version 1 lockfiles are refused: use ``--format npm-overrides`` and let npm
re-lock.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from depview.metadata import VersionInfo
from depview.model import DependencyGraph
from depview.remedy.jsonedit import JsonEditError, JsonText, Member
from depview.remedy.model import ExportError, FileChange, Plan
from depview.remedy.plan import split_alias
from depview.remedy.writers.base import (
    MetadataMap,
    read_json_object,
    tarball_of,
    version_info,
)
from depview.versions import satisfies

__all__ = ["write"]

NM = "node_modules/"
# Keys of a lockfile entry in the order npm writes them; new keys go in this order.
ENTRY_ORDER = (
    "name",
    "version",
    "resolved",
    "integrity",
    "link",
    "dev",
    "optional",
    "devOptional",
    "peer",
    "inBundle",
    "extraneous",
    "hasInstallScript",
    "hasShrinkwrap",
    "deprecated",
    "license",
    "dependencies",
    "optionalDependencies",
    "bundleDependencies",
    "bin",
    "engines",
    "funding",
    "os",
    "cpu",
    "peerDependencies",
    "peerDependenciesMeta",
)
LEGACY_ORDER = (
    "version",
    "resolved",
    "integrity",
    "dev",
    "optional",
    "bundled",
    "requires",
    "dependencies",
)
FLAGS = ("dev", "optional", "devOptional", "peer")
CARRIED = (
    "license",
    "engines",
    "bin",
    "funding",
    "os",
    "cpu",
    "peerDependencies",
    "peerDependenciesMeta",
    "bundleDependencies",
    "acceptDependencies",
)


def folder_name(loc: str) -> str:
    """The package folder a location ends in (``node_modules/@s/a`` -> ``@s/a``)."""
    idx = loc.rfind(NM)
    return loc[idx + len(NM) :] if idx >= 0 else loc.rsplit("/", 1)[-1]


def in_node_modules(loc: str) -> bool:
    return loc.startswith(NM) or "/node_modules/" in loc


def real_name(loc: str, entry: Mapping[str, Any]) -> str:
    name = entry.get("name")
    if in_node_modules(loc) and isinstance(name, str) and name:
        return name
    return folder_name(loc)


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


@dataclass(slots=True)
class _Tree:
    """The ``packages`` table as locations, with node's module resolution."""

    entries: dict[str, dict[str, Any]]
    _bundled: dict[str, list[str]] | None = None

    def bundled(self, loc: str) -> list[str]:
        """Locations bundled inside ``loc`` (``inBundle``): they live as long as it does."""
        if self._bundled is None:
            index: dict[str, list[str]] = {}
            for other, entry in self.entries.items():
                if entry.get("inBundle") is True and NM in other:
                    parent = other[: other.rfind(NM)].rstrip("/")
                    index.setdefault(parent, []).append(other)
            self._bundled = index
        return self._bundled.get(loc, [])

    def target(self, loc: str) -> str:
        entry = self.entries.get(loc, {})
        if entry.get("link") is True and isinstance(entry.get("resolved"), str):
            return str(entry["resolved"])
        return loc

    def resolve(self, start: str, name: str) -> str | None:
        """The location ``name`` resolves to from ``start`` (walking up), links followed."""
        parts = start.split("/") if start else []
        while True:
            if not parts or parts[-1] != "node_modules":
                base = "/".join(parts)
                cand = f"{base}/{NM}{name}" if base else f"{NM}{name}"
                if cand in self.entries:
                    return cand
            if not parts:
                return None
            parts.pop()

    def dep_specs(self, loc: str) -> Iterator[tuple[str, str, str]]:
        """(table, name, spec) for every declared dependency of ``loc``."""
        entry = self.entries.get(loc, {})
        tables = ["dependencies", "optionalDependencies", "peerDependencies"]
        if not in_node_modules(loc):
            tables.insert(1, "devDependencies")
        for table in tables:
            for name, spec in _str_map(entry.get(table)).items():
                yield table, name, spec

    def children(self, loc: str) -> Iterator[str]:
        for _table, name, _spec in self.dep_specs(loc):
            found = self.resolve(loc, name)
            if found is not None:
                yield self.target(found)
        yield from self.bundled(loc)

    def reachable(self, starts: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        queue: deque[str] = deque(starts)
        while queue:
            loc = queue.popleft()
            if loc in seen or loc not in self.entries:
                continue
            seen.add(loc)
            queue.extend(c for c in self.children(loc) if c not in seen)
        return seen

    def tops(self) -> list[str]:
        """The project and every folder outside node_modules (workspaces, file: deps)."""
        return [loc for loc in self.entries if not in_node_modules(loc)]


def _ordered(entry: Mapping[str, Any], order: tuple[str, ...]) -> list[str]:
    rank = {k: i for i, k in enumerate(order)}
    return sorted(entry, key=lambda k: rank.get(k, len(order)))


def _merge_keys(
    old: Mapping[str, Any], new: dict[str, Any], order: tuple[str, ...]
) -> dict[str, Any]:
    """``new``'s keys in ``old``'s order, keys ``old`` lacks placed by ``order``."""
    out: dict[str, Any] = {}
    kept = [k for k in old if k in new]
    rank = {k: i for i, k in enumerate(order)}
    extra = [k for k in _ordered(new, order) if k not in old]
    # Walk the old order and splice each extra key in before the first kept key ranked after it.
    pending = list(extra)
    for key in kept:
        r = rank.get(key, len(order))
        while pending and rank.get(pending[0], len(order)) < r:
            k = pending.pop(0)
            out[k] = new[k]
        out[key] = new[key]
    for k in pending:
        out[k] = new[k]
    return out


def _entry_for(
    old: Mapping[str, Any],
    name: str,
    version: str,
    info: VersionInfo | None,
    old_url: str | None,
    old_version: str | None,
    with_resolved: bool,
) -> dict[str, Any]:
    """A lockfile entry for ``name@version``, carrying over what registry data lacks.

    ``resolved`` is written only where the lockfile writes it (npm's
    ``omit-lockfile-registry-resolved`` leaves it out); without registry data
    the integrity is left out (npm computes it) rather than guessed.
    """
    new: dict[str, Any] = {k: v for k, v in old.items() if k in CARRIED or k in FLAGS}
    if "name" in old:
        new["name"] = old["name"]
    if "inBundle" in old:
        new["inBundle"] = old["inBundle"]
    new["version"] = version
    if with_resolved:
        new["resolved"] = tarball_of(info, name, version, old_url, old_version)
    if info is not None:
        if info.integrity:
            new["integrity"] = info.integrity
        optional = dict(info.optional_dependencies)
        deps = {k: v for k, v in info.dependencies.items() if k not in optional}
        if deps:
            new["dependencies"] = deps
        if optional:
            new["optionalDependencies"] = optional
        if info.has_install_script:
            new["hasInstallScript"] = True
        if info.deprecated:
            new["deprecated"] = info.deprecated
    else:
        for key in ("dependencies", "optionalDependencies"):
            if key in old:
                new[key] = old[key]
    return _merge_keys(old, new, ENTRY_ORDER)


def _legacy_entry(old: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    new: dict[str, Any] = {}
    if "name" in entry and isinstance(entry.get("name"), str):
        new["version"] = f"npm:{entry['name']}@{entry['version']}"
    else:
        new["version"] = entry["version"]
    for key in ("resolved", "integrity"):
        if key in entry:
            new[key] = entry[key]
    for key in ("dev", "optional", "bundled"):
        if key in old:
            new[key] = old[key]
    if "dev" not in old and entry.get("dev") is True:
        new["dev"] = True
    if "optional" not in old and entry.get("optional") is True:
        new["optional"] = True
    requires = {
        **_str_map(entry.get("dependencies")),
        **_str_map(entry.get("optionalDependencies")),
    }
    if requires:
        new["requires"] = requires
    if "dependencies" in old:
        new["dependencies"] = old["dependencies"]
    return _merge_keys(old, new, LEGACY_ORDER)


def _patch_object(
    doc: JsonText, member: Member, old: Mapping[str, Any], new: Mapping[str, Any]
) -> None:
    """Member-level edits turning the object ``old`` (at ``member``) into ``new``."""
    obj = member.value_start
    kept = [k for k in old if k in new]
    if not kept:
        doc.replace_value(member, new)
        return
    members = {m.key: m for m in doc.members(obj)}
    doc.delete_members(obj, [k for k in old if k not in new])
    prev: str | None = None
    for key, value in new.items():
        if key in old:
            if json.dumps(old[key]) != json.dumps(value):
                doc.replace_value(members[key], value)
            prev = key
        else:
            doc.insert_member(obj, key, value, after=prev)


def _sort_key(loc: str) -> str:
    return loc.lower()


@dataclass(slots=True)
class _Rewrite:
    plan: Plan
    graph: DependencyGraph
    lockfile: Path
    metadata: MetadataMap
    text: str
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    extra_files: list[FileChange] = field(default_factory=list)
    with_resolved: bool = True

    def run(self) -> str:
        data = self.data
        packages = data["packages"]
        old_tree = _Tree({k: v for k, v in packages.items() if isinstance(v, dict)})
        installed = [
            e for loc, e in old_tree.entries.items() if in_node_modules(loc) and not e.get("link")
        ]
        self.with_resolved = sum("resolved" in e for e in installed) * 2 >= len(installed)
        new_entries: dict[str, dict[str, Any]] = dict(old_tree.entries)
        pins = {(p.name, p.version): v for p, v in self.plan.pin_map().items()}
        changed: dict[str, dict[str, Any]] = {}
        for loc, entry in old_tree.entries.items():
            if not in_node_modules(loc) or entry.get("link") is True:
                continue
            key = (real_name(loc, entry), str(entry.get("version", "")))
            if key not in pins:
                continue
            name, old_version = key
            version = pins[key]
            if entry.get("inBundle") is True:
                self.notes.append(
                    f"{loc}: bundled inside its parent's tarball; pin the package that bundles it"
                )
                continue
            info = version_info(self.metadata, "npm", name, version)
            if info is None:
                self.notes.append(
                    f"{name}@{version}: no registry data; integrity left out and dependencies "
                    f"kept from {old_version} (npm install fills them in)"
                )
            old_url = entry.get("resolved") if isinstance(entry.get("resolved"), str) else None
            changed[loc] = _entry_for(
                entry, name, version, info, old_url, old_version, "resolved" in entry
            )
        if not changed:
            return self.text
        new_entries.update(changed)
        new_tree = _Tree(new_entries)
        added = self._place_new(new_tree, list(changed))
        # Removals: what the changed locations used to pull in that nothing reaches any more.
        candidates = old_tree.reachable(changed) - set(changed)
        alive = new_tree.reachable(new_tree.tops())
        removed = sorted(
            loc
            for loc in candidates
            if loc not in alive and in_node_modules(loc) and loc in old_tree.entries
        )
        for loc in removed:
            del new_entries[loc]
        # Project ranges that no longer admit a pin: exact pins.
        project_edits = self._project_ranges(new_tree, changed)
        self._conflict_notes(new_tree, changed)
        return self._edit(changed, added, removed, project_edits)

    # -- new dependencies ---------------------------------------------------
    def _choice(self, parent_name: str, parent_version: str, name: str) -> str | None:
        for r in self.plan.resolved:
            if (r.parent.name, r.parent.version, r.name) == (parent_name, parent_version, name):
                return r.version
        return None

    def _place_new(self, tree: _Tree, starts: list[str]) -> dict[str, dict[str, Any]]:
        added: dict[str, dict[str, Any]] = {}
        queue = deque(starts)
        while queue:
            loc = queue.popleft()
            entry = tree.entries[loc]
            pname, pversion = real_name(loc, entry), str(entry.get("version"))
            for table, dep, spec in list(tree.dep_specs(loc)):
                if table == "peerDependencies":
                    continue
                real, rng = split_alias("npm", dep, spec)
                found = tree.resolve(loc, dep)
                if found is not None:
                    fentry = tree.entries[tree.target(found)]
                    fver = str(fentry.get("version", ""))
                    if (
                        real_name(found, fentry) == real
                        and satisfies("npm", fver, rng) is not False
                    ):
                        continue
                version = self._choice(pname, pversion, real)
                if version is None:
                    if table != "optionalDependencies":
                        self.notes.append(
                            f"{pname}@{pversion} needs {dep}@{spec}: not placed (no version "
                            "chosen); run npm install or use --relock"
                        )
                    continue
                top = f"{NM}{dep}"
                where = top if top not in tree.entries else f"{loc}/{NM}{dep}"
                if where in tree.entries:
                    self.notes.append(
                        f"{pname}@{pversion} needs {dep}@{spec}: {where} is taken; "
                        "run npm install or use --relock"
                    )
                    continue
                info = version_info(self.metadata, "npm", real, version)
                seed: dict[str, Any] = {k: entry[k] for k in FLAGS if entry.get(k) is True}
                if table == "optionalDependencies":
                    seed["optional"] = True
                if dep != real:
                    seed["name"] = real
                new = _entry_for(seed, real, version, info, None, None, self.with_resolved)
                tree.entries[where] = new
                added[where] = new
                queue.append(where)
        return added

    # -- project ranges -----------------------------------------------------
    def _project_ranges(
        self, tree: _Tree, changed: Mapping[str, dict[str, Any]]
    ) -> dict[str, dict[str, dict[str, str]]]:
        """project location -> table -> {name: exact version} for ranges a pin breaks."""
        out: dict[str, dict[str, dict[str, str]]] = {}
        for top in tree.tops():
            for table, dep, spec in tree.dep_specs(top):
                found = tree.resolve(top, dep)
                if found is None or tree.target(found) not in changed:
                    continue
                version = str(changed[tree.target(found)]["version"])
                _real, rng = split_alias("npm", dep, spec)
                if satisfies("npm", version, rng) is False:
                    exact = f"npm:{_real}@{version}" if spec.startswith("npm:") else version
                    out.setdefault(top, {}).setdefault(table, {})[dep] = exact
                    where = "the project" if top == "" else top
                    self.notes.append(
                        f"{where}: {table} {dep} {spec} does not admit {version}; pinned exactly"
                    )
        return out

    def _conflict_notes(self, tree: _Tree, changed: Mapping[str, dict[str, Any]]) -> None:
        for loc in tree.entries:
            if not in_node_modules(loc):
                continue
            for _table, dep, spec in tree.dep_specs(loc):
                found = tree.resolve(loc, dep)
                if found is None or tree.target(found) not in changed:
                    continue
                version = str(changed[tree.target(found)]["version"])
                _real, rng = split_alias("npm", dep, spec)
                if satisfies("npm", version, rng) is False:
                    entry = tree.entries[loc]
                    self.notes.append(
                        f"{real_name(loc, entry)}@{entry.get('version')} requires {dep}@{spec}, "
                        f"which {version} does not satisfy: npm ls reports it invalid; "
                        "use --format npm-overrides"
                    )

    # -- the text edits -----------------------------------------------------
    def _edit(
        self,
        changed: Mapping[str, dict[str, Any]],
        added: Mapping[str, dict[str, Any]],
        removed: list[str],
        project_edits: Mapping[str, Mapping[str, Mapping[str, str]]],
    ) -> str:
        doc = JsonText(self.text)
        top = {m.key: m for m in doc.members(doc.root_start())}
        pk = top["packages"]
        pk_members = {m.key: m for m in doc.members(pk.value_start)}
        old_packages: dict[str, Any] = self.data["packages"]
        for loc, new in changed.items():
            _patch_object(doc, pk_members[loc], old_packages[loc], new)
        for loc, tables in project_edits.items():
            old = old_packages[loc]
            entry = json.loads(json.dumps(old))
            for table, pins in tables.items():
                entry[table] = {**entry[table], **pins}
            _patch_object(doc, pk_members[loc], old, entry)
            self._manifest_change(loc, tables)
        doc.delete_members(pk.value_start, removed)
        self._insert_sorted(doc, pk.value_start, [k for k in pk_members if k not in removed], added)
        legacy = top.get("dependencies")
        if legacy is not None and isinstance(self.data.get("dependencies"), dict):
            self._legacy(doc, legacy, changed, added, removed)
        out = doc.result()
        try:
            json.loads(out)
        except json.JSONDecodeError as exc:  # pragma: no cover - a bug, never expected
            raise ExportError(
                f"{self.lockfile}: rewrite produced invalid JSON ({exc.msg})"
            ) from None
        return out

    def _insert_sorted(
        self, doc: JsonText, obj: int, existing: list[str], added: Mapping[str, Any]
    ) -> None:
        for key in sorted(added, key=_sort_key):
            after: str | None = None
            for k in existing:
                if k != "" and _sort_key(k) > _sort_key(key):
                    break
                after = k
            doc.insert_member(obj, key, added[key], after=after)

    def _manifest_change(self, loc: str, tables: Mapping[str, Mapping[str, str]]) -> None:
        path = (
            self.lockfile.parent / loc / "package.json"
            if loc
            else self.lockfile.parent / "package.json"
        )
        if not path.is_file():
            self.notes.append(f"{path}: not found; change its ranges by hand")
            return
        text, data = read_json_object(path)
        doc = JsonText(text)
        root = doc.root_start()
        members = {m.key: m for m in doc.members(root)}
        for table, pins in tables.items():
            if table not in members or not isinstance(data.get(table), dict):
                continue
            inner = {m.key: m for m in doc.members(members[table].value_start)}
            for dep, exact in pins.items():
                if dep in inner:
                    doc.replace_value(inner[dep], exact)
        after = doc.result()
        if after != text:
            self.extra_files.append(FileChange(path, text, after))

    # -- lockfile v2's legacy tree --------------------------------------------
    def _legacy_path(self, loc: str) -> list[str] | None:
        """The key path of a location in the legacy tree (a workspace's folder by its name)."""
        if loc.startswith(NM):
            return loc[len(NM) :].split("/" + NM)
        folder, sep, rest = loc.partition("/" + NM)
        if not sep:
            return None
        for other, entry in self.data["packages"].items():
            if (
                isinstance(entry, dict)
                and entry.get("link") is True
                and entry.get("resolved") == folder
                and other.startswith(NM)
                and NM not in other[len(NM) :]
            ):
                return [other[len(NM) :], *rest.split("/" + NM)]
        return None

    def _legacy(
        self,
        doc: JsonText,
        legacy: Member,
        changed: Mapping[str, dict[str, Any]],
        added: Mapping[str, dict[str, Any]],
        removed: list[str],
    ) -> None:
        root_old: dict[str, Any] = self.data["dependencies"]

        def find(names: list[str]) -> tuple[Member, dict[str, Any]] | None:
            member, old = legacy, root_old
            for i, name in enumerate(names):
                if i > 0:
                    deps = {m.key: m for m in doc.members(member.value_start)}.get("dependencies")
                    if deps is None or not isinstance(old.get("dependencies"), dict):
                        return None
                    member, old = deps, old["dependencies"]
                inner = {m.key: m for m in doc.members(member.value_start)}
                if name not in inner or not isinstance(old.get(name), dict):
                    return None
                member, old = inner[name], old[name]
            return member, old

        skipped = False
        for loc, entry in changed.items():
            names = self._legacy_path(loc)
            hit = find(names) if names else None
            if hit is None:
                skipped = True
                continue
            member, old = hit
            _patch_object(doc, member, old, _legacy_entry(old, entry))
        by_parent: dict[tuple[str, ...], list[str]] = {}
        for loc in removed:
            names = self._legacy_path(loc)
            if not names:
                skipped = True
                continue
            by_parent.setdefault(tuple(names[:-1]), []).append(names[-1])
        for parent, doomed in by_parent.items():
            if not parent:
                doc.delete_members(legacy.value_start, doomed)
                continue
            hit = find(list(parent))
            if hit is None:
                skipped = True
                continue
            deps = {m.key: m for m in doc.members(hit[0].value_start)}.get("dependencies")
            if deps is not None:
                doc.delete_members(deps.value_start, doomed)
        for loc in sorted(added, key=_sort_key):
            names = self._legacy_path(loc)
            if not names:
                skipped = True
                continue
            value = _legacy_entry({}, added[loc])
            if len(names) == 1:
                keys = [m.key for m in doc.members(legacy.value_start)]
                after = None
                for k in keys:
                    if _sort_key(k) > _sort_key(names[0]):
                        break
                    after = k
                doc.insert_member(legacy.value_start, names[0], value, after=after)
                continue
            hit = find(names[:-1])
            if hit is None:
                skipped = True
                continue
            inner = {m.key: m for m in doc.members(hit[0].value_start)}
            if "dependencies" in inner:
                doc.insert_member(
                    inner["dependencies"].value_start,
                    names[-1],
                    value,
                    after=[m.key for m in doc.members(inner["dependencies"].value_start)][-1],
                )
            else:
                keys = list(inner)
                doc.insert_member(
                    hit[0].value_start, "dependencies", {names[-1]: value}, after=keys[-1]
                )
        if skipped:
            self.notes.append(
                "the legacy `dependencies` tree (lockfile v2) could not be updated everywhere; "
                "npm 7+ reads `packages` and rewrites it on the next install"
            )


def write(
    plan: Plan, graph: DependencyGraph, lockfile: Path, metadata: MetadataMap
) -> list[FileChange]:
    """The rewritten package-lock.json (and any package.json whose range had to become exact)."""
    if graph.ecosystem != "npm" or not graph.format.startswith("npm-package-lock"):
        raise ExportError(
            f"--format package-lock needs an npm package-lock.json (this is {graph.format}); "
            "use the overrides format of your package manager"
        )
    text, data = read_json_object(lockfile)
    version = data.get("lockfileVersion")
    if version == 1 or not isinstance(data.get("packages"), dict):
        raise ExportError(
            f"{lockfile}: lockfileVersion {version} cannot be rewritten (only 2 and 3); "
            "use --format npm-overrides and run npm install"
        )
    if version not in (2, 3):
        raise ExportError(f"{lockfile}: unknown lockfileVersion {version!r}")
    rewrite = _Rewrite(plan, graph, lockfile, metadata, text, data)
    try:
        after = rewrite.run()
    except JsonEditError as exc:
        raise ExportError(f"{lockfile}: cannot edit: {exc}") from None
    notes = list(rewrite.notes)
    carried = sorted(
        {k for entry in _changed_entries(data, plan) for k in CARRIED if k in entry} - {"license"}
    )
    if carried:
        notes.append(
            f"{', '.join(carried)} of the pinned entries are carried over from the replaced "
            "versions (depview's registry data lacks them; npm install refreshes them)"
        )
    change = FileChange(lockfile, text, after, tuple(dict.fromkeys(notes)))
    return [change, *rewrite.extra_files]


def _changed_entries(data: Mapping[str, Any], plan: Plan) -> Iterator[Mapping[str, Any]]:
    pins = {(p.name, p.version) for p in plan.pin_map()}
    for loc, entry in data.get("packages", {}).items():
        if isinstance(entry, dict) and (real_name(loc, entry), entry.get("version")) in pins:
            yield entry
