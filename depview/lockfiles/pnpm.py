"""``pnpm-lock.yaml``: lockfileVersion 5.x, 6.x and 9.x (including the two-document form).

Nodes are the entries of ``packages:`` (and, from 9.0 on, ``snapshots:``),
keyed by *dependency path*:

* 5.x: ``/name/1.0.0`` or ``/@scope/name/1.0.0_peer@2.0.0`` (peers after ``_``),
* 6.x: ``/name@1.0.0(peer@2.0.0)``,
* 9.x: ``name@1.0.0`` in ``packages:`` (metadata) and
  ``name@1.0.0(peer@2.0.0)`` in ``snapshots:`` (dependencies),

plus non-registry forms (``github.com/user/repo/<commit>``,
``name@https://...``, ``file:...``) whose entry records ``name``/``version``.
The peer suffix is stripped, so every peer variant of a package is one
(name, version) node carrying the union of the variants' edges.

``importers:`` (one per workspace project; 5.x single projects keep their
``dependencies`` at the top level) are the roots: ``.`` is the project, the
others are workspace members. Their ``package.json`` supplies names and
versions where readable. ``link:`` references point at another importer or
become ``LINK`` nodes. Dependencies refer to other entries by resolved
version (``1.0.0(peer@2.0.0)``), by a full path for aliases
(``/real/1.0.0``, ``real@1.0.0``) or by ``link:``.

A multi-document file (pnpm 10's "env lockfile" with
``packageManagerDependencies`` first, then the real lockfile) is read from its
last document, as pnpm does. Entries whose key names no version (only possible
in hand-made files, e.g. ``github.com/user/repo`` without a commit and without
``version:``) are skipped; keys that are no dependency path at all are an
error. Entries no importer reaches are attached to the project root.

Parsed with PyYAML's C base loader: every scalar stays a string, so versions
such as ``1.10`` are never turned into numbers.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml

from depview.errors import LockfileError
from depview.lockfiles._common import (
    ManifestLoader,
    attach_orphans,
    default_manifest_loader,
    describe_type,
    npm_graph,
    redact_url,
)
from depview.model import (
    DependencyGraph,
    Edge,
    EdgeKind,
    PackageId,
    Source,
    SourceKind,
)

__all__ = ["READERS", "PnpmLockReader", "parse_dependency_path"]

ECOSYSTEM = "npm"
Style = Literal["v5", "v6", "v9"]

_HEAD = 4096
_LOCKFILE_VERSION = re.compile(
    r"""^lockfileVersion:[ \t]*['"]?(\d+(?:\.\d+)?)['"]?[ \t]*\r?$""", re.M
)
_VERSION_TEXT = re.compile(r"^(\d{1,4})(?:\.(\d{1,4}))?$")
_STARTS_NUMERIC = re.compile(r"^v?\d")
_NAME = re.compile(r"^(?:@[^/@\s]+/)?[^/@\s]+$")
_DOC_START = re.compile(r"^---(?:[ \t].*)?$")
_DEP_TABLES: tuple[tuple[str, EdgeKind], ...] = (
    ("dependencies", EdgeKind.PROD),
    ("optionalDependencies", EdgeKind.OPTIONAL),
)
_IMPORTER_TABLES: tuple[tuple[str, EdgeKind], ...] = (
    ("dependencies", EdgeKind.PROD),
    ("devDependencies", EdgeKind.DEV),
    ("optionalDependencies", EdgeKind.OPTIONAL),
)


def _style(major: int) -> Style:
    if major < 6:
        return "v5"
    if major < 9:
        return "v6"
    return "v9"


def _strip_peers(version: str, style: Style) -> str:
    """``1.0.0(react@18)`` / ``1.0.0_react@18`` -> ``1.0.0``."""
    cut = version.find("(")
    if cut > 0:
        version = version[:cut]
    if style == "v5" or "_" in version:
        under = version.find("_")
        if under > 0:
            version = version[:under]
    return version


def _split_name_at(text: str) -> tuple[str, str] | None:
    """``name@rest`` / ``@scope/name@rest`` -> (name, rest)."""
    at = text.find("@", 1)
    if at <= 0:
        return None
    name, rest = text[:at], text[at + 1 :]
    if name.startswith("@") and "/" not in name:
        return None
    return name, rest


