"""Pinned requirements files (``pip freeze``, ``pip-compile``, ``uv pip compile``, ``uv export``).

Lines are read the way pip reads them: backslash continuations are joined first
(a line whose comment ends in a backslash does not continue), then ``#``
comments (at line start or after whitespace) are dropped. A requirement is locked
when it pins one exact version (``==1.2`` / ``===1.2``, no wildcard), or is a
direct reference to a wheel/sdist whose file name carries the version. Everything
else (``foo>=1``, bare names, VCS and editable requirements, ``${VAR}``
references) cannot be locked: it is skipped and listed in the reader's
:class:`~depview.lockfiles._pycommon.ReadDetails` (``lock_details(graph).skipped``)
so the CLI can warn about it. Environment markers are kept out of the graph
(every pin counts, whatever the platform).

``-r``/``--requirement`` includes are followed relative to the including file;
``-c``/``--constraint`` files are read too and pin otherwise unpinned
requirements. A missing include is a LockfileError naming the including line; a
file already being read (a cycle) is not read again; nothing is ever fetched or
written. Per-requirement options (``--hash``, ``--config-settings``/``-C``,
``--global-option``) are parsed; every ``--hash`` is kept.

The graph is flat: a synthetic ROOT (named after the file's directory) with one
prod edge per locked package. ``Package.line`` is the requirement's first line in
the file read; a package that only an included file pins has ``line=None`` and
its (file, line) in ``lock_details(graph).origins``. Lines of an included file
outside the main file's directory are never echoed in warnings.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from depview.errors import LockfileError
from depview.lockfiles._pycommon import (
    MAX_NESTING,
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

__all__ = [
    "READERS",
    "Pin",
    "RequirementsReader",
    "Unpinned",
    "logical_lines",
    "parse_requirement",
]

_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{[A-Za-z0-9_]+\}")
_VCS = ("git+", "hg+", "svn+", "bzr+")
_ARCHIVES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar", ".tar.xz")


# -- lines -------------------------------------------------------------------


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first physical line, joined text) per logical line, comments removed, stripped.

    Mirrors pip's ``join_lines`` + ``ignore_comments``; empty lines are dropped.
    """

    def joined() -> Iterator[tuple[int, str]]:
        primary: int | None = None
        parts: list[str] = []
        for number, line in enumerate(text.splitlines(), start=1):
            is_comment = _COMMENT.search(line) is not None
            if not line.endswith("\\") or is_comment:
                if is_comment:
                    line = " " + line  # keeps the comment matchable once joined
                if parts:
                    parts.append(line)
                    yield (primary if primary is not None else number), "".join(parts)
                    parts = []
                    primary = None
                else:
                    yield number, line
            else:
                if not parts:
                    primary = number
                parts.append(line.strip("\\"))
        if parts:
            yield (primary if primary is not None else 1), "".join(parts)

    for number, line in joined():
        line = _COMMENT.sub("", line).strip()
        if line:
            yield number, line


def _split_args_options(line: str) -> tuple[str, str]:
    """pip's ``break_args_options``: requirement text, then the option text."""
    tokens = line.split(" ")
    args: list[str] = []
    rest = list(tokens)
    for token in tokens:
        if token.startswith("-"):
            break
        args.append(token)
        rest.pop(0)
    return " ".join(args).strip(), " ".join(rest).strip()


# -- requirements ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pin:
    """A requirement that locks one version."""

    name: str  # as written
    version: str  # as written
    extras: tuple[str, ...] = ()
    marker: str | None = None
    hashes: tuple[str, ...] = ()  # normalised "algo:hex", in order
    spec: str | None = None
    source: Source = field(default=Source(SourceKind.REGISTRY))


@dataclass(frozen=True, slots=True)
class Unpinned:
    """A requirement line that does not lock a version (and why)."""

    reason: str
    name: str | None = None
    requirement: Requirement | None = None


def _options(text: str) -> tuple[list[str], list[str]]:
    """(hashes, unknown options) from per-requirement option text."""
    hashes: list[str] = []
    unknown: list[str] = []
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError:
        tokens = text.split()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        opt, eq, value = tok.partition("=")
        takes_value = opt in (
            "--hash",
            "--global-option",
            "--install-option",
            "--config-settings",
            "-C",
        )
        if not takes_value and tok.startswith("-C") and len(tok) > 2:
            opt, value, eq = "-C", tok[2:], "="
            takes_value = True
        if takes_value and not eq:
            value = tokens[i + 1] if i + 1 < len(tokens) else ""
            i += 1
        if opt == "--hash":
            h = normalize_hash(value)
            if h:
                hashes.append(h)
        elif not takes_value:
            unknown.append(tok)
        i += 1
    return hashes, unknown


def _from_filename(name_hint: str | None, location: str) -> tuple[str, str] | None:
    """(name, version) from a wheel/sdist file name at the end of a URL or path."""
    tail = unquote(urlsplit(location).path if "://" in location else location)
    filename = re.split(r"[\\/]", tail)[-1]
    try:
        if filename.endswith(".whl"):
            wname, wver, _, _ = parse_wheel_filename(filename)
            return name_hint or str(wname), str(wver)
        if filename.endswith((".tar.gz", ".zip")):
            sname, sver = parse_sdist_filename(filename)
            return name_hint or str(sname), str(sver)
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        return None
    return None


