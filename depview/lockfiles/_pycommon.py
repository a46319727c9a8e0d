"""Helpers shared by the Python lockfile readers (uv, poetry, Pipfile, pylock, requirements).

- :func:`parse_toml` turns a TOML syntax error into a :class:`LockfileError` with its line.
- :func:`array_table_lines` finds, for each ``[[package]]`` block, the line of its
  ``name =`` key (tomllib gives no positions, so the text is scanned).
- :class:`ReadDetails` is what a graph cannot hold: every recorded hash per package,
  the requirement lines that could not be locked, warnings. Readers remember it for
  the graph they return; :func:`lock_details` fetches it back.
- :func:`reach` / :func:`attach_orphans` / :func:`synthetic_root` build the graph's
  reachability, shared by every reader.
- :class:`PythonLockReader` is every reader's ``read`` / ``read_details``: the
  empty-file check, stray exceptions turned into a LockfileError, details remembered.
"""

from __future__ import annotations

import re
import tomllib
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from depview.errors import LockfileError
from depview.lockfiles._common import refuse_implausible
from depview.model import DependencyGraph, Ecosystem, Edge, EdgeKind, PackageId

__all__ = [
    "MAX_NESTING",
    "PythonLockReader",
    "ReadDetails",
    "Skipped",
    "array_table_lines",
    "attach_orphans",
    "lock_details",
    "normalize_hash",
    "parse_toml",
    "reach",
    "remember",
    "synthetic_root",
]

PYPI = Ecosystem.PYPI.value
#: Deepest include / traversal nesting any reader follows.
MAX_NESTING = 64

_S = TypeVar("_S", bound=Hashable)


# -- TOML --------------------------------------------------------------------

_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def parse_toml(path: str, text: str, what: str) -> dict[str, Any]:
    """Parse TOML text; any failure becomes a LockfileError naming the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_AT.search(msg)
        line: int | None = None
        if m:
            line = int(m.group(1))
            msg = msg[: m.start()].rstrip()
        elif "end of document" in msg:
            line = text.count("\n") + 1
            msg = msg.replace("(at end of document)", "").rstrip()
        raise LockfileError(path, f"not a valid {what} (TOML: {msg})", line) from None
    except RecursionError:
        raise LockfileError(path, f"not a valid {what} (nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python allows
        raise LockfileError(path, f"not a valid {what} ({exc})") from None


_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]\s*(?:#.*)?$")
_TABLE = re.compile(r"^\s*\[")
_NAME_KEY = re.compile(r"""^\s*(?:name|"name"|'name')\s*=""")


@dataclass(frozen=True, slots=True)
class BlockLines:
    """Where one ``[[table]]`` element sits in the text."""

    header: int  # line of ``[[table]]``
    name: int | None  # line of the block's own ``name =`` key


def _toggle_multiline(line: str, state: str | None) -> str | None:
    """Track whether a multi-line string is open after ``line``."""
    if state is None:
        if '"""' not in line and "'''" not in line:
            return None  # one-line strings cannot leave anything open
    elif state not in line:
        return state
    i = 0
    n = len(line)
    while i < n:
        if state is None:
            ch = line[i]
            if ch == "#":
                return None
            if line.startswith('"""', i) or line.startswith("'''", i):
                state = line[i : i + 3]
                i += 3
                continue
            if ch in "\"'":
                # a one-line string: skip to its end
                end = i + 1
                while end < n and line[end] != ch:
                    end += 2 if (ch == '"' and line[end] == "\\") else 1
                i = end + 1
                continue
            i += 1
        else:
            if state == '"""' and line[i] == "\\":
                i += 2
                continue
            if line.startswith(state, i):
                i += 3
                # a closing quote run may be up to 5 long ("""" "")
                while i < n and line[i] == state[0]:
                    i += 1
                state = None
                continue
            i += 1
    return state


def array_table_lines(text: str, table: str) -> list[BlockLines]:
    """The ``[[table]]`` blocks of ``text`` in order, with their ``name =`` lines.

    Lines inside multi-line strings, comments, sub-tables (``[table.x]``) and other
    tables are not mistaken for the block's own ``name``.
    """
    out: list[BlockLines] = []
    header: int | None = None
    name: int | None = None
    in_block = False
    state: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if state is not None:
            state = _toggle_multiline(line, state)
            continue
        m = _HEADER.match(line)
        if m:
            if header is not None:
                out.append(BlockLines(header, name))
                header = None
            key = m.group(1).replace('"', "").replace("'", "").replace(" ", "")
            if key == table:
                header, name, in_block = number, None, True
            else:
                in_block = False
            continue
        if _TABLE.match(line):
            in_block = False
            continue
        if in_block and name is None and _NAME_KEY.match(line):
            name = number
        state = _toggle_multiline(line, None)
    if header is not None:
        out.append(BlockLines(header, name))
    return out