def parse_dependency_path(key: str, style: Style) -> tuple[str | None, str | None, bool]:
    """A dependency path -> (name, version without peers, names_a_registry_version).

    ``(None, None, False)`` means the key is no dependency path at all (``file:``
    keys included: their entry records name and version); a name with a None
    version means the path names no version (a git or tarball source).
    """
    if key.startswith(("file:", "link:")):
        return None, None, False
    slash = key.startswith("/")
    body = key[1:] if slash else key
    if style == "v9" and not slash:
        # name@version, name@https://..., name@file:...
        split = _split_name_at(body)
        if split is not None and _NAME.match(split[0]):
            name, version = split
            if _STARTS_NUMERIC.match(version):
                return name, _strip_peers(version, style), True
            return name, None, False
    if not slash:
        # host/name/version (5.x) or host/name@version (6.x): drop the host
        if "/" not in body:
            return None, None, False
        body = body.split("/", 1)[1]
    if style == "v5":
        parts = body.split("/")
        if parts[0].startswith("@"):
            if len(parts) < 2:
                return None, None, False
            name, rest = "/".join(parts[:2]), parts[2:]
        else:
            name, rest = parts[0], parts[1:]
        if not _NAME.match(name):
            return None, None, False
        if len(rest) != 1:
            return name, None, False
        version = _strip_peers(rest[0], style)
        if not _STARTS_NUMERIC.match(version):
            return name, None, False
        return name, version, True
    split = _split_name_at(body)
    if split is None or not _NAME.match(split[0]):
        # a 6.x file may still carry 5.x-style paths
        return parse_dependency_path(key, "v5") if style == "v6" else (None, None, False)
    name, version = split
    version = _strip_peers(version, style)
    if not _STARTS_NUMERIC.match(version):
        return name, None, False
    return name, version, True


def _normalise_file_ref(ref: str) -> str:
    if ref.startswith("file:"):
        return "file:" + posixpath.normpath(ref[5:] or ".")
    return ref


def _unquote_yaml_key(raw: str) -> str | None:
    if not raw:
        return None
    if raw[0] == "'":
        if len(raw) < 2 or raw[-1] != "'":
            return None
        return raw[1:-1].replace("''", "'")
    if raw[0] == '"':
        try:
            value = yaml.load(raw, Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader))
        except yaml.YAMLError:
            return None
        return value if isinstance(value, str) else None
    return raw


def _section_key_lines(lines: list[str], start: int, end: int) -> dict[str, dict[str, int]]:
    """{section: {entry key: 1-based line}} for the 2-space keys of each top-level section."""
    out: dict[str, dict[str, int]] = {}
    current: dict[str, int] | None = None
    for index in range(start, end):
        line = lines[index].rstrip("\r")
        if not line or line[0] == "#":
            continue
        if line[0] != " ":
            name = line.split(":", 1)[0].strip()
            out.setdefault("", {}).setdefault(name, index + 1)
            current = out.setdefault(name, {}) if line.rstrip().endswith(":") else None
            continue
        if current is None or not line.startswith("  ") or line[2:3] in (" ", "#", ""):
            continue
        text = line[2:].rstrip()
        if text[0] in "'\"":
            quote = text[0]
            close = 1
            while True:
                close = text.find(quote, close)
                if close == -1 or quote == '"' or text[close + 1 : close + 2] != "'":
                    break
                close += 2
            if close == -1:
                continue
            raw = text[: close + 1]
        else:
            cut = text.find(": ")
            raw = text[:-1] if cut == -1 and text.endswith(":") else text[:cut] if cut != -1 else ""
        key = _unquote_yaml_key(raw)
        if key is not None:
            current.setdefault(key, index + 1)
    return out


@dataclass(slots=True)
class _NodeInfo:
    source: Source
    integrity: str | None
    line: int | None
    install_script: bool | None


