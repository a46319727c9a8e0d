"""Pipfile.lock (pipenv, ``pipfile-spec`` 6).

A flat lock: every entry of every category is a direct dependency of the project
(a synthetic ROOT named after the lockfile's directory); Pipfile.lock records no
edges between packages. ``default`` gives prod edges; ``develop`` and custom
categories (``[docs]`` in the Pipfile...) give dev edges, so a package that only
appears outside ``default`` is ``dev``. A name locked at different versions in
different categories is two nodes. Entries without an ``==`` version (git/path
entries, ``"version": "*"``) cannot be locked: they are skipped and listed in
:func:`depview.lockfiles._pycommon.lock_details` (``skipped``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from depview.errors import LockfileError
from depview.lockfiles._common import LineIndex, describe_type, json_error
from depview.lockfiles._pycommon import (
    PYPI,
    PythonLockReader,
    ReadDetails,
    Skipped,
    normalize_hash,
    synthetic_root,
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
)

__all__ = ["READERS", "PipfileLockReader"]


def _err(path: str, message: str, line: int | None = None) -> LockfileError:
    return LockfileError(path, message, line)


class _Lines:
    """Lines of ``"key": {`` entries inside each category object (text scan)."""

    def __init__(self, text: str) -> None:
        self._index = LineIndex(text)
        self._text = text

    def category(self, name: str) -> int:
        needle = json.dumps(name) + ":"
        pos = self._text.find(needle)
        if pos == -1:
            needle = json.dumps(name)
            pos = self._text.find(needle)
        return max(pos, 0)

    def entry(self, start: int, key: str) -> int | None:
        return self._index.find_line(json.dumps(key), start)


def _version(raw: str) -> str | None:
    raw = raw.strip()
    for op in ("===", "=="):
        if raw.startswith(op):
            v = raw[len(op) :].strip()
            return v if v and "*" not in v and "," not in v else None
    return None


def _to_graph(path: Path, text: str) -> tuple[DependencyGraph, ReadDetails]:
    p = str(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise json_error(p, exc) from None
    except RecursionError:
        raise _err(p, "not a valid Pipfile.lock (nested too deeply)") from None
    except ValueError as exc:
        raise _err(p, f"not a valid Pipfile.lock ({exc})") from None
    if not isinstance(doc, dict):
        raise _err(p, f"not a Pipfile.lock: top level is {describe_type(doc)}, not an object", 1)
    if not any(k in doc for k in ("_meta", "default", "develop")):
        raise _err(p, "not a Pipfile.lock (no _meta, default or develop)", 1)
    meta = doc.get("_meta", {})
    if not isinstance(meta, dict):
        raise _err(p, f"_meta: expected an object, got {describe_type(meta)}")
    sources: dict[str, str] = {}
    raw_sources = meta.get("sources", [])
    if isinstance(raw_sources, list):
        for s in raw_sources:
            if (
                isinstance(s, dict)
                and isinstance(s.get("name"), str)
                and isinstance(s.get("url"), str)
            ):
                sources[s["name"]] = s["url"]
    spec = meta.get("pipfile-spec")
    lines = _Lines(text)

    nodes: dict[PackageId, Package] = {}
    hashes: dict[PackageId, tuple[str, ...]] = {}
    in_default: set[PackageId] = set()
    root_edges: list[Edge] = []
    skipped: list[Skipped] = []
    for category, entries in doc.items():
        if category == "_meta":
            continue
        if not isinstance(entries, dict):
            raise _err(
                p,
                f"{category}: expected an object, got {describe_type(entries)}",
                lines._index.line_at(lines.category(category)),
            )
        start = lines.category(category)
        kind = EdgeKind.PROD if category == "default" else EdgeKind.DEV
        for name, entry in entries.items():
            line = lines.entry(start, name)
            context = f"{category}.{name}"
            if not isinstance(entry, dict):
                raise _err(p, f"{context}: expected an object, got {describe_type(entry)}", line)
            raw_version = entry.get("version")
            if raw_version is not None and not isinstance(raw_version, str):
                raise _err(
                    p,
                    f"{context}.version: expected a string, got {describe_type(raw_version)}",
                    line,
                )
            version = _version(raw_version) if raw_version is not None else None
            if version is None:
                if "git" in entry or "path" in entry or "file" in entry:
                    reason = "git/path/file entry without a pinned version"
                elif raw_version is None:
                    reason = "no version recorded"
                else:
                    reason = f"version {raw_version!r} is not an exact == pin"
                skipped.append(Skipped(p, line, f"{name} ({category})", reason))
                continue
            pid = PackageId.of(PYPI, name, version)
            if pid not in nodes:
                raw_hashes = entry.get("hashes", [])
                if not isinstance(raw_hashes, list):
                    raise _err(
                        p,
                        f"{context}.hashes: expected a list, got {describe_type(raw_hashes)}",
                        line,
                    )
                hs: list[str] = []
                for h in raw_hashes:
                    if not isinstance(h, str):
                        raise _err(
                            p, f"{context}.hashes: expected strings, got {describe_type(h)}", line
                        )
                    norm = normalize_hash(h)
                    if norm:
                        hs.append(norm)
                source = Source(SourceKind.REGISTRY)
                index = entry.get("index")
                if isinstance(entry.get("git"), str):
                    ref = entry.get("ref")
                    url = entry["git"] + (f"#{ref}" if isinstance(ref, str) else "")
                    source = Source(SourceKind.GIT, url)
                elif isinstance(entry.get("path"), str):
                    source = Source(SourceKind.FILE, entry["path"])
                elif isinstance(entry.get("file"), str):
                    f = entry["file"]
                    is_url = f.startswith(("http://", "https://"))
                    source = Source(SourceKind.TARBALL if is_url else SourceKind.FILE, f)
                elif isinstance(index, str) and index in sources:
                    source = Source(SourceKind.REGISTRY, sources[index])
                nodes[pid] = Package(
                    pid,
                    source=source,
                    integrity=hs[0] if hs else None,
                    line=line,
                    display_name=name if name != pid.name else None,
                )
                if hs:
                    hashes[pid] = tuple(hs)
            if kind == EdgeKind.PROD:
                in_default.add(pid)
            root_edges.append(Edge(pid, kind, raw_version))

    root = synthetic_root(path, nodes)
    packages = [Package(root, Source(SourceKind.ROOT))]
    for pid, pkg in nodes.items():
        if pid not in in_default:
            pkg = Package(
                pkg.id,
                source=pkg.source,
                integrity=pkg.integrity,
                line=pkg.line,
                dev=True,
                display_name=pkg.display_name,
            )
        packages.append(pkg)
    fmt = (
        f"pipfile-lock@{spec}"
        if isinstance(spec, int) and not isinstance(spec, bool)
        else "pipfile-lock"
    )
    graph = build_graph(
        ecosystem=PYPI,
        format=fmt,
        path=p,
        packages=packages,
        edges={root: root_edges},
        roots=[root],
    )
    return graph, ReadDetails(hashes=hashes, skipped=tuple(skipped))


class PipfileLockReader(PythonLockReader):
    name: ClassVar[str] = "pipfile-lock"
    file_kind: ClassVar[str] = "Pipfile.lock"
    filenames: ClassVar[tuple[str, ...]] = ("Pipfile.lock",)

    def matches(self, path: Path, head: str) -> bool:
        if path.name == "Pipfile.lock":
            return True
        return '"_meta"' in head and '"pipfile-spec"' in head

    def build(self, path: Path, text: str) -> tuple[DependencyGraph, ReadDetails]:
        return _to_graph(path, text)


READERS = (PipfileLockReader(),)