_INLINE_NAME = re.compile(r"""\bname\s*=\s*(?:"([^"\\]*)"|'([^']*)')""")


def inline_name_lines(text: str) -> dict[str, int]:
    """First line of each ``name = "<name>"`` in ``text`` (for inline-table arrays)."""
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "name" not in line:
            continue
        for m in _INLINE_NAME.finditer(line):
            out.setdefault(m.group(1) if m.group(1) is not None else m.group(2), number)
    return out


class BlockLocator:
    """Lines of the i-th element of a ``[[table]]`` array (falls back to a name search)."""

    def __init__(self, text: str, table: str, count: int) -> None:
        self._text = text
        blocks = array_table_lines(text, table) if count else []
        # Only trust the positional mapping when every element is a [[table]] block.
        self._blocks = blocks if len(blocks) == count else None
        self._names: dict[str, int] | None = None

    def line(self, index: int, name: object) -> int | None:
        """Line of element ``index`` (its ``name =`` line where there is one)."""
        if self._blocks is not None:
            block = self._blocks[index]
            return block.name if block.name is not None else block.header
        if not isinstance(name, str):
            return None
        if self._names is None:
            self._names = inline_name_lines(self._text)
        return self._names.get(name)


def top_key_line(text: str, key: str) -> int | None:
    """Line of a top-level ``key = ...`` or ``[key]`` / ``[[key]]`` in TOML text."""
    pat = re.compile(r"^\s*(?:" + re.escape(key) + r"\s*=|\[\[?\s*" + re.escape(key) + r"\s*\]?\])")
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        if pat.match(line) and (not in_table or line.lstrip().startswith("[")):
            return number
        if _TABLE.match(line):
            in_table = True
    return None


# -- hashes ------------------------------------------------------------------

_HEX = re.compile(r"^[0-9a-fA-F]+$")


def normalize_hash(value: str) -> str | None:
    """``sha256:<hex>`` (algorithm lower-cased); a bare 64-digit hex is taken as sha256."""
    value = value.strip()
    if not value:
        return None
    algo, sep, digest = value.partition(":")
    if not sep:
        algo, sep, digest = value.partition("=")
    if sep:
        algo = algo.strip().lower()
        digest = digest.strip()
        if not algo or not digest:
            return None
        return f"{algo}:{digest}"
    if len(value) == 64 and _HEX.match(value):
        return f"sha256:{value.lower()}"
    return None