@dataclass(slots=True)
class _Builder:
    path: Path
    style: Style
    manifests: ManifestLoader | None
    key_lines: dict[str, dict[str, int]]
    nodes: dict[PackageId, _NodeInfo] = field(default_factory=dict)
    by_key: dict[str, PackageId] = field(default_factory=dict)
    edges: dict[PackageId, list[Edge]] = field(default_factory=dict)
    roots: list[PackageId] = field(default_factory=list)
    importers: dict[str, PackageId] = field(default_factory=dict)
    order: list[PackageId] = field(default_factory=list)

    @property
    def spath(self) -> str:
        return str(self.path)

    def error(self, message: str, line: int | None = None) -> LockfileError:
        return LockfileError(self.spath, message, line)

    def line_of(self, section: str, key: str) -> int | None:
        return self.key_lines.get(section, {}).get(key)

    def expect_map(self, value: Any, what: str, line: int | None) -> Mapping[str, Any]:
        if value is None or value == "":
            return {}
        if not isinstance(value, dict):
            raise self.error(f"{what}: expected an object, got {describe_type(value)}", line)
        return value

    def expect_str(self, value: Any, what: str, line: int | None) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(f"{what}: expected a string, got {describe_type(value)}", line)
        return value

    def manifest(self, folder: str) -> Mapping[str, Any] | None:
        if self.manifests is None:
            return None
        try:
            return self.manifests(self.path.parent, folder)
        except (OSError, ValueError, RecursionError):
            return None

    # -- packages --------------------------------------------------------------
    def add_packages(self, packages: Mapping[str, Any], snapshots: Mapping[str, Any]) -> None:
        for section, table in (("packages", packages), ("snapshots", snapshots)):
            for key, entry in table.items():
                line = self.line_of(section, key)
                what = f"{section}[{key[:160]!r}]"
                body = self.expect_map(entry, what, line)
                if section == "snapshots" and key in packages:
                    continue
                meta = body
                if section == "snapshots":
                    base = self.base_key(key)
                    meta = self.expect_map(packages.get(base), f"packages[{base[:160]!r}]", line)
                    line = self.line_of("packages", base) or line
                self.add_node(key, meta, what, line)

    def base_key(self, key: str) -> str:
        cut = key.find("(", 1)
        return key[:cut] if cut > 0 else key

    def add_node(self, key: str, body: Mapping[str, Any], what: str, line: int | None) -> None:
        name, version, registry_form = parse_dependency_path(key, self.style)
        if name is None and version is None and not key.startswith("file:"):
            raise self.error(f"invalid dependency path: {key[:200]!r}", line)
        field_name = self.expect_str(body.get("name"), f"{what}.name", line)
        field_version = self.expect_str(body.get("version"), f"{what}.version", line)
        name = field_name or name
        version = field_version or version
        if not name or not version:
            return  # the path names no version and the entry records none
        resolution = self.expect_map(body.get("resolution"), f"{what}.resolution", line)
        integrity = self.expect_str(
            resolution.get("integrity"), f"{what}.resolution.integrity", line
        )
        source = self.source_of(key, resolution, registry_form, what, line)
        install: bool | None = None
        if self.style != "v9":
            install = body.get("requiresBuild") in ("true", True)
        pid = PackageId.of(ECOSYSTEM, name, version)
        if pid not in self.nodes:
            self.nodes[pid] = _NodeInfo(source, integrity, line, install)
            self.order.append(pid)
        self.by_key[key] = pid
        if key.startswith("file:"):
            self.by_key.setdefault(_normalise_file_ref(key), pid)

    def source_of(
        self,
        key: str,
        resolution: Mapping[str, Any],
        registry_form: bool,
        what: str,
        line: int | None,
    ) -> Source:
        def get(field_name: str) -> str | None:
            return self.expect_str(
                resolution.get(field_name), f"{what}.resolution.{field_name}", line
            )

        tarball = get("tarball")
        kind = get("type")
        if kind == "git":
            repo, commit = get("repo") or "", get("commit") or ""
            return Source(SourceKind.GIT, redact_url(f"{repo}#{commit}" if commit else repo))
        if kind == "directory":
            return Source(SourceKind.FILE, get("directory"))
        if tarball is not None:
            if tarball.startswith("file:"):
                return Source(SourceKind.FILE, tarball[5:])
            if "codeload.github.com/" in tarball or "/tar.gz/" in tarball:
                return Source(SourceKind.GIT, redact_url(tarball))
            if registry_form:
                return Source(SourceKind.REGISTRY, redact_url(tarball))
            return Source(SourceKind.TARBALL, redact_url(tarball))
        if key.startswith("file:"):
            return Source(SourceKind.FILE, key[5:])
        if not registry_form:
            return Source(SourceKind.TARBALL, redact_url(key))
        return Source(SourceKind.REGISTRY)

    # -- references --------------------------------------------------------------
    def resolve(self, name: str, ref: str, base: str) -> PackageId | None:
        if ref.startswith("link:"):
            return self.link(name, ref[5:], base)
        candidates: tuple[str, ...]
        if self.style == "v9":
            candidates = (f"{name}@{ref}", ref)
        elif self.style == "v6":
            candidates = (f"/{name}@{ref}", ref, f"/{ref}", f"{name}@{ref}")
        else:
            candidates = (f"/{name}/{ref}", ref)
        for cand in candidates:
            hit = self.by_key.get(cand)
            if hit is not None:
                return hit
        if ref.startswith("file:"):
            return self.by_key.get(_normalise_file_ref(ref))
        return None

    def link(self, name: str, target: str, base: str) -> PackageId:
        folder = posixpath.normpath(posixpath.join(base, target or "."))
        hit = self.importers.get(folder)
        if hit is not None:
            return hit
        inside = not (folder == ".." or folder.startswith(("../", "/")))
        manifest = self.manifest(folder) if inside else None
        mversion = manifest.get("version") if manifest else None
        version = mversion if isinstance(mversion, str) else ""
        pid = PackageId.of(ECOSYSTEM, name, version)
        if pid not in self.nodes:
            self.nodes[pid] = _NodeInfo(Source(SourceKind.LINK, folder), None, None, None)
            self.order.append(pid)
        return pid

    def add_edge(
        self,
        parent: PackageId,
        name: str,
        child: PackageId | None,
        kind: EdgeKind,
        spec: str | None,
    ) -> None:
        if child is None:
            return
        alias = name if child.name != name else None
        self.edges.setdefault(parent, []).append(Edge(child, kind, spec, alias))

    def package_edges(self, packages: Mapping[str, Any], snapshots: Mapping[str, Any]) -> None:
        tables = snapshots if self.style == "v9" else packages
        section = "snapshots" if self.style == "v9" else "packages"
        for key, entry in tables.items():
            parent = self.by_key.get(key)
            if parent is None:
                continue
            line = self.line_of(section, key)
            what = f"{section}[{key[:160]!r}]"
            body = self.expect_map(entry, what, line)
            meta = body
            if self.style == "v9":
                meta = self.expect_map(packages.get(self.base_key(key)), what, line)
            peers = self.expect_map(meta.get("peerDependencies"), f"{what}.peerDependencies", line)
            for table, base_kind in _DEP_TABLES:
                deps = self.expect_map(body.get(table), f"{what}.{table}", line)
                for name, ref in deps.items():
                    ref_s = self.expect_str(ref, f"{what}.{table}[{name[:120]!r}]", line)
                    if ref_s is None:
                        continue
                    kind = base_kind
                    spec: str | None = None
                    if name in peers:
                        kind = EdgeKind.PEER
                        peer_range = peers.get(name)
                        spec = peer_range if isinstance(peer_range, str) else None
                    self.add_edge(parent, name, self.resolve(name, ref_s, "."), kind, spec)

    # -- importers ------------------------------------------------------------------
    def add_importers(
        self, importers: Mapping[str, Any], legacy_root: Mapping[str, Any] | None
    ) -> None:
        table: dict[str, Any] = dict(importers)
        if legacy_root is not None and "." not in table:
            table = {".": legacy_root, **table}
        if "." not in table:
            table = {".": {}, **table}
        ordered = sorted(table, key=lambda k: (k != ".", k))
        for path_key in ordered:
            folder = posixpath.normpath(path_key or ".")
            manifest = self.manifest(folder)
            mname = manifest.get("name") if manifest else None
            mversion = manifest.get("version") if manifest else None
            if isinstance(mname, str) and mname:
                name = mname
            elif folder == ".":
                name = self.path.parent.name or "project"
            else:
                name = folder
            version = mversion if isinstance(mversion, str) else ""
            pid = PackageId.of(ECOSYSTEM, name, version)
            kind = SourceKind.ROOT if folder == "." else SourceKind.WORKSPACE
            if pid not in self.nodes:
                self.nodes[pid] = _NodeInfo(Source(kind, folder), None, None, None)
            self.importers.setdefault(folder, pid)
            self.roots.append(pid)
        for path_key in ordered:
            folder = posixpath.normpath(path_key or ".")
            line = self.line_of("importers", path_key)
            what = f"importers[{path_key[:160]!r}]" if path_key in importers else "(top level)"
            body = self.expect_map(table[path_key], what, line)
            self.importer_edges(self.importers[folder], folder, body, what, line)

    def importer_edges(
        self, parent: PackageId, folder: str, body: Mapping[str, Any], what: str, line: int | None
    ) -> None:
        specifiers = self.expect_map(body.get("specifiers"), f"{what}.specifiers", line)
        for table, kind in _IMPORTER_TABLES:
            deps = self.expect_map(body.get(table), f"{what}.{table}", line)
            for name, value in deps.items():
                spec: str | None
                if isinstance(value, dict):
                    ref = self.expect_str(
                        value.get("version"), f"{what}.{table}[{name[:120]!r}].version", line
                    )
                    spec = self.expect_str(
                        value.get("specifier"), f"{what}.{table}[{name[:120]!r}].specifier", line
                    )
                else:
                    ref = self.expect_str(value, f"{what}.{table}[{name[:120]!r}]", line)
                    raw_spec = specifiers.get(name)
                    spec = raw_spec if isinstance(raw_spec, str) else None
                if ref is None:
                    continue
                self.add_edge(parent, name, self.resolve(name, ref, folder), kind, spec)

    def build(self, fmt: str) -> DependencyGraph:
        if not any(self.edges.get(root) for root in self.roots):
            # No importer records a dependency (a hand-made or cut-down file): show
            # every entry under the project. Otherwise unreachable entries are stale
            # (pnpm would not install them): they stay nodes without a parent.
            order = [pid for pid in self.order if pid not in self.roots]
            attach_orphans(order, self.roots, self.edges)
        nodes = (
            (pid, info.source, info.integrity, info.line, info.install_script)
            for pid, info in self.nodes.items()
        )
        return npm_graph(self.spath, fmt, nodes, self.edges, self.roots)


