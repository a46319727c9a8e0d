"""pylock.toml / pylock.<name>.toml (PEP 751, ``lock-version = "1.x"``).

Every ``[[packages]]`` entry with a version is a node. A ``directory`` entry at
``"."`` is the project itself (the ROOT); otherwise the root is synthetic, named
after the file's directory. Entries without a version (VCS or directory sources
that record none) cannot be locked and are listed as skipped in
:func:`~depview.lockfiles._pycommon.lock_details`. ``packages.dependencies``
(optional in PEP 751; pdm writes them, pip and uv do not) become prod edges; the
root then depends on every package nothing else depends on. Without recorded
dependencies the lock is flat: every package is direct. Markers are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from depview.errors import LockfileError
from depview.lockfiles._common import describe_type
from depview.lockfiles._pycommon import (
    PYPI,
    BlockLocator,
    PythonLockReader,
    ReadDetails,
    Skipped,
    attach_orphans,
    normalize_hash,
    parse_toml,
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

__all__ = ["READERS", "PylockReader"]


def _err(path: str, message: str, line: int | None = None) -> LockfileError:
    return LockfileError(path, message, line)


def _want(value: Any, kind: type, what: str, context: str, path: str, line: int | None) -> Any:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise _err(path, f"{context}: expected {what}, got {describe_type(value)}", line)
    return value


def _artifact_hashes(art: Any, context: str, path: str, line: int | None) -> list[str]:
    table = _want(art, dict, "a table", context, path, line)
    raw = table.get("hashes")
    if raw is None:
        return []
    hashes = _want(raw, dict, "a table", f"{context}.hashes", path, line)
    out: list[str] = []
    # sha256 first: it is what registries publish
    for algo in sorted(hashes, key=lambda a: (a.lower() != "sha256", a)):
        digest = _want(hashes[algo], str, "a string", f"{context}.hashes.{algo}", path, line)
        h = normalize_hash(f"{algo}:{digest}")
        if h:
            out.append(h)
    return out


def _source(entry: Mapping[str, Any], context: str, path: str, line: int | None) -> Source:
    vcs = entry.get("vcs")
    if vcs is not None:
        t = _want(vcs, dict, "a table", f"{context}.vcs", path, line)
        url = t.get("url") if isinstance(t.get("url"), str) else t.get("path")
        commit = t.get("commit-id")
        loc = url if isinstance(url, str) else None
        if loc and isinstance(commit, str):
            loc = f"{loc}#{commit}"
        return Source(SourceKind.GIT, loc)
    directory = entry.get("directory")
    if directory is not None:
        t = _want(directory, dict, "a table", f"{context}.directory", path, line)
        d = t.get("path")
        return Source(SourceKind.FILE, d if isinstance(d, str) else None)
    archive = entry.get("archive")
    if archive is not None:
        t = _want(archive, dict, "a table", f"{context}.archive", path, line)
        if isinstance(t.get("url"), str):
            return Source(SourceKind.TARBALL, t["url"])
        a = t.get("path")
        return Source(SourceKind.FILE, a if isinstance(a, str) else None)
    index = entry.get("index")
    return Source(SourceKind.REGISTRY, index if isinstance(index, str) else None)


def _to_graph(path: Path, text: str) -> tuple[DependencyGraph, ReadDetails]:
    p = str(path)
    doc = parse_toml(p, text, "pylock.toml")
    lock_version = doc.get("lock-version")
    if lock_version is None:
        raise _err(p, "not a pylock.toml: no top-level 'lock-version'")
    lv_line = top_key_line(text, "lock-version")
    lock_version = _want(lock_version, str, "a string", "lock-version", p, lv_line)
    if lock_version.split(".")[0].strip() != "1":
        raise _err(
            p, f"unsupported pylock lock-version {lock_version!r} (depview reads 1.x)", lv_line
        )
    raw_pkgs = _want(
        doc.get("packages", []), list, "an array", "packages", p, top_key_line(text, "packages")
    )
    locator = BlockLocator(text, "packages", len(raw_pkgs))

    nodes: dict[PackageId, Package] = {}
    order: list[tuple[PackageId, dict[str, Any], int | None]] = []
    hashes: dict[PackageId, tuple[str, ...]] = {}
    skipped: list[Skipped] = []
    project: PackageId | None = None
    by_name: dict[str, list[tuple[PackageId, dict[str, Any]]]] = {}
    for i, raw in enumerate(raw_pkgs):
        context = f"packages[{i}]"
        line = None
        if isinstance(raw, dict):
            line = locator.line(i, raw.get("name"))
        entry = _want(raw, dict, "a table", context, p, line)
        name = _want(entry.get("name"), str, "a string", f"{context}.name", p, line)
        context = f"packages[{i}] ({name})"
        version = entry.get("version")
        source = _source(entry, context, p, line)
        is_project = (
            source.kind == SourceKind.FILE
            and "directory" in entry
            and (source.url or "").rstrip("/") in (".", "")
        )
        if version is None:
            if is_project and project is None:
                project = PackageId.of(PYPI, name, "")
                order.append((project, entry, line))
                by_name.setdefault(project.name, []).append((project, entry))
                continue
            skipped.append(Skipped(p, line, name, "no version recorded (VCS or local source)"))
            continue
        version = _want(version, str, "a string", f"{context}.version", p, line)
        pid = PackageId.of(PYPI, name, version)
        if is_project and project is None:
            project = pid
            order.append((pid, entry, line))
            by_name.setdefault(pid.name, []).append((pid, entry))
            continue
        hs: list[str] = []
        sdist = entry.get("sdist")
        if sdist is not None:
            hs.extend(_artifact_hashes(sdist, f"{context}.sdist", p, line))
        wheels = entry.get("wheels")
        if wheels is not None:
            for j, w in enumerate(_want(wheels, list, "an array", f"{context}.wheels", p, line)):
                hs.extend(_artifact_hashes(w, f"{context}.wheels[{j}]", p, line))
        archive = entry.get("archive")
        if archive is not None:
            hs.extend(_artifact_hashes(archive, f"{context}.archive", p, line))
        if pid in nodes:
            continue  # the same pin for two environments
        nodes[pid] = Package(
            pid,
            source=source,
            integrity=hs[0] if hs else None,
            line=line,
            display_name=name if name != pid.name else None,
        )
        if hs:
            hashes[pid] = tuple(hs)
        order.append((pid, entry, line))
        by_name.setdefault(pid.name, []).append((pid, entry))

    root = project if project is not None else synthetic_root(path, nodes)
    edges: dict[PackageId, list[Edge]] = {}
    recorded = False
    for pid, entry, line in order:
        raw_deps = entry.get("dependencies")
        if raw_deps is None:
            continue
        recorded = True
        context = f"packages ({pid.name}).dependencies"
        out = edges.setdefault(pid, [])
        for j, dep in enumerate(_want(raw_deps, list, "an array", context, p, line)):
            d = _want(dep, dict, "a table", f"{context}[{j}]", p, line)
            dname = _want(d.get("name"), str, "a string", f"{context}[{j}].name", p, line)
            cands = by_name.get(normalize_name(PYPI, dname), [])
            # Any other key narrows the match (version, vcs, index...).
            narrowed = [
                c for c in cands if all(c[1].get(k) == v for k, v in d.items() if k != "name")
            ]
            out.extend(Edge(c[0]) for c in (narrowed or cands) if c[0] != pid)
    if recorded:
        has_parent = {e.child for es in edges.values() for e in es}
        top = edges.setdefault(root, [])
        top.extend(Edge(pid) for pid in nodes if pid not in has_parent and pid != root)
        attach_orphans(root, list(nodes), edges, lambda _pid: EdgeKind.PROD)
    else:
        edges[root] = [Edge(pid) for pid in nodes]

    packages = [Package(root, Source(SourceKind.ROOT, "." if project is not None else None))]
    packages.extend(v for k, v in nodes.items() if k != root)
    graph = build_graph(
        ecosystem=PYPI,
        format=f"pylock@{lock_version}",
        path=p,
        packages=packages,
        edges=edges,
        roots=[root],
    )
    return graph, ReadDetails(hashes=hashes, skipped=tuple(skipped))


class PylockReader(PythonLockReader):
    name: ClassVar[str] = "pylock"
    file_kind: ClassVar[str] = "pylock.toml"
    filenames: ClassVar[tuple[str, ...]] = ("pylock.toml", "pylock.*.toml")

    def matches(self, path: Path, head: str) -> bool:
        if path.name == "pylock.toml" or (
            path.name.startswith("pylock.") and path.name.endswith(".toml")
        ):
            return True
        return "lock-version" in head and ("[[packages]]" in head or "created-by" in head)

    def build(self, path: Path, text: str) -> tuple[DependencyGraph, ReadDetails]:
        return _to_graph(path, text)


READERS = (PylockReader(),)
