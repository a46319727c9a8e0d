"""npm ``package-lock.json`` / ``npm-shrinkwrap.json`` (lockfileVersion 1, 2 and 3).

Every version is first brought into one shape, the way npm's arborist does it:
a table of *locations* (``""`` for the project, ``node_modules/a``,
``node_modules/a/node_modules/b``, ``packages/cli`` for a workspace, ...), each
either a link to another location or an installed package with its declared
dependencies. Version 1's nested ``dependencies`` tree is flattened into that
table, its ``requires`` become dependencies and its ``file:`` directory
entries become links.

Each declared dependency is then resolved like node's module resolution
(``require``): from the dependent's location walk up the folders and take the
first ``<folder>/node_modules/<name>`` present; a link is followed to its
target. Unresolvable dependencies are skipped (``npm ls`` prints them as
missing). Nodes are keyed by (name, version), so one name@version installed at
several locations is one node with the union of the edges.

Link targets outside ``node_modules`` (workspaces, ``file:`` folders) are
"tops" like the project: their ``devDependencies`` count. Where the lockfile
does not record a top's name or version (version 1 ``file:`` folders, entries
without ``version``) the folder's own ``package.json`` is read if it is inside
the lockfile's directory, as npm does; for version 1 the project's
``package.json`` supplies the root's dependencies (the lockfile has none).

Everything is iterative: a 10,000-deep chain or a cycle is fine.
"""

from __future__ import annotations

import gc
import json
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, ClassVar

from depview.errors import LockfileError
from depview.lockfiles._common import (
    ManifestLoader,
    default_manifest_loader,
    describe_type,
    json_error,
    with_refusals,
)
from depview.model import (
    DependencyGraph,
    Edge,
    EdgeKind,
    Package,
    PackageId,
    Source,
    SourceKind,
)

__all__ = ["READERS", "PackageLockReader", "version_from_tgz"]

ECOSYSTEM = "npm"

# Dependency tables of a package entry, in npm's loading order: for a name in
# several tables the last one wins (arborist ``Node._loadDeps``).
_PEER = "peerDependencies"
_DEP_TABLES: tuple[tuple[str, EdgeKind], ...] = (
    ("dependencies", EdgeKind.PROD),
    ("optionalDependencies", EdgeKind.OPTIONAL),
)
_DEV_TABLE = ("devDependencies", EdgeKind.DEV)

_BOOL_FIELDS = (
    "link",
    "dev",
    "optional",
    "devOptional",
    "peer",
    "inBundle",
    "hasInstallScript",
    "extraneous",
)
_STR_FIELDS = ("version", "resolved", "integrity", "name")
_FIELD_TYPES: dict[str, type] = {
    **dict.fromkeys(_STR_FIELDS, str),
    **dict.fromkeys(_BOOL_FIELDS, bool),
}
_FIELD_KEYS = frozenset(_FIELD_TYPES)

_GIT_PREFIXES = (
    "git+",
    "git:",
    "git@",
    "github:",
    "gitlab:",
    "bitbucket:",
    "gist:",
)
_NPMJS = "https://registry.npmjs.org/"
_PROD = EdgeKind.PROD
_ONLY_STR = {str}
_REGISTRY = Source(SourceKind.REGISTRY)
_SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return out


def version_from_tgz(name: str, tgz: str) -> tuple[str, str] | None:
    """(name, version) from a tarball file name like ``is-odd-3.0.1.tgz`` (npm's heuristic)."""
    base = tgz.rstrip("/").rsplit("/", 1)[-1]
    if not base.endswith(".tgz"):
        return None
    scope: str | None = None
    project = name
    if tgz.startswith(("http:/", "https:/")):
        path = tgz.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0]
        path = path.split("/", 1)[1] if "/" in path else ""
        parts = path.split("/-/")
        if len(parts) > 1 and parts[-1] == base:
            pre = re.split(r"/|%2f", parts[-2], flags=re.IGNORECASE)
            project = pre[-1]
            scope = pre[-2] if len(pre) > 1 else None
            return _from_base(base, scope, project)
    split = re.split(r"/|%2f", name, flags=re.IGNORECASE)
    project = split[-1]
    scope = split[-2] if len(split) > 1 else None
    return _from_base(base, scope, project)