class _Fallback(Exception):
    """The fast parser met YAML it does not handle; use PyYAML."""


@dataclass(slots=True)
class _Doc:
    data: Any
    start: int  # 0-based line index of the document's first line
    end: int  # exclusive
    key_lines: dict[str, dict[str, int]] | None = None


_PLAIN_BAD_START = frozenset("&*!|>%@`{}[]#,'\"")
_PLAIN_FLOW_BAD = frozenset(",[]{}")


def _scalar(token: str, flow: bool) -> str:
    """A YAML scalar as the base loader reads it (a string); _Fallback when unsure."""
    if not token:
        raise _Fallback
    first = token[0]
    if first == "'":
        if len(token) < 2 or token[-1] != "'":
            raise _Fallback
        inner = token[1:-1]
        if "'" in inner.replace("''", ""):
            raise _Fallback
        return inner.replace("''", "'")
    if first == '"':
        if len(token) < 2 or token[-1] != '"' or "\\" in token:
            raise _Fallback
        inner = token[1:-1]
        if '"' in inner:
            raise _Fallback
        return inner
    if (
        first in _PLAIN_BAD_START
        or (first in "-?:" and token[1:2] in ("", " "))
        or ": " in token
        or " #" in token
        or token.endswith(":")
        or "\t" in token
        or (flow and any(c in _PLAIN_FLOW_BAD for c in token))
    ):
        raise _Fallback
    return token


