"""poetry.lock: no lock-version (pre-1.0), 1.0/1.1 (``category``, ``[metadata.files]``)
and 2.0/2.1 (``files`` per package, ``groups``).

Every ``[[package]]`` is a node; ``[package.dependencies]`` are edges (optional
ones, used by extras, are OPTIONAL edges). A dependency name that matches several
locked versions goes to those its constraint allows (all of them when the
constraint cannot be read). ``Package.dev`` / ``optional`` are the lock's own
flags (``category = "dev"`` or ``"main"`` missing from ``groups``; ``optional``).

The project is the ROOT node. Its direct dependencies come from the
``pyproject.toml`` beside the lockfile when there is one (``[tool.poetry]``
dependencies, dev-dependencies and groups, PEP 621 ``[project]`` dependencies and
optional-dependencies, PEP 735 ``[dependency-groups]``). Without it, every locked
package that no other locked package depends on is taken as direct. Either way a
locked package the root cannot reach is attached to the root, so nothing is
orphaned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from depview.errors import LockfileError
from depview.lockfiles._common import describe_type
from depview.lockfiles._pycommon import (
    PYPI,
    BlockLocator,
    PythonLockReader,
    ReadDetails,
    attach_orphans,
    normalize_hash,
    parse_toml,
    read_sibling,
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

__all__ = ["READERS", "PoetryLockReader", "poetry_constraint"]


# -- constraints -------------------------------------------------------------

_OP = re.compile(r"^(===|==|!=|<=|>=|~=|<|>|\^|~|=)?\s*(.*)$")


def _bump(release: tuple[int, ...], index: int) -> str:
    parts = list(release[: index + 1])
    parts[index] += 1
    return ".".join(str(p) for p in parts)


def _one(term: str) -> list[str]:
    """One poetry constraint term as PEP 440 specifiers."""
    term = term.strip()
    if term in ("", "*"):
        return []
    m = _OP.match(term)
    if m is None:  # pragma: no cover - the pattern matches every string
        raise InvalidSpecifier(term)
    op, ver = m.group(1) or "", m.group(2).strip()
    if op in ("^", "~"):
        v = Version(ver)
        release = v.release
        given = len(ver.split("."))
        if op == "^":
            idx = next((i for i, x in enumerate(release[:given]) if x != 0), given - 1)
            idx = min(idx, given - 1)
        else:
            idx = 0 if given == 1 else 1
        return [f">={ver}", f"<{_bump(release, idx)}"]
    if op in ("", "="):
        return [f"=={ver}"]
    return [f"{op}{ver}"]


def poetry_constraint(constraint: str) -> list[SpecifierSet]:
    """A poetry constraint (``^1.2``, ``~1.2``, ``>=1,<2``, ``1.*``, ``a || b``) as
    alternative PEP 440 specifier sets. Raises ValueError if it cannot be read."""
    alternatives: list[SpecifierSet] = []
    for alt in re.split(r"\|\|?", constraint):
        terms = [t for t in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", alt.strip()) if t.strip()]
        specs: list[str] = []
        for t in terms:
            specs.extend(_one(t))
        alternatives.append(SpecifierSet(",".join(specs)))
    return alternatives


def _allows(constraint: str | None, version: str) -> bool | None:
    """Whether ``version`` satisfies ``constraint``; None if either is unreadable."""
    if constraint is None:
        return None
    try:
        alts = poetry_constraint(constraint)
        v = Version(version)
    except (InvalidSpecifier, InvalidVersion, ValueError, IndexError):
        return None
    return any(s.contains(v, prereleases=True) for s in alts)


# -- lockfile ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Dep:
    name: str  # normalised
    constraint: str | None
    optional: bool


@dataclass(slots=True)
class _Entry:
    id: PackageId
    display: str
    source: Source
    dev: bool
    optional: bool
    deps: list[_Dep]
    hashes: list[str]
    line: int | None


def _err(path: str, message: str, line: int | None = None) -> LockfileError:
    return LockfileError(path, message, line)


def _want(value: Any, kind: type, what: str, context: str, path: str, line: int | None) -> Any:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise _err(path, f"{context}: expected {what}, got {describe_type(value)}", line)
    return value


def _dep_specs(raw: Any) -> Iterator[tuple[str | None, bool]]:
    """(constraint, optional) for each alternative of a dependency value."""
    items = raw if isinstance(raw, list) else [raw]
    for item in items:
        if isinstance(item, str):
            yield item, False
        elif isinstance(item, dict):
            ver = item.get("version")
            yield (ver if isinstance(ver, str) else None), item.get("optional") is True
        else:
            raise TypeError(f"expected a string or table, got {describe_type(item)}")


def _source(raw: Any, context: str, path: str, line: int | None) -> Source:
    if raw is None:
        return Source(SourceKind.REGISTRY)
    table = _want(raw, dict, "a table", context, path, line)
    kind = table.get("type")
    url = table.get("url")
    if url is not None:
        url = _want(url, str, "a string", f"{context}.url", path, line)
    if kind is None or kind in ("legacy", "pypi", "supplemental", "explicit", "primary"):
        return Source(SourceKind.REGISTRY, url)
    kind = _want(kind, str, "a string", f"{context}.type", path, line)
    if kind == "git":
        ref = table.get("resolved_reference") or table.get("reference")
        if isinstance(ref, str) and url is not None:
            return Source(SourceKind.GIT, f"{url}#{ref}")
        return Source(SourceKind.GIT, url)
    if kind in ("directory", "file"):
        return Source(SourceKind.FILE, url)
    if kind == "url":
        return Source(SourceKind.TARBALL, url)
    return Source(SourceKind.REGISTRY, url)


def _files(raw: Any, context: str, path: str, line: int | None) -> list[tuple[str, str]]:
    """(filename, normalised hash) pairs from a ``files`` list (or legacy hash list)."""
    out: list[tuple[str, str]] = []
    for i, item in enumerate(_want(raw, list, "an array", context, path, line)):
        if isinstance(item, str):  # pre-1.0 [metadata.hashes]: bare hex digests
            h = normalize_hash(item)
            if h:
                out.append(("", h))
            continue
        f = _want(item, dict, "a table", f"{context}[{i}]", path, line)
        h_raw = f.get("hash")
        if h_raw is None:
            continue
        h = normalize_hash(_want(h_raw, str, "a string", f"{context}[{i}].hash", path, line))
        name = f.get("file")
        if h:
            out.append((name if isinstance(name, str) else "", h))
    return out


def _for_version(files: list[tuple[str, str]], name: str, version: str, shared: bool) -> list[str]:
    """The hashes of ``files`` that belong to ``version`` (when a name has several)."""
    if not shared:
        return [h for _, h in files]
    want = version.lower()
    picked = [
        h
        for fname, h in files
        if f"-{want}-" in fname.lower()
        or fname.lower().endswith(f"-{want}.tar.gz")
        or fname.lower().endswith(f"-{want}.zip")
    ]
    return picked


def _is_poetry(doc: Mapping[str, Any]) -> bool:
    if isinstance(doc.get("metadata"), dict):
        return True
    return (
        isinstance(doc.get("package"), list) and "version" not in doc and "lock-version" not in doc
    )


def _parse(path: Path, text: str) -> tuple[list[_Entry], str | None, dict[str, Any]]:
    p = str(path)
    doc = parse_toml(p, text, "poetry.lock")
    if not _is_poetry(doc):
        raise _err(p, "not a poetry.lock (no [metadata] table and no [[package]] entries)")
    metadata = _want(
        doc.get("metadata", {}), dict, "a table", "metadata", p, top_key_line(text, "metadata")
    )
    lock_version = metadata.get("lock-version")
    if lock_version is not None:
        lock_version = _want(lock_version, str, "a string", "metadata.lock-version", p, None)
    raw_pkgs = _want(
        doc.get("package", []), list, "an array", "package", p, top_key_line(text, "package")
    )
    locator = BlockLocator(text, "package", len(raw_pkgs))

    meta_files: dict[str, list[tuple[str, str]]] = {}
    for key in ("files", "hashes"):
        table = metadata.get(key)
        if table is None:
            continue
        for name, listed in _want(table, dict, "a table", f"metadata.{key}", p, None).items():
            meta_files.setdefault(normalize_name(PYPI, name), []).extend(
                _files(listed, f"metadata.{key}.{name}", p, None)
            )

    names: dict[str, int] = {}
    for raw in raw_pkgs:
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            n = normalize_name(PYPI, raw["name"])
            names[n] = names.get(n, 0) + 1

    entries: list[_Entry] = []
    seen: set[PackageId] = set()
    for i, raw in enumerate(raw_pkgs):
        context = f"package[{i}]"
        line = None
        if isinstance(raw, dict):
            line = locator.line(i, raw.get("name"))
        pkg = _want(raw, dict, "a table", context, p, line)
        name = _want(pkg.get("name"), str, "a string", f"{context}.name", p, line)
        context = f"package[{i}] ({name})"
        version = _want(pkg.get("version"), str, "a string", f"{context}.version", p, line)
        pid = PackageId.of(PYPI, name, version)
        if pid in seen:
            raise _err(p, f"{context}: {name} {version} is locked twice", line)
        seen.add(pid)
        category = pkg.get("category")
        groups = pkg.get("groups")
        if category is not None:
            category = _want(category, str, "a string", f"{context}.category", p, line)
        if groups is not None:
            groups = _want(groups, list, "an array", f"{context}.groups", p, line)
            for g in groups:
                _want(g, str, "a string", f"{context}.groups", p, line)
        if groups is not None:
            dev = "main" not in groups
        else:
            dev = category == "dev"
        optional = pkg.get("optional", False)
        optional = _want(optional, bool, "a boolean", f"{context}.optional", p, line)
        deps: list[_Dep] = []
        raw_deps = _want(
            pkg.get("dependencies", {}), dict, "a table", f"{context}.dependencies", p, line
        )
        for dname, dval in raw_deps.items():
            try:
                alts = list(_dep_specs(dval))
            except TypeError as exc:
                raise _err(p, f"{context}.dependencies.{dname}: {exc}", line) from None
            norm = normalize_name(PYPI, dname)
            for constraint, opt in alts:
                deps.append(_Dep(norm, constraint, opt))
        files: list[tuple[str, str]] = []
        if "files" in pkg:
            files = _files(pkg["files"], f"{context}.files", p, line)
        elif pid.name in meta_files:
            files = meta_files[pid.name]
        hashes = _for_version(files, pid.name, version, names.get(pid.name, 0) > 1)
        entries.append(
            _Entry(
                pid,
                name,
                _source(pkg.get("source"), f"{context}.source", p, line),
                dev,
                optional,
                deps,
                hashes,
                line,
            )
        )
    return entries, lock_version, doc


# -- pyproject ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RootDep:
    name: str
    constraint: str | None
    kind: EdgeKind


@dataclass(frozen=True, slots=True)
class _Project:
    name: str | None
    version: str | None
    deps: tuple[_RootDep, ...]


def _poetry_table_deps(table: Any, kind: EdgeKind) -> Iterator[_RootDep]:
    if not isinstance(table, dict):
        return
    for name, value in table.items():
        if normalize_name(PYPI, name) == "python":
            continue
        try:
            alts = list(_dep_specs(value))
        except TypeError:
            continue
        for constraint, opt in alts or [(None, False)]:
            yield _RootDep(
                normalize_name(PYPI, name),
                constraint,
                EdgeKind.OPTIONAL if opt and kind == EdgeKind.PROD else kind,
            )


def _pep508(items: Any, kind: EdgeKind) -> Iterator[_RootDep]:
    if not isinstance(items, list):
        return
    for item in items:
        if not isinstance(item, str):
            continue  # {include-group = ...} and the like
        try:
            req = Requirement(item)
        except InvalidRequirement:
            continue
        yield _RootDep(normalize_name(PYPI, req.name), str(req.specifier) or None, kind)


def _project(text: str | None) -> _Project | None:
    """Name, version and direct dependencies from a pyproject.toml (best effort)."""
    if text is None:
        return None
    try:
        import tomllib

        doc = tomllib.loads(text)
    except (ValueError, RecursionError):
        return None
    deps: list[_RootDep] = []
    name: str | None = None
    version: str | None = None
    project = doc.get("project")
    if isinstance(project, dict):
        if isinstance(project.get("name"), str):
            name = project["name"]
        if isinstance(project.get("version"), str):
            version = project["version"]
        deps.extend(_pep508(project.get("dependencies"), EdgeKind.PROD))
        opt = project.get("optional-dependencies")
        if isinstance(opt, dict):
            for items in opt.values():
                deps.extend(_pep508(items, EdgeKind.OPTIONAL))
    groups = doc.get("dependency-groups")
    if isinstance(groups, dict):
        for items in groups.values():
            deps.extend(_pep508(items, EdgeKind.DEV))
    tool = doc.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if isinstance(poetry, dict):
        if name is None and isinstance(poetry.get("name"), str):
            name = poetry["name"]
        if version is None and isinstance(poetry.get("version"), str):
            version = poetry["version"]
        deps.extend(_poetry_table_deps(poetry.get("dependencies"), EdgeKind.PROD))
        deps.extend(_poetry_table_deps(poetry.get("dev-dependencies"), EdgeKind.DEV))
        pgroups = poetry.get("group")
        if isinstance(pgroups, dict):
            for gname, group in pgroups.items():
                if isinstance(group, dict):
                    kind = EdgeKind.PROD if gname == "main" else EdgeKind.DEV
                    deps.extend(_poetry_table_deps(group.get("dependencies"), kind))
    if name is None and not deps:
        return None
    return _Project(name, version, tuple(deps))


# -- graph -------------------------------------------------------------------


def _resolve(
    by_name: Mapping[str, list[PackageId]], name: str, constraint: str | None
) -> list[PackageId]:
    cands = by_name.get(name, [])
    if len(cands) <= 1:
        return list(cands)
    allowed = [c for c in cands if _allows(constraint, c.version) is True]
    return allowed or list(cands)


def _kind_of(entry: _Entry) -> EdgeKind:
    if entry.dev:
        return EdgeKind.DEV
    if entry.optional:
        return EdgeKind.OPTIONAL
    return EdgeKind.PROD


def _to_graph(path: Path, text: str) -> tuple[DependencyGraph, ReadDetails]:
    entries, lock_version, _ = _parse(path, text)
    by_name: dict[str, list[PackageId]] = {}
    for e in entries:
        by_name.setdefault(e.id.name, []).append(e.id)
    by_id = {e.id: e for e in entries}

    edges: dict[PackageId, list[Edge]] = {}
    for e in entries:
        out = edges.setdefault(e.id, [])
        for d in e.deps:
            kind = EdgeKind.OPTIONAL if d.optional else EdgeKind.PROD
            out.extend(Edge(t, kind, d.constraint) for t in _resolve(by_name, d.name, d.constraint))

    project = _project(read_sibling(path, "pyproject.toml"))
    taken = [e.id for e in entries]
    notes: list[str] = []
    if project is not None and project.name:
        root = PackageId.of(PYPI, project.name, project.version or "")
        if root in by_id:
            root = synthetic_root(path, taken, project.name)
    else:
        root = synthetic_root(path, taken)
    root_edges = edges.setdefault(root, [])
    if project is not None and project.deps:
        for rd in project.deps:
            for t in _resolve(by_name, rd.name, rd.constraint):
                root_edges.append(Edge(t, rd.kind, rd.constraint))
    else:
        has_parent = {edge.child for es in edges.values() for edge in es}
        root_edges.extend(Edge(e.id, _kind_of(e), None) for e in entries if e.id not in has_parent)
    attached = attach_orphans(root, taken, edges, lambda pid: _kind_of(by_id[pid]))
    if attached and project is not None and project.deps:
        notes.append(
            f"{path}: {len(attached)} locked package(s) are not reachable from "
            "pyproject.toml's dependencies (stale lock?); shown as direct"
        )

    packages = [Package(root, Source(SourceKind.ROOT))]
    hashes: dict[PackageId, tuple[str, ...]] = {}
    for e in entries:
        packages.append(
            Package(
                e.id,
                source=e.source,
                integrity=e.hashes[0] if e.hashes else None,
                line=e.line,
                dev=e.dev,
                optional=e.optional,
                display_name=e.display if e.display != e.id.name else None,
            )
        )
        if e.hashes:
            hashes[e.id] = tuple(e.hashes)
    fmt = f"poetry-lock@{lock_version}" if lock_version else "poetry-lock"
    graph = build_graph(
        ecosystem=PYPI, format=fmt, path=str(path), packages=packages, edges=edges, roots=[root]
    )
    return graph, ReadDetails(hashes=hashes, notes=tuple(notes))


class PoetryLockReader(PythonLockReader):
    name: ClassVar[str] = "poetry-lock"
    file_kind: ClassVar[str] = "poetry.lock"
    filenames: ClassVar[tuple[str, ...]] = ("poetry.lock",)

    def matches(self, path: Path, head: str) -> bool:
        if path.name == "poetry.lock":
            return True
        return "@generated by Poetry" in head or (
            "[[package]]" in head and "python-versions" in head
        )

    def build(self, path: Path, text: str) -> tuple[DependencyGraph, ReadDetails]:
        return _to_graph(path, text)


READERS = (PoetryLockReader(),)