def _from_base(base: str, scope: str | None, project: str) -> tuple[str, str] | None:
    if not base.startswith(project + "-"):
        return None
    m = _SEMVER.match(base[len(project) + 1 : -4])
    if m is None:
        return None
    version = m.group(0).lstrip("v").split("+", 1)[0]
    full = f"{scope}/{project}" if scope and scope.startswith("@") else project
    return full, version


def _name_from_folder(loc: str) -> str:
    parts = loc.rstrip("/").split("/")
    base = parts[-1]
    if len(parts) > 1 and parts[-2].startswith("@"):
        return f"{parts[-2]}/{base}"
    return base


def _norm_rel(path: str) -> str:
    """A /-separated path relative to the lockfile's folder, normalised (``""`` = the folder)."""
    norm = posixpath.normpath(path.replace("\\", "/"))
    return "" if norm == "." else norm


def _is_in_node_modules(loc: str) -> bool:
    return loc.startswith("node_modules/") or "/node_modules/" in loc


def _location_parent(loc: str) -> str | None:
    """The location whose ``node_modules`` holds ``loc`` (``""`` for top level)."""
    i = loc.rfind("node_modules/")
    if i == -1:
        return None
    return loc[: max(i - 1, 0)]


def _source_for(resolved: str | None) -> Source:
    if resolved is None:
        return _REGISTRY
    if resolved.startswith(_NPMJS) and resolved.endswith(".tgz"):
        return Source(SourceKind.REGISTRY, resolved)
    if resolved.startswith(_GIT_PREFIXES) or (resolved.startswith("ssh://") and ".git" in resolved):
        return Source(SourceKind.GIT, resolved)
    if resolved.startswith("file:"):
        return Source(SourceKind.FILE, resolved)
    if resolved.startswith(("http://", "https://")):
        path = resolved.split("?", 1)[0]
        if "/-/" in path and path.endswith(".tgz"):
            return Source(SourceKind.REGISTRY, resolved)
        return Source(SourceKind.TARBALL, resolved)
    return Source(SourceKind.TARBALL, resolved)


@dataclass(slots=True)
class _Loc:
    """One location of the install tree (mutable while reading)."""

    loc: str
    name: str
    version: str
    line: int | None
    link_target: str | None = None
    resolved: str | None = None
    integrity: str | None = None
    dev: bool = False
    optional: bool = False
    extraneous: bool = False
    has_install_script: bool | None = None
    source: Source | None = None
    pid: PackageId | None = None  # set when the graph is built
    # name -> spec, and name -> kind (None: every one is a prod dependency)
    deps: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, EdgeKind] | None = None