def _flow_items(inner: str) -> list[str]:
    """Split the inside of a flow collection at top-level commas (quotes respected)."""
    items: list[str] = []
    buf: list[str] = []
    quote = ""
    for ch in inner:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            buf.append(ch)
        elif ch == ",":
            items.append("".join(buf).strip())
            buf = []
        elif ch in "[]{}":
            raise _Fallback
        else:
            buf.append(ch)
    if quote:
        raise _Fallback
    tail = "".join(buf).strip()
    if tail or items:
        items.append(tail)
    if any(not item for item in items):
        raise _Fallback
    return items


def _split_key(text: str) -> tuple[str, str]:
    """``key: rest`` / ``'quoted key': rest`` -> (key, rest stripped); _Fallback when unsure."""
    if text[0] in "'\"":
        quote = text[0]
        pos = 1
        while True:
            close = text.find(quote, pos)
            if close == -1:
                raise _Fallback
            if quote == "'" and text[close + 1 : close + 2] == "'":
                pos = close + 2
                continue
            break
        key = _scalar(text[: close + 1], False)
        rest = text[close + 1 :]
        if not rest.startswith(":") or (len(rest) > 1 and rest[1] != " "):
            raise _Fallback
        return key, rest[1:].strip()
    cut = text.find(": ")
    if cut == -1:
        if not text.endswith(":"):
            raise _Fallback
        raw, rest = text[:-1], ""
    else:
        raw, rest = text[:cut], text[cut + 2 :].strip()
    if not raw or raw[0] in _PLAIN_BAD_START or raw[0] in "-?" or " #" in raw:
        raise _Fallback
    return raw, rest


