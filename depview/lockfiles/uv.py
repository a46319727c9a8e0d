"""uv.lock (uv's universal lockfile, ``version = 1``).

Every ``[[package]]`` becomes a node. The project itself (source ``editable``/
``virtual``/``directory`` = ``"."``) is the ROOT node, other workspace members
(``[manifest] members``) are WORKSPACE roots; a virtual workspace without a root
package gets a synthetic root. Edges: ``dependencies`` (prod),
``optional-dependencies`` (optional, per extra) and ``dev-dependencies`` (dev,
per dependency group). Markers are ignored: a uv lockfile covers every platform,
so every edge is kept. ``Package.dev``/``optional`` come from an extras-aware
walk from the roots. :func:`select` gives the package set of one
``uv export --group/--extra`` selection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from depview.errors import LockfileError
from depview.lockfiles._common import describe_type
from depview.lockfiles._pycommon import (
    PYPI,
    BlockLocator,
    PythonLockReader,
    ReadDetails,
    normalize_hash,
    parse_toml,
    reach,
    synthetic_root,
    top_key_line,
)
from depview.model import (
    DependencyGraph,
    Edge,
    EdgeKind,
    Package,
    PackageId,
    Source,
    SourceKind,
    build_graph,
    normalize_name,
)

__all__ = ["READERS", "UvLockReader", "UvLock", "parse", "select"]

_LOCAL_KEYS = ("editable", "virtual", "directory")
_TOP_VERSION = re.compile(r"^version\s*=\s*\d+\s*(#.*)?$")


@dataclass(frozen=True, slots=True)
class _Dep:
    child: PackageId
    extras: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Node:
    id: PackageId
    source: Source
    local_path: str | None  # editable/virtual/directory path, for project detection
    deps: tuple[_Dep, ...]
    optional: Mapping[str, tuple[_Dep, ...]]  # extra -> deps
    dev: Mapping[str, tuple[_Dep, ...]]  # group -> deps
    hashes: tuple[str, ...]
    line: int | None
    specs: Mapping[str, str]  # normalised dependency name -> specifier (metadata.requires-dist)


@dataclass(frozen=True, slots=True)
class UvLock:
    """A parsed uv.lock: nodes in file order plus what the graph needs."""

    version: int
    nodes: tuple[_Node, ...]
    root: PackageId
    workspace: tuple[PackageId, ...]
    synthetic_root: bool
    manifest_groups: Mapping[str, tuple[_Dep, ...]]  # virtual root's dependency groups


def _err(path: str, message: str, line: int | None = None) -> LockfileError:
    return LockfileError(path, message, line)


def _str(value: Any, context: str, path: str, line: int | None) -> str:
    if not isinstance(value, str):
        raise _err(path, f"{context}: expected a string, got {describe_type(value)}", line)
    return value


def _table(value: Any, context: str, path: str, line: int | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _err(path, f"{context}: expected a table, got {describe_type(value)}", line)
    return value


def _array(value: Any, context: str, path: str, line: int | None) -> list[Any]:
    if not isinstance(value, list):
        raise _err(path, f"{context}: expected an array, got {describe_type(value)}", line)
    return value


def _source(raw: Any, context: str, path: str, line: int | None) -> tuple[Source, str | None]:
    if raw is None:
        return Source(SourceKind.REGISTRY), None
    table = _table(raw, context, path, line)
    for key in _LOCAL_KEYS:
        if key in table:
            local = _str(table[key], f"{context}.{key}", path, line)
            return Source(SourceKind.FILE, local), local
    if "registry" in table:
        return Source(SourceKind.REGISTRY, _str(table["registry"], context, path, line)), None
    if "git" in table:
        return Source(SourceKind.GIT, _str(table["git"], context, path, line)), None
    if "url" in table:
        return Source(SourceKind.TARBALL, _str(table["url"], context, path, line)), None
    if "path" in table:
        return Source(SourceKind.FILE, _str(table["path"], context, path, line)), None
    raise _err(path, f"{context}: unknown source kind {sorted(table)!r}", line)


def _hashes(entry: Mapping[str, Any], context: str, path: str, line: int | None) -> list[str]:
    out: list[str] = []

    def add(artifact: Any, where: str) -> None:
        art = _table(artifact, where, path, line)
        h = art.get("hash")
        if h is None:
            return
        norm = normalize_hash(_str(h, f"{where}.hash", path, line))
        if norm is not None:
            out.append(norm)

    # File order: uv writes sdist before wheels; dict order follows the file.
    for key, value in entry.items():
        if key == "sdist":
            add(value, f"{context}.sdist")
        elif key == "wheels":
            for i, w in enumerate(_array(value, f"{context}.wheels", path, line)):
                add(w, f"{context}.wheels[{i}]")
    return out


class _Index:
    """Finds the package a dependency entry means (by name, then version/source)."""

    def __init__(self) -> None:
        self.by_name: dict[str, list[tuple[PackageId, dict[str, Any] | None]]] = {}

    def add(self, pid: PackageId, source: dict[str, Any] | None) -> None:
        self.by_name.setdefault(pid.name, []).append((pid, source))

    def resolve(
        self, name: str, version: str | None, source: dict[str, Any] | None
    ) -> list[PackageId]:
        cands = self.by_name.get(normalize_name(PYPI, name), [])
        if version is not None:
            cands = [c for c in cands if c[0].version == version]
        if source is not None and len(cands) > 1:
            narrowed = [c for c in cands if c[1] == source]
            cands = narrowed or cands
        return [c[0] for c in cands]


def _dep_list(
    raw: Any, index: _Index, context: str, path: str, line: int | None
) -> tuple[_Dep, ...]:
    out: list[_Dep] = []
    for i, item in enumerate(_array(raw, context, path, line)):
        where = f"{context}[{i}]"
        entry = _table(item, where, path, line)
        name = _str(entry.get("name"), f"{where}.name", path, line)
        version = entry.get("version")
        if version is not None:
            version = _str(version, f"{where}.version", path, line)
        source = entry.get("source")
        if source is not None:
            source = _table(source, f"{where}.source", path, line)
        extras_raw = entry.get("extra", [])
        extras = tuple(
            _str(e, f"{where}.extra", path, line)
            for e in _array(extras_raw, f"{where}.extra", path, line)
        )
        targets = index.resolve(name, version, source)
        if not targets:
            raise _err(path, f"{where}: depends on {name!r}, which is not in the lockfile", line)
        out.extend(_Dep(t, extras) for t in targets)
    return tuple(out)


def _dep_groups(
    raw: Any, index: _Index, context: str, path: str, line: int | None
) -> dict[str, tuple[_Dep, ...]]:
    table = _table(raw, context, path, line)
    return {str(k): _dep_list(v, index, f"{context}.{k}", path, line) for k, v in table.items()}


def _specs(entry: Mapping[str, Any]) -> dict[str, str]:
    """name -> specifier from ``[package.metadata]`` (best effort, never raises)."""
    meta = entry.get("metadata")
    out: dict[str, str] = {}
    if not isinstance(meta, dict):
        return out
    lists: list[Any] = [meta.get("requires-dist")]
    dev = meta.get("requires-dev")
    if isinstance(dev, dict):
        lists.extend(dev.values())
    for lst in lists:
        if not isinstance(lst, list):
            continue
        for item in lst:
            if isinstance(item, dict):
                name, spec = item.get("name"), item.get("specifier")
                if isinstance(name, str) and isinstance(spec, str):
                    out.setdefault(normalize_name(PYPI, name), spec)
    return out


def parse(path: Path, text: str) -> UvLock:
    """Parse uv.lock text; raises LockfileError for anything malformed."""
    p = str(path)
    doc = parse_toml(p, text, "uv.lock")
    version = doc.get("version")
    if version is None:
        raise _err(p, "not a uv.lock: no top-level 'version'")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _err(
            p,
            f"version: expected an integer, got {describe_type(version)}",
            top_key_line(text, "version"),
        )
    if "lock-version" in doc or ("metadata" in doc and "manifest" not in doc):
        raise _err(p, "not a uv.lock (looks like a poetry.lock or pylock.toml)")
    raw_pkgs = _array(doc.get("package", []), "package", p, top_key_line(text, "package"))
    locator = BlockLocator(text, "package", len(raw_pkgs))

    # Pass 1: identities, so dependencies can be resolved.
    index = _Index()
    entries: list[tuple[dict[str, Any], PackageId, Source, str | None, int | None]] = []
    seen: set[PackageId] = set()
    for i, raw in enumerate(raw_pkgs):
        context = f"package[{i}]"
        pre_line = None
        if isinstance(raw, dict):
            pre_line = locator.line(i, raw.get("name"))
        entry = _table(raw, context, p, pre_line)
        name = _str(entry.get("name"), f"{context}.name", p, pre_line)
        line = pre_line
        source, local = _source(entry.get("source"), f"{context}.source", p, line)
        ver_raw = entry.get("version")
        if ver_raw is None:
            if local is None:
                raise _err(p, f"{context} ({name}): missing version", line)
            ver = ""  # a dynamic-version local project
        else:
            ver = _str(ver_raw, f"{context}.version", p, line)
        pid = PackageId.of(PYPI, name, ver)
        if pid in seen:
            # Same name+version from two sources: keep both, tell them apart.
            ver = f"{ver}+{source.kind}" if ver else source.kind.value
            pid = PackageId.of(PYPI, name, ver)
            n = 2
            while pid in seen:
                pid = PackageId.of(PYPI, name, f"{ver}.{n}")
                n += 1
        seen.add(pid)
        src_table = entry.get("source")
        index.add(pid, src_table if isinstance(src_table, dict) else None)
        entries.append((entry, pid, source, local, line))

    # Pass 2: dependencies.
    nodes: list[_Node] = []
    for i, (entry, pid, source, local, line) in enumerate(entries):
        context = f"package[{i}] ({pid.name})"
        deps = _dep_list(entry.get("dependencies", []), index, f"{context}.dependencies", p, line)
        optional = _dep_groups(
            entry.get("optional-dependencies", {}),
            index,
            f"{context}.optional-dependencies",
            p,
            line,
        )
        dev = _dep_groups(
            entry.get("dev-dependencies", {}), index, f"{context}.dev-dependencies", p, line
        )
        hashes = tuple(_hashes(entry, context, p, line))
        nodes.append(_Node(pid, source, local, deps, optional, dev, hashes, line, _specs(entry)))

    # Roots.
    manifest = _table(doc.get("manifest", {}), "manifest", p, top_key_line(text, "manifest"))
    members_raw = _array(manifest.get("members", []), "manifest.members", p, None)
    members = {normalize_name(PYPI, _str(m, "manifest.members", p, None)) for m in members_raw}
    root: PackageId | None = None
    for node in nodes:
        if node.local_path is not None and node.local_path in (".", "./", ""):
            root = node.id
            break
    workspace = tuple(
        n.id for n in nodes if n.local_path is not None and n.id != root and n.id.name in members
    )
    synthetic = root is None
    if root is None:
        root = synthetic_root(path, (n.id for n in nodes))
    manifest_groups: dict[str, tuple[_Dep, ...]] = {}
    raw_groups = manifest.get("dependency-groups")
    if raw_groups is not None:
        for group, reqs in _table(raw_groups, "manifest.dependency-groups", p, None).items():
            group_deps: list[_Dep] = []
            for j, req in enumerate(_array(reqs, f"manifest.dependency-groups.{group}", p, None)):
                req_t = _table(req, f"manifest.dependency-groups.{group}[{j}]", p, None)
                name = _str(req_t.get("name"), f"manifest.dependency-groups.{group}.name", p, None)
                group_deps.extend(_Dep(t, ()) for t in index.resolve(name, None, None))
            manifest_groups[str(group)] = tuple(group_deps)
    return UvLock(version, tuple(nodes), root, workspace, synthetic, manifest_groups)


# -- walking -----------------------------------------------------------------

_State = tuple[PackageId, str | None]  # (package, activated extra or None)


def _walker(lock: UvLock) -> tuple[dict[PackageId, _Node], Any]:
    by_id = {n.id: n for n in lock.nodes}

    def step(state: _State) -> Iterator[_State]:
        node = by_id.get(state[0])
        if node is None:
            return
        extra = state[1]
        deps = node.deps if extra is None else node.optional.get(extra, ())
        if extra is not None:
            yield (node.id, None)
        for d in deps:
            yield (d.child, None)
            for e in d.extras:
                yield (d.child, e)

    return by_id, step


def _starts(
    lock: UvLock, extras: Iterable[str] | None, groups: Iterable[str] | None
) -> list[_State]:
    """Walk start states from the roots' own dependency lists."""
    by_id = {n.id: n for n in lock.nodes}
    out: list[_State] = []
    project_roots = [lock.root, *lock.workspace]
    if lock.synthetic_root:
        project_roots = list(lock.workspace) or [n.id for n in lock.nodes if n.local_path]
    for rid in project_roots:
        node = by_id.get(rid)
        if node is None:
            continue
        out.append((rid, None))
        lists: list[tuple[_Dep, ...]] = []  # base deps come from step() on the root
        wanted_extras = node.optional.keys() if extras is None else extras
        lists.extend(node.optional.get(e, ()) for e in wanted_extras)
        wanted_groups = node.dev.keys() if groups is None else groups
        lists.extend(node.dev.get(g, ()) for g in wanted_groups)
        for deps in lists:
            for d in deps:
                out.append((d.child, None))
                out.extend((d.child, e) for e in d.extras)
    wanted = lock.manifest_groups.keys() if groups is None else groups
    for g in wanted:
        out.extend((d.child, None) for d in lock.manifest_groups.get(g, ()))
    return out