class _Reader:
    """State for reading one file."""

    def __init__(self, path: Path, text: str, manifests: ManifestLoader | None) -> None:
        self.path = path
        self.spath = str(path)
        self.text = text
        self.manifests = manifests
        self.locs: dict[str, _Loc] = {}
        self.workspaces: list[str] = []
        self._line_pos = 0
        self._line_no = 1
        self._search_pos = 0
        self._v1_lookup: _Lookup | None = None

    # -- errors and lines ---------------------------------------------------
    def error(self, message: str, line: int | None = None) -> LockfileError:
        return LockfileError(self.spath, message, line)

    def seek_key(self, key: str, start: int | None = None) -> int | None:
        """Line of the next ``"key": {`` after the previous match (document order)."""
        text = self.text
        if '"' in key or "\\" in key or not key.isprintable():
            needle = json.dumps(key, ensure_ascii=False)
        else:
            needle = f'"{key}"'
        pos = self._search_pos if start is None else start
        while True:
            hit = text.find(needle, pos)
            if hit == -1:
                return None
            j = hit + len(needle)
            n = len(text)
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j < n and text[j] == ":":
                j += 1
                while j < n and text[j] in " \t\r\n":
                    j += 1
                if j < n and text[j] == "{":
                    if hit < self._line_pos:  # only when an explicit start moved us back
                        self._line_pos, self._line_no = 0, 1
                    self._line_no += text.count("\n", self._line_pos, hit)
                    self._line_pos = hit
                    self._search_pos = j
                    return self._line_no
            pos = hit + 1

    def loose_line(self, key: str) -> int | None:
        """Line of the next ``"key":`` whatever its value (for error messages)."""
        needle = json.dumps(key, ensure_ascii=False) if '"' in key or "\\" in key else f'"{key}"'
        hit = self.text.find(needle, self._search_pos)
        if hit == -1:
            return None
        return self._line_no + self.text.count("\n", self._line_pos, hit)

    def find_top_key(self, key: str) -> None:
        """Move the line cursor to the first ``"key":`` (start of a section)."""
        hit = self.text.find(f'"{key}"')
        if hit != -1:
            self._line_no = 1 + self.text.count("\n", 0, hit)
            self._line_pos = self._search_pos = hit

    # -- typed access ----------------------------------------------------------
    def check_entry(self, entry: object, context: str, line: int | None) -> dict[str, Any]:
        if entry.__class__ is not dict:
            raise self.error(f"{context}: expected an object, got {describe_type(entry)}", line)
        assert isinstance(entry, dict)
        for key in entry.keys() & _FIELD_KEYS:
            want = _FIELD_TYPES[key]
            value = entry[key]
            if value.__class__ is not want and value is not None:
                raise self.error(
                    f"{context}.{key}: expected {'a string' if want is str else 'a boolean'}, "
                    f"got {describe_type(value)}",
                    line,
                )
        return entry

    def dep_table(
        self, entry: Mapping[str, Any], key: str, context: str, line: int | None
    ) -> dict[str, str]:
        table = entry.get(key)
        if table is None:
            return {}
        if table.__class__ is not dict:
            raise self.error(
                f"{context}.{key}: expected an object, got {describe_type(table)}", line
            )
        if table and (set(map(type, table.values())) != _ONLY_STR or "" in table):
            for name, spec in table.items():
                if spec.__class__ is not str:
                    raise self.error(
                        f"{context}.{key}[{json.dumps(name)}]: expected a string, "
                        f"got {describe_type(spec)}",
                        line,
                    )
            raise self.error(f"{context}.{key}: empty dependency name", line)
        return table

    def declared_deps(
        self, entry: Mapping[str, Any], context: str, line: int | None, *, top: bool
    ) -> tuple[dict[str, str], dict[str, EdgeKind] | None]:
        """The dependencies an entry declares, one kind per name (npm's precedence:
        peer, then prod, optional and, for tops, dev; a later table wins)."""
        if (
            "peerDependencies" not in entry
            and "optionalDependencies" not in entry
            and not (top and "devDependencies" in entry)
        ):
            return self.dep_table(entry, "dependencies", context, line), None
        deps: dict[str, str] = {}
        kinds: dict[str, EdgeKind] = {}
        tables: list[tuple[str, EdgeKind]] = [(_PEER, EdgeKind.PEER), *_DEP_TABLES]
        if top:
            tables.append(_DEV_TABLE)
        for key, kind in tables:
            table = self.dep_table(entry, key, context, line)
            if key == _PEER and table:
                meta = entry.get("peerDependenciesMeta")
                if meta is not None and meta.__class__ is not dict:
                    raise self.error(
                        f"{context}.peerDependenciesMeta: expected an object, "
                        f"got {describe_type(meta)}",
                        line,
                    )
            for name, spec in table.items():
                deps.pop(name, None)
                deps[name] = spec
                kinds[name] = kind
        return deps, kinds

    def manifest(self, folder: str) -> Mapping[str, Any] | None:
        if self.manifests is None:
            return None
        return self.manifests(self.path.parent, folder)

    def apply_manifest(self, item: _Loc) -> bool:
        """Take a top's name, version and dependencies from its own package.json, as npm does.

        The project and every link target outside ``node_modules`` (workspaces,
        ``file:`` folders) are read from disk by npm too, since the user edits
        them; returns False (lockfile data kept) when there is no usable file.
        """
        man = self.manifest(item.loc)
        if man is None:
            return False
        try:
            deps, kinds = self.declared_deps(man, f"{item.loc or '.'}/package.json", None, top=True)
        except LockfileError:
            return False  # a broken package.json next to a good lockfile: keep the lockfile's view
        name = man.get("name")
        version = man.get("version")
        if isinstance(name, str) and name:
            item.name = name
        else:
            item.name = _name_from_folder(item.loc) if item.loc else self.path.parent.name
        item.version = version if isinstance(version, str) else ""
        item.deps = deps
        item.kinds = kinds
        return True

    # -- version 2 / 3 ---------------------------------------------------------
    def read_packages(self, packages: dict[str, Any], top_name: str, top_version: str) -> None:
        self.find_top_key("packages")
        for loc, raw in packages.items():
            if not isinstance(loc, str):  # pragma: no cover - JSON keys are strings
                raise self.error("packages: keys must be strings")
            line = self.seek_key(loc)
            if line is None and not isinstance(raw, dict):
                line = self.loose_line(loc)
            context = f'packages["{loc}"]'
            entry = self.check_entry(raw, context, line)
            if entry.get("link"):
                target = entry.get("resolved")
                if not target:
                    raise self.error(f"{context}: link without a resolved target", line)
                self.locs[loc] = _Loc(
                    loc=loc,
                    name=_name_from_folder(loc),
                    version="",
                    line=line,
                    link_target=_norm_rel(target.removeprefix("file:")),
                )
                continue
            top = loc == "" or not _is_in_node_modules(loc)
            name = entry.get("name") or (top_name if loc == "" else _name_from_folder(loc))
            version = entry.get("version") or (top_version if loc == "" else "")
            resolved = entry.get("resolved")
            item = _Loc(
                loc=loc,
                name=name,
                version=version,
                line=line,
                resolved=resolved,
                integrity=entry.get("integrity"),
                dev=bool(entry.get("dev")),
                optional=bool(entry.get("optional")),
                extraneous=bool(entry.get("extraneous")),
                has_install_script=bool(entry.get("hasInstallScript")),
            )
            item.deps, item.kinds = self.declared_deps(entry, context, line, top=top)
            if top:
                if loc == "":
                    item.source = Source(SourceKind.ROOT)
                    self.workspaces = self.workspace_globs(entry, context, line)
                else:
                    item.source = Source(SourceKind.LINK, f"file:{loc}")
                self.apply_manifest(item)
            elif not version and resolved:
                guess = version_from_tgz(name, resolved)
                if guess is not None:
                    item.version = guess[1]
            self.locs[loc] = item
        if "" not in self.locs:
            root = self.locs[""] = _Loc(
                loc="",
                name=top_name,
                version=top_version,
                line=None,
                source=Source(SourceKind.ROOT),
            )
            self.apply_manifest(root)

    def workspace_globs(
        self, entry: Mapping[str, Any], context: str, line: int | None
    ) -> list[str]:
        ws = entry.get("workspaces")
        if ws is None:
            return []
        if isinstance(ws, dict):
            ws = ws.get("packages", [])
        if not isinstance(ws, list) or not all(isinstance(w, str) for w in ws):
            raise self.error(f"{context}.workspaces: expected a list of strings", line)
        return [_norm_rel(w) for w in ws]

    # -- version 1 ---------------------------------------------------------------
    def read_v1(self, deps: dict[str, Any], top_name: str, top_version: str) -> None:
        root = _Loc(
            loc="", name=top_name, version=top_version, line=None, source=Source(SourceKind.ROOT)
        )
        self.locs[""] = root
        self.find_top_key("dependencies")
        # pre-order, document order: (parent location, name, raw entry, context)
        stack: list[tuple[str, str, object, str]] = [
            ("", name, raw, f'dependencies["{name}"]') for name, raw in reversed(list(deps.items()))
        ]
        requires: dict[str, dict[str, str]] = {}
        while stack:
            parent, key, raw, context = stack.pop()
            loc = f"{parent}/node_modules/{key}" if parent else f"node_modules/{key}"
            line = self.seek_key(key)
            if line is None and not isinstance(raw, dict):
                line = self.loose_line(key)
            entry = self.check_entry(raw, context, line)
            bundled = entry.get("bundled")
            if bundled is not None and not isinstance(bundled, bool):
                raise self.error(
                    f"{context}.bundled: expected a boolean, got {describe_type(bundled)}", line
                )
            req = entry.get("requires")
            if req is not None and not isinstance(req, bool):
                requires[loc] = self.dep_table(entry, "requires", context, line)
            self.locs[loc] = self.v1_entry(loc, key, entry, line)
            children = entry.get("dependencies")
            if children is not None:
                if not isinstance(children, dict):
                    raise self.error(
                        f"{context}.dependencies: expected an object, got {describe_type(children)}",
                        line,
                    )
                for name, child in reversed(list(children.items())):
                    stack.append((loc, name, child, f'{context}.dependencies["{name}"]'))
        # ``requires`` -> dependencies, typed by the flags (arborist #fixDependencies)
        for loc, table in requires.items():
            item = self.locs[loc]
            owner = item
            if item.link_target is not None:
                target = self.locs.get(item.link_target)
                if target is None or target.deps:
                    continue
                owner = target
            kinds = owner.kinds = {}
            for name, spec in table.items():
                dep = self.resolve_loc(owner.loc, name)
                kind = EdgeKind.PROD
                if dep is not None and dep.optional and not owner.optional:
                    kind = EdgeKind.OPTIONAL
                elif dep is not None and dep.dev and not owner.dev:
                    kind = EdgeKind.DEV
                owner.deps[name] = spec
                kinds[name] = kind
        # the project's own dependencies are not in a v1 lockfile: take package.json
        if not self.apply_manifest(root):
            root_kinds = root.kinds = {}
            for name in deps:
                child = self.locs.get(f"node_modules/{name}")
                if child is None:
                    continue
                kind = (
                    EdgeKind.DEV
                    if child.dev
                    else EdgeKind.OPTIONAL
                    if child.optional
                    else EdgeKind.PROD
                )
                root.deps[name] = "*"
                root_kinds[name] = kind
        for item in list(self.locs.values()):
            if item.link_target is not None and item.link_target in self.locs:
                target = self.locs[item.link_target]
                if target.source is not None and target.source.kind is SourceKind.LINK:
                    self.apply_manifest(target)

    def v1_entry(self, loc: str, key: str, entry: Mapping[str, Any], line: int | None) -> _Loc:
        version = entry.get("version") or ""
        resolved = entry.get("resolved")
        name = key
        source: Source | None = None
        if version.startswith("npm:"):
            real, _, ver = version[4:].rpartition("@")
            if real:
                name, version = real, ver
            else:
                version = ver
        elif version.startswith("file:"):
            spec = version[5:]
            if spec.endswith((".tgz", ".tar.gz", ".tar")):
                source = Source(SourceKind.FILE, version)
                guess = version_from_tgz(key, spec)
                version = guess[1] if guess else ""
            else:
                # a directory: npm links it; the target's data comes from its package.json
                target = _norm_rel(spec)
                if target not in self.locs:
                    self.locs[target] = _Loc(
                        loc=target,
                        name=_name_from_folder(target) if target else key,
                        version="",
                        line=line,
                        dev=bool(entry.get("dev")),
                        optional=bool(entry.get("optional")),
                        source=Source(SourceKind.LINK, version),
                    )
                return _Loc(loc=loc, name=key, version="", line=line, link_target=target)
        elif version.startswith(_GIT_PREFIXES) or "://" in version:
            source = _source_for(version)
            if source.kind is not SourceKind.GIT:
                guess = version_from_tgz(key, version)
                version = guess[1] if guess else version
            # a v1 git dependency records no version, only the commit URL: keep that as
            # the version so different commits stay different nodes
        if source is None:
            source = _source_for(resolved)
        return _Loc(
            loc=loc,
            name=name,
            version=version,
            line=line,
            resolved=resolved,
            integrity=entry.get("integrity"),
            dev=bool(entry.get("dev")),
            optional=bool(entry.get("optional")),
            source=source,
        )

    # -- resolution ------------------------------------------------------------
    def resolve_loc(self, start: str, name: str) -> _Loc | None:
        """node's lookup: ``<dir>/node_modules/<name>`` from ``start`` up to the project."""
        if self._v1_lookup is None:
            self._v1_lookup = _Lookup(self.locs, _parent_folder_v1)
        lookup = self._v1_lookup
        return lookup.find(lookup.nearest(start), name)

    def follow(self, item: _Loc | None) -> _Loc | None:
        if item is None or item.link_target is None:
            return item
        target = self.locs.get(item.link_target)
        if target is None or target.link_target is not None:
            return None
        return target

    # -- graph -------------------------------------------------------------------
    def build(self, fmt: str) -> DependencyGraph:
        """The graph. Hot path: nodes are interned by (name, version) strings, edges are
        shared objects, and resolution only probes folders that hold a ``node_modules``."""
        locs = self.locs
        ws_locs = self.workspace_locations()
        ws_set = set(ws_locs)
        nv_of: dict[str, tuple[str, str]] = {}  # location -> (name, version)
        ids: dict[tuple[str, str], PackageId] = {}
        packages: dict[tuple[str, str], Package] = {}
        lookup = _Lookup(locs, _parent_folder)
        for loc, item in locs.items():
            if item.link_target is not None:
                continue
            nv = (item.name, item.version)
            nv_of[loc] = nv
            if loc == "":
                source = Source(SourceKind.ROOT)
            elif loc in ws_set:
                source = Source(SourceKind.WORKSPACE, f"file:{loc}")
            else:
                source = item.source or _source_for(item.resolved)
            prev = packages.get(nv)
            if prev is None:
                # npm names are compared as written: PackageId.of would not change them
                pid = item.pid = ids[nv] = PackageId(ECOSYSTEM, item.name, item.version)
                packages[nv] = Package(
                    id=pid,
                    source=source,
                    integrity=item.integrity,
                    line=item.line,
                    dev=item.dev,
                    optional=item.optional,
                    has_install_script=item.has_install_script,
                )
            else:
                item.pid = prev.id
                packages[nv] = _merge(prev, item, source)

        locs_get = locs.get
        prefix = lookup.prefix
        above = lookup.above
        nearest = lookup.nearest
        find = lookup.find
        # parent id(PackageId) -> (parent, {(id(child), kind): edge}); ids are interned
        out_edges: dict[int, tuple[PackageId, dict[tuple[int, EdgeKind], Edge]]] = {}
        for loc, item in locs.items():
            if item.link_target is not None or not item.deps:
                continue
            # where node looks, nearest first: the package's own node_modules, then
            # those of its owner's folder and the folders above it (see _Lookup)
            i = loc.rfind("/node_modules/")
            up = loc[:i] if i > 0 else "" if loc.startswith("node_modules/") else None
            own = prefix.get(loc) if up is not None else None  # inside node_modules
            start = nearest(loc if up is None else up)
            first = prefix[start] if start is not None else None
            further = above[start] if start is not None else None
            parent = item.pid
            assert parent is not None
            entry = out_edges.get(id(parent))
            if entry is None:
                entry = out_edges[id(parent)] = (parent, {})
            out = entry[1]
            kinds = item.kinds
            for dep_name, spec in item.deps.items():
                kind = _PROD if kinds is None else kinds[dep_name]
                hit = None
                if own is not None:
                    hit = locs_get(own + dep_name)
                if hit is None and first is not None:
                    hit = locs_get(first + dep_name)
                    if hit is None and further is not None:
                        hit = find(further, dep_name)
                if hit is None:
                    continue  # missing: npm ls prints it as missing
                if hit.link_target is not None:
                    hit = self.follow(hit)
                    if hit is None:
                        continue
                child = hit.pid
                assert child is not None
                alias = dep_name if dep_name != hit.name else None
                key = (id(child), kind)  # ids are interned: one object per node
                if key not in out:
                    out[key] = Edge(child, kind, spec, alias)
        # ``npm ls`` shows packages the lockfile marks extraneous under their folder's owner
        for loc, item in locs.items():
            if not loc or (not item.extraneous and item.link_target is None):
                continue
            target = self.follow(item)
            if target is None or not (target.extraneous or item.extraneous):
                continue
            owner = _location_parent(loc)
            if owner is None or owner not in nv_of:
                continue
            kind = (
                EdgeKind.DEV
                if target.dev
                else EdgeKind.OPTIONAL
                if target.optional
                else EdgeKind.PROD
            )
            child = target.pid
            assert child is not None
            parent = locs[owner].pid
            assert parent is not None
            out = out_edges.setdefault(id(parent), (parent, {}))[1]
            out.setdefault((id(child), kind), Edge(child, kind))
        root_id = ids[nv_of[""]]
        roots = tuple(dict.fromkeys([root_id, *(ids[nv_of[w]] for w in ws_locs if w in nv_of)]))
        return with_refusals(
            DependencyGraph(
                ecosystem=ECOSYSTEM,
                format=fmt,
                path=self.spath,
                packages={ids[nv]: pkg for nv, pkg in packages.items()},
                edges={parent: tuple(out.values()) for parent, out in out_edges.values() if out},
                roots=roots,
            )
        )

    def workspace_locations(self) -> list[str]:
        if not self.workspaces:
            return []
        out: list[str] = []
        for loc, item in self.locs.items():
            if not loc or item.link_target is not None or _is_in_node_modules(loc):
                continue
            if any(_glob_match(loc, pat) for pat in self.workspaces):
                out.append(loc)
        return out