def _value(rest: str) -> Any:
    if rest[0] == "{":
        if rest[-1] != "}":
            raise _Fallback
        out: dict[str, str] = {}
        for item in _flow_items(rest[1:-1]):
            key, value = _split_key(item)
            if not value:
                raise _Fallback
            out[key] = _scalar(value, True)
        return out
    if rest[0] == "[":
        if rest[-1] != "]":
            raise _Fallback
        return [_scalar(item, True) for item in _flow_items(rest[1:-1])]
    return _scalar(rest, False)


def _fast_documents(text: str) -> list[_Doc]:
    """The block-style YAML subset pnpm writes, every scalar a string; _Fallback otherwise."""
    docs: list[_Doc] = []
    lines = text.split("\n")
    doc: _Doc | None = None
    # frames: (indent, container); pending: a key whose value is on the next lines
    frames: list[tuple[int, Any]] = []
    pending: tuple[dict[str, Any], str, int] | None = None
    key_lines: dict[str, dict[str, int]] = {}
    section_lines: dict[str, int] = {}  # the current section's entry lines

    def close_pending() -> None:
        nonlocal pending
        if pending is not None:
            pending[0][pending[1]] = ""
            pending = None

    for index, raw in enumerate(lines):
        line = raw.rstrip(" \r")
        if not line:
            continue
        stripped = line.lstrip(" ")
        if stripped[0] == "#":
            continue
        if line.startswith("---") and (len(line) == 3 or line[3] == " "):
            close_pending()
            if line[3:].strip():
                raise _Fallback
            if doc is not None:
                doc.end = index
            key_lines = {}
            doc = _Doc(None, index, len(lines), key_lines)
            docs.append(doc)
            frames = []
            continue
        if line.startswith("...") or "\t" in line[: len(line) - len(stripped) + 1]:
            raise _Fallback
        indent = len(line) - len(stripped)
        if doc is None:
            key_lines = {}
            doc = _Doc(None, index, len(lines), key_lines)
            docs.append(doc)
        is_item = stripped == "-" or stripped.startswith("- ")
        if pending is not None:
            parent, pkey, pindent = pending
            if indent > pindent or (is_item and indent == pindent):
                container: Any = [] if is_item else {}
                parent[pkey] = container
                frames.append((indent, container))
                if pindent == 0 and not is_item and indent == 2:
                    section_lines = key_lines.setdefault(pkey, {})
                pending = None
            else:
                close_pending()
        if doc.data is None:
            if indent != 0 or is_item:
                raise _Fallback
            doc.data = {}
            frames = [(0, doc.data)]
        while frames and frames[-1][0] > indent:
            frames.pop()
        if not frames or frames[-1][0] != indent:
            raise _Fallback
        container = frames[-1][1]
        if is_item:
            if not isinstance(container, list):
                raise _Fallback
            item = stripped[2:].strip()
            if not item or (item[0] not in "'\"{[" and ": " in item) or item.endswith(":"):
                raise _Fallback
            container.append(_value(item))
            continue
        if not isinstance(container, dict):
            raise _Fallback
        key, rest = _split_key(stripped)
        if indent == 2 and len(frames) == 2:
            section_lines.setdefault(key, index + 1)
        elif indent == 0:
            key_lines.setdefault("", {}).setdefault(key, index + 1)
        if rest:
            container[key] = _value(rest)
        else:
            container[key] = ""
            pending = (container, key, indent)
    close_pending()
    return [d for d in docs if d.data is not None or d.end - d.start > 0]


