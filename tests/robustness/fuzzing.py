"""Mutation fuzzing of the lockfile readers, shared by the suite and ``bench/fuzz.py``.

Seeds are the real fixtures under ``tests/data`` (each assigned to the reader
that reads it). A mutation is either textual (delete, duplicate, insert a hostile
or syntactic token, truncate, swap lines, deep nesting) or structural (parse,
replace one value by one of the wrong type, drop or rename a key, write back as
JSON, YAML or TOML). :func:`check` runs a reader on the result: it must return a
graph that holds together (and renders) or raise ``LockfileError``, and nothing
else, in bounded time.

The mutators take a :class:`Chooser`, so hypothesis drives them in the suite
(shrinking included) and a seeded ``random.Random`` drives them in the long run.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import random
import time
import tomllib
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Protocol, TypeVar

import yaml

from depview.errors import LockfileError
from depview.lockfiles.registry import READERS
from depview.model import DependencyGraph
from depview.report.tree import graph_to_json, render_tree

__all__ = [
    "Chooser",
    "Crash",
    "RandomChooser",
    "Seed",
    "check",
    "filename_for",
    "mutate",
    "seeds",
]

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SEED_DIRS = ("npm", "yarn", "pnpm", "python")
MAX_SEED_BYTES = 24_000
MAX_SEEDS_PER_READER = 12
#: One example may take this long before it counts as a hang (seconds; generous for a busy CI box).
SLOW = 5.0


class Chooser(Protocol):
    def integer(self, lo: int, hi: int) -> int: ...

    def choice(self, items: Sequence[T]) -> T: ...


class RandomChooser:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]


@dataclass(frozen=True, slots=True)
class Seed:
    reader: str
    path: Path
    text: str

    @property
    def label(self) -> str:
        return str(self.path.relative_to(DATA))


# -- seeds ------------------------------------------------------------------------------------

_HINTS: tuple[tuple[str, str], ...] = (
    ("pipfile", "pipfile-lock"),
    ("pipenv", "pipfile-lock"),
    ("poetry", "poetry-lock"),
    ("pylock", "pylock"),
    ("uvlock", "uv-lock"),
    ("uv-", "uv-lock"),
    ("requirements", "requirements"),
    ("-pip", "requirements"),
    ("pnpm", "pnpm-lock"),
    ("yarn", "yarn-lock"),
    ("npm", "npm-package-lock"),
)


def _candidate(path: Path) -> str | None:
    for name, reader in READERS.items():
        if any(fnmatchcase(path.name, pat) for pat in reader.filenames):
            return name
    rel = str(path.relative_to(DATA)).lower()
    if (
        path.suffix in (".gz", ".md")
        or "oracle" in path.name
        or path.name in ("SOURCE.txt", "expected.json")
    ):
        return None
    for hint, reader_name in _HINTS:
        if hint in rel:
            return reader_name
    return None


def filename_for(reader: str) -> str:
    """A concrete file name the reader answers to (``pylock.*.toml`` -> ``pylock.toml``)."""
    for pattern in READERS[reader].filenames:
        if "*" not in pattern:
            return pattern
    return {"requirements": "requirements.txt"}.get(
        reader, READERS[reader].filenames[0].replace("*", "x")
    )


@functools.cache
def seeds() -> dict[str, tuple[Seed, ...]]:
    """Reader name -> small fixtures that reader reads without error (smallest first)."""
    found: dict[str, list[Seed]] = {name: [] for name in READERS}
    for sub in SEED_DIRS:
        base = DATA / sub
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file() or path.stat().st_size > MAX_SEED_BYTES:
                continue
            reader = _candidate(path)
            if reader is None:
                continue
            try:
                text = path.read_text(encoding="utf-8")
                READERS[reader].read(Path("/nonexistent") / filename_for(reader), text)
            except (LockfileError, UnicodeDecodeError, OSError):
                continue
            except Exception:  # a reader bug on a real fixture: not a seed, the fuzz finds it
                continue
            found[reader].append(Seed(reader, path, text))
    out: dict[str, tuple[Seed, ...]] = {}
    for reader, items in found.items():
        items.sort(key=lambda s: (len(s.text), str(s.path)))
        # a spread over sizes: the smallest ones and some of the larger ones
        if len(items) > MAX_SEEDS_PER_READER:
            step = len(items) / MAX_SEEDS_PER_READER
            items = [items[int(i * step)] for i in range(MAX_SEEDS_PER_READER)]
        out[reader] = tuple(items)
    return out


# -- mutations --------------------------------------------------------------------------------

HOSTILE_TOKENS: tuple[str, ...] = (
    "\x00", "\x1b[31m", "\u202e", "\ufeff", "\x9b", "[bold]", "[/]", "[@click=app.quit]x[/]",
    "../../x", "/etc/passwd", "..\\x", "C:\\x", "file:../../etc", "link:/etc", "npm:x@1",
    "workspace:*", "git+https://evil.test/x.git#", "@", "@scope/", "node_modules/",
    "1e999", "-0", "NaN", "Infinity", "9" * 40, "null", "true", "false", "0x10", "~", "*",
    "x" * 5000, "é", "😀", "\r\n", "\t", "\\", "\\u0000", "\\ud800", "\"", "'", "#", ";", "=",
    "==", ">=", "<", "|", "&", "---", "...", "<<: *a", "&a", "*a", "!!python/object:os.system",
    "? ", ": ", "- ", "{", "}", "[", "]", ",", ":", "\n", " ", "  ", "[[package]]", "[package]",
    "__metadata:", "lockfileVersion", "packages:", "dependencies", "version", "resolved",
    "integrity", "name", "\"\":", "{}", "[]", "[" * 3000, "{\"a\":" * 3000, "- " * 2000,
)  # fmt: skip

WRONG_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 2**70, 1.5, math.inf, "", "../../x", "/etc/passwd", "..\\x",
    "\x00", "\x1b]0;TITLE\x07", "[link=https://evil.test]x[/link]", "1.0.0", "^1.0.0",
    "npm:x@1", "file:../../etc", "link:/etc", "git+https://evil.test/x", "x" * 4000,
    [], {}, [1, "a", None], {"a": {"b": []}}, {"version": 1}, {"": ""}, {"../../x": "1.0.0"},
)  # fmt: skip

HOSTILE_KEYS: tuple[str, ...] = (
    "../../x", "/etc/passwd", "..\\x", "\x00", "", "node_modules/../../x", "node_modules/",
    "__proto__", "[bold]k", "\u202ek", "x" * 2000, "packages", "version", "dependencies",
)  # fmt: skip


def _span(text: str, c: Chooser, longest: int = 64) -> tuple[int, int]:
    if not text:
        return 0, 0
    start = c.integer(0, len(text) - 1)
    return start, min(len(text), start + c.integer(0, longest))


def _text_mutation(text: str, c: Chooser) -> str:
    op = c.integer(0, 7)
    if op == 0:  # delete a span
        a, b = _span(text, c)
        return text[:a] + text[b:]
    if op == 1:  # duplicate a span
        a, b = _span(text, c, 400)
        return text[:b] + text[a:b] + text[b:]
    if op == 2:  # insert a token
        at = c.integer(0, len(text))
        return text[:at] + c.choice(HOSTILE_TOKENS) + text[at:]
    if op == 3:  # replace a span by a token
        a, b = _span(text, c, 16)
        return text[:a] + c.choice(HOSTILE_TOKENS) + text[b:]
    if op == 4:  # truncate
        return text[: c.integer(0, len(text))]
    if op == 5:  # swap two lines, or duplicate one (duplicate keys)
        lines = text.split("\n")
        if len(lines) < 2:
            return text + "\n" + text
        i, j = c.integer(0, len(lines) - 1), c.integer(0, len(lines) - 1)
        if c.integer(0, 1):
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(j, lines[i])
        return "\n".join(lines)
    if op == 6:  # one character to something else
        if not text:
            return c.choice(HOSTILE_TOKENS)
        at = c.integer(0, len(text) - 1)
        char = c.choice(("\x00", "\x7f", "\u2028", "\ud7ff", '"', "{", "[", ":", "\n", "0", "a"))
        return text[:at] + char + text[at + 1 :]
    # op 7: repeat the whole document (a second document / duplicated tables)
    return text + "\n" + text


def _slots(doc: Any) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) of a parsed document, iteratively."""
    out: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack and len(out) < 20_000:
        node = stack.pop()
        if isinstance(node, dict):
            for key in list(node):
                out.append((node, key))
                stack.append(node[key])
        elif isinstance(node, list):
            for i in range(len(node)):
                out.append((node, i))
                stack.append(node[i])
    return out