def _reached(
    lock: UvLock, extras: Iterable[str] | None, groups: Iterable[str] | None
) -> set[PackageId]:
    _, step = _walker(lock)
    states = reach(_starts(lock, extras, groups), step)
    return {s[0] for s in states}


def select(
    path: Path,
    text: str,
    *,
    groups: Iterable[str] | None = None,
    extras: Iterable[str] | None = None,
) -> frozenset[PackageId]:
    """The packages ``uv export`` would list for these groups/extras (all when None).

    ``groups=()`` means no dependency groups, ``extras=()`` no extras; the project
    and workspace members themselves are left out. Markers are not evaluated.
    """
    lock = parse(path, text)
    locals_ = {n.id for n in lock.nodes if n.local_path is not None}
    return frozenset(_reached(lock, extras, groups) - locals_ - {lock.root})


# -- graph -------------------------------------------------------------------


def _to_graph(path: Path, lock: UvLock) -> tuple[DependencyGraph, ReadDetails]:
    edges: dict[PackageId, list[Edge]] = {}
    project = {lock.root, *lock.workspace}

    def spec(parent: _Node, child: PackageId) -> str | None:
        return parent.specs.get(child.name) if parent.id in project else None

    for node in lock.nodes:
        out = edges.setdefault(node.id, [])
        lists = [
            (EdgeKind.PROD, node.deps),
            *((EdgeKind.OPTIONAL, deps) for deps in node.optional.values()),
            *((EdgeKind.DEV, deps) for deps in node.dev.values()),
        ]
        for kind, deps in lists:
            # A project asking for its own extras (``all = [{ name = "me", extra = [...] }]``)
            # is no edge: the walk above already follows the extras it turns on.
            out.extend(Edge(d.child, kind, spec(node, d.child)) for d in deps if d.child != node.id)
    if lock.synthetic_root:
        root_edges = edges.setdefault(lock.root, [])
        root_edges.extend(Edge(m, EdgeKind.PROD) for m in lock.workspace)
        for deps in lock.manifest_groups.values():
            root_edges.extend(Edge(d.child, EdgeKind.DEV) for d in deps)

    all_ = _reached(lock, None, None)
    no_dev = _reached(lock, None, ())
    no_optional = _reached(lock, (), None)

    packages: list[Package] = []
    hashes: dict[PackageId, tuple[str, ...]] = {}
    if lock.synthetic_root:
        packages.append(Package(lock.root, Source(SourceKind.ROOT)))
    for node in lock.nodes:
        source = node.source
        if node.id == lock.root:
            source = Source(SourceKind.ROOT, node.source.url)
        elif node.id in lock.workspace:
            source = Source(SourceKind.WORKSPACE, node.source.url)
        reached = node.id in all_
        packages.append(
            Package(
                node.id,
                source=source,
                integrity=node.hashes[0] if node.hashes else None,
                line=node.line,
                dev=reached and node.id not in no_dev,
                optional=reached and node.id not in no_optional,
            )
        )
        if node.hashes:
            hashes[node.id] = node.hashes
    graph = build_graph(
        ecosystem=PYPI,
        format=f"uv-lock@{lock.version}",
        path=str(path),
        packages=packages,
        edges=edges,
        roots=[lock.root, *lock.workspace],
    )
    notes: tuple[str, ...] = ()
    if lock.version != 1:
        notes = (f"{path}: uv.lock version {lock.version} is newer than depview knows (1)",)
    return graph, ReadDetails(hashes=hashes, notes=notes)


class UvLockReader(PythonLockReader):
    name: ClassVar[str] = "uv-lock"
    file_kind: ClassVar[str] = "uv.lock"
    filenames: ClassVar[tuple[str, ...]] = ("uv.lock",)

    def matches(self, path: Path, head: str) -> bool:
        if path.name == "uv.lock":
            return True
        # uv writes an integer ``version`` (and ``revision``) before any table.
        for line in head.splitlines():
            if line.startswith("["):
                return False
            if _TOP_VERSION.match(line):
                return "lock-version" not in head
        return False

    def build(self, path: Path, text: str) -> tuple[DependencyGraph, ReadDetails]:
        return _to_graph(path, parse(path, text))


READERS = (UvLockReader(),)