def _documents(text: str, path: str) -> list[_Doc]:
    try:
        docs = _fast_documents(text)
    except _Fallback:
        pass
    else:
        return [d for d in docs if d.data is not None]
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    try:
        data = list(yaml.load_all(text, Loader=loader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "malformed"
        raise LockfileError(path, f"invalid YAML: {problem}", line) from None
    except RecursionError:
        raise LockfileError(path, "YAML is nested too deeply") from None
    lines = text.split("\n")
    ranges = _document_ranges(lines, len(data))
    return [_Doc(d, a, b) for d, (a, b) in zip(data, ranges, strict=True) if d is not None]


def _document_ranges(lines: list[str], count: int) -> list[tuple[int, int]]:
    """(start, end) line indexes of each YAML document, found by ``---`` markers."""
    if count <= 1:
        return [(0, len(lines))] * count
    starts = [i for i, line in enumerate(lines) if _DOC_START.match(line.rstrip("\r"))]
    if len(starts) < count:
        return [(0, len(lines))] * count
    bounds = [*starts[-count:], len(lines)]
    return [(bounds[i], bounds[i + 1]) for i in range(count)]


class PnpmLockReader:
    """Reads ``pnpm-lock.yaml`` into a :class:`DependencyGraph`."""

    name: ClassVar[str] = "pnpm-lock"
    ecosystem: ClassVar[str] = ECOSYSTEM
    filenames: ClassVar[tuple[str, ...]] = ("pnpm-lock.yaml",)

    __slots__ = ("_manifests",)

    def __init__(self, manifests: ManifestLoader | None = default_manifest_loader) -> None:
        self._manifests = manifests

    def matches(self, path: Path, head: str) -> bool:
        return bool(_LOCKFILE_VERSION.search(head[:_HEAD]))

    def read(self, path: Path, text: str) -> DependencyGraph:
        spath = str(path)
        if text.startswith("\ufeff"):
            text = text[1:]
        docs = _documents(text, spath)
        lines = text.split("\n")
        chosen: Mapping[str, Any] = {}
        span = (0, len(lines))
        key_lines: dict[str, dict[str, int]] | None = None
        for doc in docs:
            if not isinstance(doc.data, dict):
                raise LockfileError(
                    spath,
                    f"not a pnpm lockfile (the document is {describe_type(doc.data)})",
                    doc.start + 1,
                )
            chosen, span, key_lines = doc.data, (doc.start, doc.end), doc.key_lines
        if key_lines is None:
            key_lines = _section_key_lines(lines, *span)
        raw_version = chosen.get("lockfileVersion")
        if chosen and raw_version is None:
            raise LockfileError(spath, "not a pnpm lockfile (no lockfileVersion)", span[0] + 1)
        version_text = "5.4"
        if raw_version is not None:
            if not isinstance(raw_version, str) or not _VERSION_TEXT.match(raw_version):
                raise LockfileError(
                    spath,
                    f"lockfileVersion: expected a version number, got {str(raw_version)[:40]!r}",
                    _version_line(lines, span),
                )
            version_text = raw_version
        m = _VERSION_TEXT.match(version_text)
        assert m is not None
        style = _style(int(m.group(1)))
        builder = _Builder(path, style, self._manifests, key_lines)

        def section(name: str) -> Mapping[str, Any]:
            return builder.expect_map(chosen.get(name), name, builder.line_of("", name))

        packages = section("packages")
        snapshots = section("snapshots") if style == "v9" else {}
        importers = section("importers")
        builder.add_packages(packages, snapshots)
        legacy: Mapping[str, Any] | None = None
        if not importers:
            legacy = {
                k: chosen[k]
                for k in ("specifiers", *(t for t, _ in _IMPORTER_TABLES))
                if k in chosen
            }
        builder.add_importers(importers, legacy)
        builder.package_edges(packages, snapshots)
        return builder.build(f"pnpm-lock@{version_text}")


def _version_line(lines: list[str], span: tuple[int, int]) -> int | None:
    for index in range(span[0], span[1]):
        if lines[index].startswith("lockfileVersion"):
            return index + 1
    return None


READERS = (PnpmLockReader(),)