_NODE_MODULES = "node_modules/"


def _parent_folder(folder: str) -> str:
    """The next folder node's lookup tries above ``folder`` (a ``node_modules`` is skipped)."""
    i = folder.rfind("/")
    d = folder[:i] if i != -1 else ""
    if d.endswith("/node_modules") or d == "node_modules":
        i = d.rfind("/")
        d = d[:i] if i != -1 else ""
    return d


def _parent_folder_v1(folder: str) -> str:
    """:func:`_parent_folder` as version 1's ``requires`` resolution has always walked."""
    i = folder.rfind("/")
    d = folder[:i] if i != -1 else ""
    if d.endswith("node_modules"):
        i = d.rfind("/")
        d = d[:i] if i != -1 else ""
    return d


class _Lookup:
    """node's ``require`` lookup over the locations, linear-ish in the nesting depth.

    ``nested`` holds every folder with a ``node_modules`` of its own and
    ``prefix`` its ``<folder>/node_modules/``. Walking up from a folder only
    visits those: ``nearest`` (memoised per folder) is the first at or above a
    folder, ``above`` the next one up from each (slicing the path at every step
    was cubic in the depth). The first folder or two are probed by building the
    location; farther up, ``by_name[name][folder]`` (the location
    ``<folder>/node_modules/<name>`` split at its last ``node_modules/``, built
    on first use) costs one dict probe per folder whatever the path's length.
    """

    __slots__ = ("_by_name", "_memo", "_parent", "above", "locs", "nested", "prefix")

    def __init__(self, locs: Mapping[str, _Loc], parent: Callable[[str], str]) -> None:
        self.locs = locs
        self._parent = parent
        nested: set[str] = {""}
        for loc in locs:
            i = loc.rfind("/node_modules/")
            if i > 0:
                nested.add(loc[:i])
        self.nested = nested
        self.prefix = {f: f"{f}/node_modules/" if f else _NODE_MODULES for f in nested}
        self._by_name: dict[str, dict[str, _Loc]] | None = None
        self._memo: dict[str, str | None] = {}
        self.above: dict[str, str | None] = {
            folder: (self.nearest(parent(folder)) if folder else None) for folder in nested
        }

    @property
    def by_name(self) -> dict[str, dict[str, _Loc]]:
        by_name = self._by_name
        if by_name is None:
            by_name = self._by_name = {}
            for loc, item in self.locs.items():
                pos = loc.rfind(_NODE_MODULES)
                if pos == 0:
                    folder = ""
                elif pos > 1 and loc[pos - 1] == "/":
                    folder = loc[: pos - 1]
                else:
                    continue
                name = loc[pos + len(_NODE_MODULES) :]
                cands = by_name.get(name)
                if cands is None:
                    by_name[name] = {folder: item}
                else:
                    cands[folder] = item
        return by_name

    def nearest(self, folder: str) -> str | None:
        """The first folder with a ``node_modules`` at or above ``folder``."""
        memo = self._memo
        if folder in memo:
            return memo[folder]
        trail: list[str] = []
        d = folder
        result: str | None = None
        while True:
            if d in memo:
                result = memo[d]
                break
            if d in self.nested:
                result = d
                break
            trail.append(d)
            if not d:
                break
            d = self._parent(d)
        for d in trail:
            memo[d] = result
        return result

    def find(self, start: str | None, name: str) -> _Loc | None:
        """``<f>/node_modules/<name>`` for the first folder ``f`` from ``start`` up that has it."""
        if start is None:
            return None
        hit = self.locs.get(self.prefix[start] + name)
        if hit is not None:
            return hit
        folder = self.above[start]
        if folder is None:
            return None
        if _NODE_MODULES in name:  # not in the index under this name: build each location
            while folder is not None:
                hit = self.locs.get(self.prefix[folder] + name)
                if hit is not None:
                    return hit
                folder = self.above[folder]
            return None
        cands = self.by_name.get(name)
        if cands is None:
            return None
        while folder is not None:
            hit = cands.get(folder)
            if hit is not None:
                return hit
            folder = self.above[folder]
        return None