def _location_source(location: str) -> Source:
    if location.startswith(("http://", "https://", "ftp://")):
        return Source(SourceKind.TARBALL, location)
    return Source(SourceKind.FILE, location)


def parse_requirement(line: str) -> Pin | Unpinned:
    """One logical requirement line (comments already removed) as a Pin, or why not."""
    req_text, opt_text = _split_args_options(line.strip())
    hashes, _ = _options(opt_text)
    if not req_text:
        return Unpinned("no requirement on the line")
    if _ENV_VAR.search(req_text):
        return Unpinned("uses an environment variable (not expanded)")
    try:
        req = Requirement(req_text)
    except InvalidRequirement:
        if any(c in req_text for c in "/\\") or req_text.endswith(_ARCHIVES):
            if req_text.startswith(_VCS):
                return Unpinned("VCS requirement: no version recorded")
            found = _from_filename(None, req_text)
            if found is None:
                return Unpinned("a path or URL without a version in its file name")
            return Pin(
                found[0],
                found[1],
                hashes=tuple(hashes),
                source=_location_source(req_text),
            )
        return Unpinned("not a valid requirement")
    extras = tuple(sorted(req.extras))
    marker = str(req.marker) if req.marker is not None else None
    if req.url:
        if req.url.startswith(_VCS):
            return Unpinned("VCS requirement: no version recorded", req.name, req)
        found = _from_filename(req.name, req.url)
        if found is None:
            return Unpinned("direct URL without a version in its file name", req.name, req)
        return Pin(
            req.name,
            found[1],
            extras,
            marker,
            tuple(hashes),
            f"@ {req.url}",
            _location_source(req.url),
        )
    for spec in req.specifier:
        if spec.operator in ("==", "===") and not spec.version.endswith(".*"):
            return Pin(req.name, spec.version, extras, marker, tuple(hashes), str(req.specifier))
    reason = "not pinned to one version (==)" if str(req.specifier) else "no version given"
    return Unpinned(reason, req.name, req)


# -- files -------------------------------------------------------------------


@dataclass(slots=True)
class _Found:
    pin: Pin
    file: str
    line: int
    main: bool