def _structural(doc: Any, c: Chooser) -> Any:
    slots = _slots(doc)
    if not slots:
        return copy.deepcopy(c.choice(WRONG_VALUES))
    for _ in range(c.integer(1, 3)):
        container, key = slots[c.integer(0, len(slots) - 1)]
        op = c.integer(0, 4)
        try:
            if op <= 1:  # wrong type
                container[key] = copy.deepcopy(c.choice(WRONG_VALUES))
            elif op == 2:  # drop
                del container[key]
            elif op == 3 and isinstance(container, dict):  # rename to a hostile key
                container[c.choice(HOSTILE_KEYS)] = container.pop(key)
            else:  # copy another subtree here (a copy: an ancestor would make a cycle)
                other, okey = slots[c.integer(0, len(slots) - 1)]
                container[key] = copy.deepcopy(other[okey])
        except (KeyError, IndexError, TypeError):
            continue
        slots = _slots(doc)
        if not slots:
            break
    return doc


def toml_dumps(doc: Any) -> str:
    """A TOML document: every top-level key as ``key = <inline value>`` (TOML 1.0)."""

    def key(k: object) -> str:
        return _toml_str(str(k))

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            if math.isnan(v):
                return "nan"
            if math.isinf(v):
                return "inf" if v > 0 else "-inf"
            return repr(v)
        if isinstance(v, str):
            return _toml_str(v)
        if isinstance(v, datetime | date | dtime):
            return v.isoformat()
        if isinstance(v, dict):
            return "{" + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return '""'  # None and anything else TOML cannot say

    if not isinstance(doc, dict):
        return f"value = {value(doc)}\n"
    return "".join(f"{key(k)} = {value(v)}\n" for k, v in doc.items())


