"""Helpers shared by the lockfile readers: line numbers, typed getters, npm graph pieces.

Readers parse attacker-controlled text. These helpers keep the reporting of
where something went wrong uniform: :class:`LineIndex` turns a character offset
into a 1-based line, :func:`line_of` finds the line where a needle first
appears, and :func:`expect_type` / :func:`get_typed` check a parsed value's type
and raise :class:`~depview.errors.LockfileError` naming the file, the dotted
context path and (where known) the line. Everything here is iterative.

Every reader hands its graph to :func:`refuse_implausible` before returning it:
a package whose name or version no registry would accept (a name over
:data:`MAX_NAME_LENGTH` characters, a version over :data:`MAX_VERSION_LENGTH`)
is left out with a short warning in ``DependencyGraph.warnings``, so a
megabyte-long name never reaches a report.

The npm-family readers (package-lock, yarn, pnpm) also share the reading of
``package.json`` beside the lockfile (:data:`ManifestLoader`,
:func:`default_manifest_loader`), :func:`redact_url`, and the graph's last steps:
:func:`attach_orphans`, :func:`dev_optional_sets` and :func:`npm_graph`.
"""

from __future__ import annotations

import bisect
import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, overload

from depview.errors import LockfileError
from depview.model import (
    DependencyGraph,
    Ecosystem,
    Edge,
    EdgeKind,
    Package,
    PackageId,
    Source,
    build_graph,
)
from depview.textsafe import shorten

__all__ = [
    "MAX_NAME_LENGTH",
    "MAX_VERSION_LENGTH",
    "LineIndex",
    "ManifestLoader",
    "attach_orphans",
    "default_manifest_loader",
    "describe_type",
    "dev_optional_sets",
    "expect_type",
    "get_typed",
    "json_error",
    "line_of",
    "npm_graph",
    "implausible",
    "redact_url",
    "refuse_implausible",
    "with_refusals",
]

_T = TypeVar("_T")