def _glob_match(loc: str, pattern: str) -> bool:
    if pattern.endswith("/**"):
        base = pattern[:-3]
        return loc == base or fnmatchcase(loc, f"{base}/*")
    return fnmatchcase(loc, pattern) and loc.count("/") == pattern.count("/")


def _merge(prev: Package, item: _Loc, source: Source) -> Package:
    """One name@version installed at several locations: one node, flags combined."""
    line = prev.line
    if item.line is not None and (line is None or item.line < line):
        line = item.line
    his = prev.has_install_script
    if item.has_install_script is not None:
        his = bool(his) or item.has_install_script
    keep_source = prev.source
    if source.kind in (SourceKind.ROOT, SourceKind.WORKSPACE):
        keep_source = source
    return Package(
        id=prev.id,
        source=keep_source,
        integrity=prev.integrity or item.integrity,
        line=line,
        dev=prev.dev and item.dev,
        optional=prev.optional and item.optional,
        has_install_script=his,
        display_name=prev.display_name,
    )


class PackageLockReader:
    """Reads ``package-lock.json`` and ``npm-shrinkwrap.json`` (lockfileVersion 1-3)."""

    name: ClassVar[str] = "npm-package-lock"
    ecosystem: ClassVar[str] = ECOSYSTEM
    filenames: ClassVar[tuple[str, ...]] = ("package-lock.json", "npm-shrinkwrap.json")

    __slots__ = ("_manifests",)

    def __init__(self, manifests: ManifestLoader | None = default_manifest_loader) -> None:
        self._manifests = manifests

    def matches(self, path: Path, head: str) -> bool:
        if path.name in self.filenames:
            return True
        start = head.lstrip("\ufeff \t\r\n")
        return start.startswith("{") and '"lockfileVersion"' in head

    def read(self, path: Path, text: str) -> DependencyGraph:
        # Reading allocates hundreds of thousands of small objects and frees none of
        # them: the cyclic GC would rescan the growing heap again and again.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._read(path, text)
        finally:
            if enabled:
                gc.enable()

    def _read(self, path: Path, text: str) -> DependencyGraph:
        spath = str(path)
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            raise json_error(spath, exc) from None
        except _DuplicateKeyError as exc:
            needle = json.dumps(exc.key, ensure_ascii=False)
            first = text.find(needle)
            second = text.find(needle, first + 1) if first != -1 else -1
            line = text.count("\n", 0, second) + 1 if second != -1 else None
            raise LockfileError(
                spath, f"duplicate key {needle[:200]} in JSON object", line
            ) from None
        except RecursionError:
            raise LockfileError(spath, "JSON is nested too deeply") from None
        if not isinstance(data, dict):
            raise LockfileError(
                spath, f"not a package-lock file (the top-level value is {describe_type(data)})", 1
            )
        reader = _Reader(path, text, self._manifests)
        version = data.get("lockfileVersion")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise reader.error(
                f"lockfileVersion: expected an integer, got {describe_type(version)}",
                _line_of_key(text, "lockfileVersion"),
            )
        top_name = data.get("name")
        top_version = data.get("version")
        if top_name is not None and not isinstance(top_name, str):
            raise reader.error(f"name: expected a string, got {describe_type(top_name)}")
        if top_version is not None and not isinstance(top_version, str):
            raise reader.error(f"version: expected a string, got {describe_type(top_version)}")
        name = top_name or path.parent.name or "project"
        ver = top_version or ""
        packages = data.get("packages")
        deps = data.get("dependencies")
        if packages is not None and (version is None or version >= 2):
            if not isinstance(packages, dict):
                raise reader.error(
                    f"packages: expected an object, got {describe_type(packages)}",
                    _line_of_key(text, "packages"),
                )
            reader.read_packages(packages, name, ver)
            fmt_version = version if version is not None else 3
        elif version is None and deps is None and packages is None:
            raise reader.error(
                'not a package-lock file (no "lockfileVersion", "packages" or "dependencies")'
            )
        else:
            if deps is None:
                deps = {}
            if not isinstance(deps, dict):
                raise reader.error(
                    f"dependencies: expected an object, got {describe_type(deps)}",
                    _line_of_key(text, "dependencies"),
                )
            if version is not None and version >= 2 and packages is None and deps:
                pass  # a v2 file without "packages": read its legacy section
            reader.read_v1(deps, name, ver)
            fmt_version = version if version is not None else 1
        return reader.build(f"npm-package-lock@{fmt_version}")


def _line_of_key(text: str, key: str) -> int | None:
    hit = text.find(f'"{key}"')
    return None if hit == -1 else text.count("\n", 0, hit) + 1


READERS = (PackageLockReader(),)
