"""Triage decisions in ``.depview-triage.toml`` beside the lockfile.

The file is human-readable and diff-friendly: one table per package, sorted by
ecosystem, name and version, keys in a fixed order::

    [[package]]
    purl = "pkg:npm/axios@1.14.1"
    state = "investigate"          # accepted | ignored | investigate
    note = "asked upstream"
    expires = "2026-12-31T00:00:00Z"   # optional

Reads tolerate unknown keys; writes are atomic.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from depview.config import parse_instant
from depview.errors import DepviewError, UsageError
from depview.fsutil import atomic_write_text
from depview.model import PackageId
from depview.report.model import TriageMark

__all__ = ["STATES", "TRIAGE_FILE", "dump_triage", "load_triage", "save_triage", "triage_path"]

TRIAGE_FILE = ".depview-triage.toml"
STATES = ("accepted", "ignored", "investigate")


def triage_path(lockfile: Path) -> Path:
    return lockfile.parent / TRIAGE_FILE


def _purl_to_id(purl: str) -> PackageId | None:
    from urllib.parse import unquote

    if not purl.startswith("pkg:") or "/" not in purl or "@" not in purl:
        return None
    body = purl[4:]
    ecosystem, _, rest = body.partition("/")
    name, _, version = rest.rpartition("@")
    if not name or not version:
        return None
    return PackageId.of(ecosystem, unquote(name), unquote(version))


def load_triage(path: Path) -> dict[PackageId, TriageMark]:
    """Decisions from ``path`` (missing file: none). Bad file: one-line UsageError."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise UsageError(f"{path}: cannot read triage file: {exc}") from None
    out: dict[PackageId, TriageMark] = {}
    items = data.get("package", [])
    if not isinstance(items, list):
        raise UsageError(f"{path}: 'package' must be an array of tables")
    for item in items:
        if not isinstance(item, dict):
            continue
        pid = _purl_to_id(str(item.get("purl", "")))
        state = str(item.get("state", ""))
        if pid is None or state not in STATES:
            continue
        expires = item.get("expires")
        when: datetime | None = None
        if isinstance(expires, datetime):
            when = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
        elif isinstance(expires, str) and expires:
            try:
                when = parse_instant(expires)
            except DepviewError:
                when = None
        out[pid] = TriageMark(
            state=state,
            note=str(item.get("note", "")),
            expires=when,
            author=str(item["author"]) if "author" in item else None,
        )
    return out


def _toml_str(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def dump_triage(marks: Mapping[PackageId, TriageMark]) -> str:
    lines = [
        "# depview triage decisions (edit freely; `depview scan` honours them).",
        "# state: accepted | ignored | investigate; expires: optional ISO 8601 instant.",
    ]
    for pid in sorted(marks):
        mark = marks[pid]
        lines += [
            "",
            "[[package]]",
            f"purl = {_toml_str(pid.purl)}",
            f"state = {_toml_str(mark.state)}",
        ]
        if mark.note:
            lines.append(f"note = {_toml_str(mark.note)}")
        if mark.expires is not None:
            stamp = mark.expires.astimezone(UTC).isoformat().replace("+00:00", "Z")
            lines.append(f"expires = {_toml_str(stamp)}")
        if mark.author:
            lines.append(f"author = {_toml_str(mark.author)}")
    return "\n".join(lines) + "\n"


def save_triage(path: Path, marks: Mapping[PackageId, TriageMark]) -> None:
    atomic_write_text(path, dump_triage(marks))