class LineIndex:
    """Maps character offsets in ``text`` to 1-based line numbers (O(log n) per lookup)."""

    __slots__ = ("_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._starts = starts

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_at(self, offset: int) -> int:
        """The 1-based line holding character ``offset`` (clamped to the text)."""
        if offset < 0:
            return 1
        return bisect.bisect_right(self._starts, offset)

    def line_start(self, line: int) -> int:
        """The character offset where 1-based ``line`` begins."""
        line = min(max(line, 1), len(self._starts))
        return self._starts[line - 1]

    def find_line(self, needle: str, start: int = 0) -> int | None:
        """The line of the first ``needle`` at or after offset ``start``, or None."""
        pos = self.text.find(needle, start)
        return None if pos == -1 else self.line_at(pos)


def line_of(text: str, needle: str, start: int = 0) -> int | None:
    """The 1-based line of the first ``needle`` in ``text`` at or after ``start``, or None.

    For many lookups in the same text build a :class:`LineIndex` instead.
    """
    pos = text.find(needle, start)
    if pos == -1:
        return None
    return text.count("\n", 0, pos) + 1


def describe_type(value: object) -> str:
    """A short, user-facing name for the type of a parsed value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


_EXPECTED_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    dict: "an object",
    list: "a list",
}


def _expected_name(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(_EXPECTED_NAMES.get(t, t.__name__) for t in types)


@overload
def expect_type(
    value: object, expected: type[_T], context: str, path: str, line: int | None = None
) -> _T: ...
@overload
def expect_type(
    value: object,
    expected: tuple[type[Any], ...],
    context: str,
    path: str,
    line: int | None = None,
) -> Any: ...
def expect_type(
    value: object,
    expected: type[Any] | tuple[type[Any], ...],
    context: str,
    path: str,
    line: int | None = None,
) -> Any:
    """Return ``value`` if it is an instance of ``expected``, else raise LockfileError.

    ``bool`` never passes for ``int``/``float`` (JSON and TOML keep them apart).
    ``context`` is a dotted path such as ``packages["node_modules/a"].version``.
    """
    types = expected if isinstance(expected, tuple) else (expected,)
    ok = isinstance(value, types)
    if ok and isinstance(value, bool) and bool not in types:
        ok = False
    if not ok:
        raise LockfileError(
            path,
            f"{context}: expected {_expected_name(expected)}, got {describe_type(value)}",
            line,
        )
    return value


@overload
def get_typed(
    mapping: Mapping[str, Any],
    key: str,
    expected: type[_T],
    context: str,
    path: str,
    line: int | None = None,
) -> _T | None: ...
@overload
def get_typed(
    mapping: Mapping[str, Any],
    key: str,
    expected: tuple[type[Any], ...],
    context: str,
    path: str,
    line: int | None = None,
) -> Any: ...
def get_typed(
    mapping: Mapping[str, Any],
    key: str,
    expected: type[Any] | tuple[type[Any], ...],
    context: str,
    path: str,
    line: int | None = None,
) -> Any:
    """``mapping[key]`` checked with :func:`expect_type`; None when absent or null."""
    value = mapping.get(key)
    if value is None:
        return None
    return expect_type(value, expected, f"{context}.{key}" if context else key, path, line)


def json_error(path: str, exc: json.JSONDecodeError) -> LockfileError:
    """A LockfileError for a JSON syntax error, with its line."""
    return LockfileError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno)


# -- implausible packages ------------------------------------------------------

#: The longest package name accepted: npm's limit (validate-npm-package-name).
#: PyPI sets none (PEP 508 names are unbounded); the same cap is used, far above
#: any real project name.
MAX_NAME_LENGTH = 214
#: The longest version accepted: far above any real one (node-semver refuses
#: over 256 characters; an npm v1 git dependency keeps its URL as the version).
MAX_VERSION_LENGTH = 1024


def implausible(pid: PackageId) -> str | None:
    """Why ``pid`` cannot be a real package (a one-line reason), or None if it can be."""
    if len(pid.name) > MAX_NAME_LENGTH:
        return f"the name is {len(pid.name)} characters long (the limit is {MAX_NAME_LENGTH})"
    if len(pid.version) > MAX_VERSION_LENGTH:
        return (
            f"the version is {len(pid.version)} characters long (the limit is {MAX_VERSION_LENGTH})"
        )
    return None


def refuse_implausible(graph: DependencyGraph) -> tuple[DependencyGraph, tuple[str, ...]]:
    """``graph`` without its implausible packages (see :func:`implausible`), and one
    warning per package left out.

    The project and its workspaces are never left out. Edges to and from a
    refused package go with it; a package that only it led to is attached to the
    project root (as readers attach every orphan). The warning quotes at most the
    first 60 characters of the name and version. Without a refusal ``graph``
    itself is returned.
    """
    refused: dict[PackageId, str] = {}
    for pid in graph.packages:
        if len(pid.name) > MAX_NAME_LENGTH or len(pid.version) > MAX_VERSION_LENGTH:
            reason = implausible(pid)
            if reason is not None and not graph.is_project_node(pid):
                refused[pid] = reason
    if not refused:
        return graph, ()
    warnings: list[str] = []
    for pid, reason in refused.items():
        line = graph.packages[pid].line
        where = f"{graph.path}:{line}" if line is not None else graph.path
        shown = f"{shorten(pid.name)}@{shorten(pid.version)}"
        warnings.append(f"{where}: skipped {pid.ecosystem} package {shown!r}: {reason}")
    edges: dict[PackageId, list[Edge]] = {
        parent: [e for e in es if e.child not in refused]
        for parent, es in graph.edges.items()
        if parent not in refused
    }
    packages = [pkg for pid, pkg in graph.packages.items() if pid not in refused]
    roots = list(graph.roots)
    attach_orphans((pkg.id for pkg in packages), roots, edges)
    kept = build_graph(
        ecosystem=graph.ecosystem,
        format=graph.format,
        path=graph.path,
        packages=packages,
        edges=edges,
        roots=roots,
        warnings=graph.warnings,
    )
    return kept, tuple(warnings)


def with_refusals(graph: DependencyGraph) -> DependencyGraph:
    """:func:`refuse_implausible`, its warnings appended to ``graph.warnings``."""
    kept, warnings = refuse_implausible(graph)
    if not warnings:
        return graph
    return replace(kept, warnings=(*kept.warnings, *warnings))


# -- npm family ----------------------------------------------------------------

#: Reads ``<lockfile dir>/<relative folder>/package.json``; None when unavailable.
ManifestLoader = Callable[[Path, str], Mapping[str, Any] | None]

_MAX_MANIFEST_BYTES = 4 * 1024 * 1024


def default_manifest_loader(lockfile_dir: Path, folder: str) -> Mapping[str, Any] | None:
    """``package.json`` of ``folder`` (relative to the lockfile), only inside the lockfile's dir."""
    try:
        base = lockfile_dir.resolve()
        target = (base / folder / "package.json").resolve()
        if not target.is_relative_to(base) or not target.is_file():
            return None
        if target.stat().st_size > _MAX_MANIFEST_BYTES:
            return None
        data = json.loads(target.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def redact_url(url: str) -> str:
    """``url`` with any credentials in its user-info replaced by ``***`` (``git@`` kept)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host_end = len(rest)
    for stop in "/?#":
        pos = rest.find(stop)
        if pos != -1:
            host_end = min(host_end, pos)
    authority = rest[:host_end]
    if "@" not in authority:
        return url
    userinfo, _, host = authority.rpartition("@")
    if userinfo == "git":
        return url
    return f"{scheme}://***@{host}{rest[host_end:]}"


def dev_optional_sets(
    roots: Iterable[PackageId], edges: Mapping[PackageId, Iterable[Edge]]
) -> tuple[set[PackageId], set[PackageId]]:
    """The nodes reachable without a dev edge, and those reachable without an optional edge.

    A node missing from the first set is dev-only; from the second, optional-only.
    Breadth-first, so deep chains and cycles are fine.
    """
    root_list = list(dict.fromkeys(roots))
    out: list[set[PackageId]] = []
    for skip in (EdgeKind.DEV, EdgeKind.OPTIONAL):
        seen = set(root_list)
        queue = deque(root_list)
        while queue:
            node = queue.popleft()
            for edge in edges.get(node, ()):
                if edge.kind is not skip and edge.child not in seen:
                    seen.add(edge.child)
                    queue.append(edge.child)
        out.append(seen)
    return out[0], out[1]


def attach_orphans(
    order: Iterable[PackageId],
    roots: list[PackageId],
    edges: dict[PackageId, list[Edge]],
) -> None:
    """Give every node no root reaches an edge from the project root (in place).

    Nodes with no parent at all come first (in ``order``); nodes left over only
    sit on cycles, so the first of them in ``order`` is attached, and so on.
    """
    if not roots:
        return
    nodes = list(dict.fromkeys(order))
    seen: set[PackageId] = set(roots)

    def spread(start: list[PackageId]) -> None:
        queue = deque(start)
        while queue:
            node = queue.popleft()
            for edge in edges.get(node, ()):
                if edge.child not in seen:
                    seen.add(edge.child)
                    queue.append(edge.child)

    spread(list(roots))
    if all(n in seen for n in nodes):
        return
    has_parent: set[PackageId] = set()
    for parent, es in edges.items():
        for edge in es:
            if edge.child != parent:
                has_parent.add(edge.child)
    root_edges = edges.setdefault(roots[0], [])
    for node in nodes:
        if node not in seen and node not in has_parent:
            root_edges.append(Edge(node, EdgeKind.PROD))
            seen.add(node)
            spread([node])
    for node in nodes:
        if node not in seen:
            root_edges.append(Edge(node, EdgeKind.PROD))
            seen.add(node)
            spread([node])


def npm_graph(
    path: str,
    fmt: str,
    nodes: Iterable[tuple[PackageId, Source, str | None, int | None, bool | None]],
    edges: dict[PackageId, list[Edge]],
    roots: list[PackageId],
) -> DependencyGraph:
    """The graph of an npm-family lockfile from its (id, source, integrity, line,
    install script) nodes, dev-only and optional-only nodes marked by what the roots reach.
    """
    not_dev, not_optional = dev_optional_sets(roots, edges)
    packages = [
        Package(
            id=pid,
            source=source,
            integrity=integrity,
            line=line,
            dev=pid not in not_dev,
            optional=pid not in not_optional,
            has_install_script=install_script,
        )
        for pid, source, integrity, line, install_script in nodes
    ]
    return with_refusals(
        build_graph(
            ecosystem=Ecosystem.NPM.value,
            format=fmt,
            path=path,
            packages=packages,
            edges=edges,
            roots=roots,
        )
    )