@dataclass(slots=True)
class _State:
    main: Path
    base: Path  # the main file's directory, resolved
    pins: list[_Found] = field(default_factory=list)
    constraints: dict[str, list[Pin]] = field(default_factory=dict)
    unpinned: list[tuple[Unpinned, str, int, str]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    visited: set[Path] = field(default_factory=set)
    stack: list[Path] = field(default_factory=list)


_INCLUDE = {"-r": False, "--requirement": False, "-c": True, "--constraint": True}
_EDITABLE = ("-e", "--editable")
_IGNORED = {
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "-f",
    "--find-links",
    "--no-binary",
    "--only-binary",
    "--prefer-binary",
    "--require-hashes",
    "--pre",
    "--trusted-host",
    "--use-feature",
    "-Z",
    "--always-unzip",
}


def _option_line(line: str) -> tuple[str, str]:
    """(option, value) of an option line such as ``-r x.txt``, ``--requirement=x``, ``-rx``."""
    head, _, rest = line.partition(" ")
    if "=" in head and head.startswith("--"):
        opt, _, value = head.partition("=")
        return opt, (value + " " + rest).strip()
    for short in ("-r", "-c", "-e", "-i", "-f"):
        if head.startswith(short) and len(head) > 2 and not head.startswith("--"):
            return short, (head[2:] + " " + rest).strip()
    return head, rest.strip()


def _read_include(including: str, line: int, target: Path) -> str:
    from depview.lockfiles import read_text

    try:
        ok = target.is_file()
    except OSError:
        ok = False
    if not ok:
        raise LockfileError(
            including,
            f"included file {str(target)!r} does not exist or is not a regular file",
            line,
        )
    text = read_text(target)
    return text


def _inside(base: Path, target: Path) -> bool:
    try:
        target.relative_to(base)
    except ValueError:
        return False
    return True


def _scan(state: _State, file: Path, text: str, constraint: bool, depth: int) -> None:
    where = str(file)
    main = depth == 0
    # Lines of a file outside the project are never echoed in warnings.
    shown = main or _inside(state.base, file)
    for number, raw_line in logical_lines(text):
        line = raw_line if shown else "<a line of a file outside the project>"
        if raw_line.startswith("-"):
            opt, value = _option_line(raw_line)
            if opt in _INCLUDE:
                nested_constraint = constraint or _INCLUDE[opt]
                value = value.strip().strip("'\"")
                if not value:
                    raise LockfileError(where, f"{opt} needs a file name", number)
                if "://" in value:
                    state.unpinned.append(
                        (Unpinned("remote include: depview never fetches it"), where, number, line)
                    )
                    continue
                target = (file.parent / value).resolve()
                if target in state.stack:
                    state.notes.append(
                        f"{where}:{number}: include cycle: {value if shown else 'a file'} "
                        "is already being read"
                    )
                    continue
                if target in state.visited and not nested_constraint:
                    continue
                if depth + 1 > MAX_NESTING:
                    raise LockfileError(where, "includes are nested too deeply", number)
                sub = _read_include(where, number, target)
                if not _inside(state.base, target):
                    state.notes.append(
                        f"{where}:{number}: followed an include outside the project: {target}"
                    )
                state.visited.add(target)
                state.stack.append(target)
                try:
                    _scan(state, target, sub, nested_constraint, depth + 1)
                finally:
                    state.stack.pop()
            elif opt in _EDITABLE:
                if not constraint:
                    state.unpinned.append(
                        (
                            Unpinned("editable requirement: not a locked version"),
                            where,
                            number,
                            line,
                        )
                    )
            elif opt not in _IGNORED:
                shown_opt = repr(opt) if shown else "(not shown)"
                state.notes.append(f"{where}:{number}: unknown option {shown_opt} ignored")
            continue
        result = parse_requirement(raw_line)
        if constraint:
            if isinstance(result, Pin):
                state.constraints.setdefault(PackageId.of(PYPI, result.name, "").name, []).append(
                    result
                )
            continue
        if isinstance(result, Pin):
            state.pins.append(_Found(result, where, number, main))
        else:
            state.unpinned.append((result, where, number, line))


def _to_graph(path: Path, text: str) -> tuple[DependencyGraph, ReadDetails]:
    try:
        start = path.resolve()
    except (OSError, RuntimeError):
        start = path
    state = _State(main=path, base=start.parent)
    state.visited.add(start)
    state.stack.append(start)
    _scan(state, path, text, False, 0)

    # Unpinned requirements that a constraints file pins.
    for unp, where, number, line in state.unpinned:
        req = unp.requirement
        if req is not None and not req.url:
            name = PackageId.of(PYPI, req.name, "").name
            pins = state.constraints.get(name, [])
            usable = [c for c in pins if req.specifier.contains(c.version, prereleases=True)]
            if usable:
                c = usable[0]
                pin = Pin(
                    req.name,
                    c.version,
                    tuple(sorted(req.extras)),
                    str(req.marker) if req.marker else None,
                    c.hashes,
                    str(req.specifier) or None,
                    c.source,
                )
                state.pins.append(_Found(pin, where, number, where == str(path)))
                continue
        state.skipped.append(Skipped(where, number, line, unp.reason))

    nodes: dict[PackageId, Package] = {}
    hashes: dict[PackageId, tuple[str, ...]] = {}
    origins: dict[PackageId, tuple[str, int | None]] = {}
    edges: list[Edge] = []
    for found in state.pins:
        pin = found.pin
        pid = PackageId.of(PYPI, pin.name, pin.version)
        if pid not in nodes:
            nodes[pid] = Package(
                pid,
                source=pin.source,
                integrity=pin.hashes[0] if pin.hashes else None,
                line=found.line if found.main else None,
                display_name=pin.name if pin.name != pid.name else None,
            )
            if pin.hashes:
                hashes[pid] = pin.hashes
            if not found.main:
                origins[pid] = (found.file, found.line)
        edges.append(Edge(pid, EdgeKind.PROD, pin.spec))
    root = synthetic_root(path, nodes)
    graph = build_graph(
        ecosystem=PYPI,
        format="requirements",
        path=str(path),
        packages=[Package(root, Source(SourceKind.ROOT)), *nodes.values()],
        edges={root: edges},
        roots=[root],
    )
    details = ReadDetails(
        hashes=hashes,
        skipped=tuple(state.skipped),
        origins=origins,
        notes=tuple(state.notes),
    )
    return graph, details


_REQ_LIKE = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*(===?|>=|<=|~=|!=|<|>|@|;|$)"
)


def _looks_like_requirements(head: str) -> bool:
    significant = [ln for _, ln in logical_lines(head)][:20]
    if not significant:
        return False
    pinned = False
    for ln in significant:
        if ln.startswith("-"):
            continue
        if not _REQ_LIKE.match(ln):
            return False
        pinned = pinned or "==" in ln
    return pinned


class RequirementsReader(PythonLockReader):
    name: ClassVar[str] = "requirements"
    file_kind: ClassVar[str] = "requirements file"
    too_deep: ClassVar[str | None] = "includes are nested too deeply"
    filenames: ClassVar[tuple[str, ...]] = (
        "requirements*.txt",
        "*-requirements.txt",
        "*_requirements.txt",
        "constraints*.txt",
    )

    def matches(self, path: Path, head: str) -> bool:
        if any(
            path.name.startswith(p) for p in ("requirements", "constraints")
        ) and path.suffix in (
            ".txt",
            ".in",
        ):
            return True
        if path.name.endswith(("-requirements.txt", "_requirements.txt")):
            return True
        return path.suffix in (".txt", ".in", "") and _looks_like_requirements(head)

    def build(self, path: Path, text: str) -> tuple[DependencyGraph, ReadDetails]:
        return _to_graph(path, text)


READERS = (RequirementsReader(),)