# -- details side table ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry that could not be turned into a locked package (and why)."""

    file: str
    line: int | None
    text: str  # as written (attacker-controlled: pass through depview.textsafe to display)
    reason: str

    def one_line(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        text = " ".join(self.text.split())
        if len(text) > 120:
            text = text[:117] + "..."
        return f"{where}: skipped {text!r}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ReadDetails:
    """What a reader learnt beyond the graph.

    ``hashes``: every hash recorded per package, in file order (the graph keeps the
    first as ``Package.integrity``). ``skipped``: entries that could not be locked
    (unpinned requirement lines, Pipfile entries without a version...). ``origins``:
    (file, line) where a package was declared when that is not the lockfile itself
    (requirements pulled in with ``-r``). ``notes``: other one-line warnings.
    """

    hashes: Mapping[PackageId, tuple[str, ...]] = field(default_factory=dict)
    skipped: tuple[Skipped, ...] = ()
    origins: Mapping[PackageId, tuple[str, int | None]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def warnings(self) -> list[str]:
        """One line per problem, ready for stderr (pass through depview.textsafe)."""
        return [s.one_line() for s in self.skipped] + list(self.notes)


_EMPTY = ReadDetails()
_DETAILS: OrderedDict[int, tuple[DependencyGraph, ReadDetails]] = OrderedDict()
_DETAILS_MAX = 32


def remember(graph: DependencyGraph, details: ReadDetails) -> DependencyGraph:
    """Fold ``details`` into the graph (``Package.hashes``, ``DependencyGraph.warnings``).

    The full details (origins of ``-r`` includes) stay available through
    :func:`lock_details` for the last few graphs read.
    """
    if details.hashes or details.skipped or details.notes:
        packages = {
            pid: (replace(pkg, hashes=details.hashes[pid]) if pid in details.hashes else pkg)
            for pid, pkg in graph.packages.items()
        }
        graph = replace(graph, packages=packages, warnings=tuple(details.warnings()))
    key = id(graph)
    _DETAILS[key] = (graph, details)
    _DETAILS.move_to_end(key)
    while len(_DETAILS) > _DETAILS_MAX:
        _DETAILS.popitem(last=False)
    return graph


def lock_details(graph: DependencyGraph) -> ReadDetails:
    """The :class:`ReadDetails` of a graph read by a Python reader (empty if unknown)."""
    entry = _DETAILS.get(id(graph))
    if entry is None or entry[0] is not graph:
        return _EMPTY
    return entry[1]


# -- reader shell ------------------------------------------------------------


class PythonLockReader:
    """``read`` and ``read_details`` of every Python reader.

    A subclass sets ``name``, ``filenames`` and ``file_kind`` (the kind of file
    named in "malformed ..." errors) and implements ``matches`` and ``build``. An
    empty file, and any stray exception while building, becomes a one-line
    :class:`LockfileError`.
    """

    ecosystem: ClassVar[str] = PYPI
    file_kind: ClassVar[str]
    #: The error for a RecursionError (None: "malformed ..." like any other).
    too_deep: ClassVar[str | None] = None

    def build(self, path: Path, text: str) -> tuple[DependencyGraph, ReadDetails]:
        """The graph and its details from non-empty ``text`` (may raise anything)."""
        raise NotImplementedError

    def read_details(self, path: Path, text: str) -> tuple[DependencyGraph, ReadDetails]:
        """The graph plus what it cannot hold (hashes, skipped entries, warnings)."""
        if not text.strip():
            raise LockfileError(str(path), "file is empty")
        try:
            graph, details = self.build(path, text)
        except LockfileError:
            raise
        except RecursionError as exc:
            message = self.too_deep or f"malformed {self.file_kind} ({exc})"
            raise LockfileError(str(path), message) from None
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise LockfileError(str(path), f"malformed {self.file_kind} ({exc})") from None
        kept, refused = refuse_implausible(graph)
        if refused:
            details = replace(details, notes=(*details.notes, *refused))
        return kept, details

    def read(self, path: Path, text: str) -> DependencyGraph:
        graph, details = self.read_details(path, text)
        return remember(graph, details)


# -- graph helpers -----------------------------------------------------------


def reach(starts: Iterable[_S], step: Callable[[_S], Iterable[_S]]) -> set[_S]:
    """Every state reachable from ``starts`` (iterative breadth-first search)."""
    seen: set[_S] = set()
    queue: deque[_S] = deque()
    for s in starts:
        if s not in seen:
            seen.add(s)
            queue.append(s)
    while queue:
        for nxt in step(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def attach_orphans(
    root: PackageId,
    nodes: Sequence[PackageId],
    edges: dict[PackageId, list[Edge]],
    kind_of: Callable[[PackageId], EdgeKind],
    roots: Sequence[PackageId] = (),
) -> list[PackageId]:
    """Give every node no root reaches an edge from ``root``; return those nodes.

    Nodes that nothing depends on come first; a node inside an unreachable cycle
    is attached only if attaching the earlier ones did not already reach it.
    """
    starts = [root, *roots]

    def step(n: PackageId) -> Iterable[PackageId]:
        return (e.child for e in edges.get(n, ()))

    seen = reach(starts, step)
    missing = [n for n in nodes if n not in seen]
    if not missing:
        return []
    has_parent: set[PackageId] = set()
    for es in edges.values():
        for e in es:
            has_parent.add(e.child)
    attached: list[PackageId] = []
    ordered = [n for n in missing if n not in has_parent] + [n for n in missing if n in has_parent]
    for n in ordered:
        if n in seen:
            continue
        edges.setdefault(root, []).append(Edge(n, kind_of(n)))
        attached.append(n)
        seen |= reach([n], step)
    return attached


def synthetic_root(path: Path, taken: Iterable[PackageId], name: str | None = None) -> PackageId:
    """A root node for a lockfile that does not record the project itself.

    Named after ``name`` or the lockfile's directory; version ``""`` (unknown).
    """
    base = name or path.resolve().parent.name or "project"
    used = set(taken)
    candidate = PackageId.of(PYPI, base, "")
    n = 1
    while candidate in used:
        n += 1
        candidate = PackageId.of(PYPI, f"{base}-{n}", "")
    return candidate


def read_sibling(path: Path, name: str, limit: int = 4 * 1024 * 1024) -> str | None:
    """Text of a regular file ``name`` beside ``path`` (pyproject.toml...), or None."""
    sibling = path.parent / name
    try:
        if not sibling.is_file() or sibling.stat().st_size > limit:
            return None
        return sibling.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