def _toml_str(s: str) -> str:
    out = json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")
    # JSON leaves lone surrogates as escapes TOML refuses: the parser says no, which is fine.
    return out


_FORMATS: dict[str, str] = {
    "npm-package-lock": "json",
    "pipfile-lock": "json",
    "pnpm-lock": "yaml",
    "yarn-lock": "yaml",  # berry only; v1 fails to parse as YAML and stays textual
    "uv-lock": "toml",
    "poetry-lock": "toml",
    "pylock": "toml",
    "requirements": "text",
}


def _parse(kind: str, text: str) -> Any:
    if kind == "json":
        return json.loads(text)
    if kind == "yaml":
        doc = yaml.safe_load(text)
        if not isinstance(doc, dict):
            raise ValueError("not a mapping")
        return doc
    if kind == "toml":
        return tomllib.loads(text)
    raise ValueError(kind)


def _dump(kind: str, doc: Any) -> str:
    if kind == "json":
        return json.dumps(doc, indent=2)
    if kind == "yaml":
        return str(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    return toml_dumps(doc)


def mutate(reader: str, text: str, c: Chooser) -> str:
    """One to four mutations of ``text``, structural where the format allows."""
    kind = _FORMATS.get(reader, "text")
    if kind != "text" and c.integer(0, 2) == 0:
        try:
            doc = _parse(kind, text)
        except (ValueError, yaml.YAMLError, RecursionError):
            pass
        else:
            try:
                text = _dump(kind, _structural(doc, c))
            except (ValueError, TypeError, RecursionError, yaml.YAMLError):
                pass  # the mutated tree cannot be written back: mutate the text instead
            else:
                if c.integer(0, 1):
                    return text
    for _ in range(c.integer(1, 4)):
        text = _text_mutation(text, c)
    return text


# -- the property -----------------------------------------------------------------------------


class Crash(AssertionError):
    """A reader broke its contract on ``text`` (``reader`` names it)."""

    def __init__(self, reader: str, text: str, what: str) -> None:
        super().__init__(f"{reader}: {what}")
        self.reader = reader
        self.text = text
        self.what = what


def _graph_problems(graph: object) -> str | None:
    if not isinstance(graph, DependencyGraph):
        return f"returned {type(graph).__name__}, not a DependencyGraph"
    for root in graph.roots:
        if root not in graph.packages:
            return f"root {root!r} is not a package"
    for pid, pkg in graph.packages.items():
        fields: tuple[object, object] = (pid.name, pid.version)
        if pkg.id != pid or not all(isinstance(f, str) for f in fields):
            return f"package keyed {pid!r} is {pkg.id!r}"
    for parent, edges in graph.edges.items():
        for edge in edges:
            if edge.child not in graph.packages:
                return f"edge {parent} -> {edge.child!r} points at no package"
    return None


def check(reader: str, text: str, *, slow: float = SLOW) -> str:
    """Run ``reader`` on ``text``; "graph" or "error" (LockfileError), else raise :class:`Crash`."""
    path = Path("/nonexistent-depview-fuzz") / filename_for(reader)
    started = time.perf_counter()
    try:
        graph = READERS[reader].read(path, text)
    except LockfileError as exc:
        message = str(exc)
        if "\n" in exc.one_line() or not message:
            raise Crash(
                reader, text, f"LockfileError message is not one line: {message!r}"
            ) from None
        outcome = "error"
    except RecursionError:
        raise Crash(reader, text, "RecursionError") from None
    except Exception as exc:
        tb = traceback.format_exc(limit=-3)
        raise Crash(reader, text, f"{type(exc).__name__}: {exc}\n{tb}") from None
    else:
        problem = _graph_problems(graph)
        if problem is not None:
            raise Crash(reader, text, problem)
        try:
            render_tree(graph)
            json.dumps(graph_to_json(graph))
            graph.paths_index()
        except Exception as exc:
            tb = traceback.format_exc(limit=-3)
            raise Crash(reader, text, f"downstream {type(exc).__name__}: {exc}\n{tb}") from None
        outcome = "graph"
    elapsed = time.perf_counter() - started
    if elapsed > slow:
        raise Crash(reader, text, f"took {elapsed:.1f} s on {len(text)} characters")
    return outcome


def run_one(reader: str, seed: Seed, c: Chooser, checker: Callable[[str, str], str] = check) -> str:
    return checker(reader, mutate(reader, seed.text, c))


# -- OSV records ----------------------------------------------------------------------------------

OSV_VERSIONS: tuple[str, ...] = (
    "0", "0.0.0", "1.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0", "1.0.0+build", "2.0.0-rc.1",
    "1.14.1", "1.0", "1", "1.0.post1", "1.0.dev3", "2!1.0", "1.0a1", "v1.2.3", "=1.2.3", "*", "",
    "9" * 300, "1.0.0.0.0", "latest", "\x00", "[bold]1.0.0", "../../1.0.0", "1e5", "-1",
)  # fmt: skip


@functools.cache
def osv_seeds() -> tuple[dict[str, Any], ...]:
    """Every OSV record shipped with the tests and the demo (plus the hostile corpus)."""
    out: list[dict[str, Any]] = []
    for base in (DATA, ROOT / "depview" / "data"):
        for path in sorted(base.rglob("osv/*.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(doc, dict) and len(path.read_bytes()) < 200_000:
                out.append(doc)
    return tuple(out)


def mutate_osv(c: Chooser) -> tuple[Any, list[str]]:
    """A mutated OSV record and the versions to match it against."""
    base = copy.deepcopy(c.choice(osv_seeds())) if osv_seeds() else {"id": "X", "affected": []}
    affected = base.get("affected")
    if (
        isinstance(affected, list)
        and affected
        and isinstance(affected[0], dict)
        and c.integer(0, 1)
    ):
        # give the first entry random ranges of random versions
        events = [{c.choice(("introduced", "fixed", "last_affected", "limit")): c.choice(OSV_VERSIONS)}
                  for _ in range(c.integer(0, 5))]  # fmt: skip
        affected[0]["ranges"] = [
            {"type": c.choice(("SEMVER", "ECOSYSTEM", "GIT", "x")), "events": events}
        ]
    doc = _structural(base, c) if c.integer(0, 2) else base
    versions = [c.choice(OSV_VERSIONS) for _ in range(3)]
    return doc, versions


def check_osv(doc: Any, versions: Sequence[str]) -> int:
    """normalize_osv + match on ``versions`` for the npm and PyPI names of the record; raise :class:`Crash`."""
    from depview.sources.osv import AdvisoryIndex, match, normalize_osv

    started = time.perf_counter()
    text = json.dumps(doc, default=str)
    try:
        advisories = normalize_osv(doc)
        hits = 0
        for adv in advisories:
            for version in versions:
                for eco in ("npm", "pypi"):
                    hits += match(adv, eco, adv.package or "x", version) is True
        index = AdvisoryIndex(advisories)
        for version in versions:
            index.lookup("npm", "x", version)
    except Exception as exc:
        tb = traceback.format_exc(limit=-3)
        raise Crash("osv", text, f"{type(exc).__name__}: {exc}\n{tb}") from None
    if time.perf_counter() - started > SLOW:
        raise Crash("osv", text, "slow")
    return hits
