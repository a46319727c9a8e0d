"""``constraints``: a pip/uv constraints file with ``==`` pins and ``--hash`` lines.

The file goes beside the lockfile as ``constraints.txt`` (written as
``constraints.depview.txt`` unless ``--apply``). Each pin is
``name==version`` followed by one ``--hash=sha256:`` per file of that release
on PyPI, so ``pip install --require-hashes -c`` and ``uv pip compile
--constraint`` both accept it. The ``[tool.uv] constraint-dependencies``
snippet for uv projects is printed in the file's header as a comment block
(one file to review, one file to write; ``--relock`` applies it to a
temporary copy of pyproject.toml). An existing constraints.txt keeps its
other lines; lines for the pinned names are replaced.
"""

from __future__ import annotations

import re
from pathlib import Path

from depview.model import DependencyGraph, normalize_name
from depview.remedy.model import ExportError, FileChange, Plan
from depview.remedy.writers.base import MetadataMap, read_text, version_info

__all__ = ["CONSTRAINTS_FILE", "render_constraints", "uv_snippet", "write"]

CONSTRAINTS_FILE = "constraints.txt"
BEGIN = "# >>> depview pins >>>"
END = "# <<< depview pins <<<"
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def uv_snippet(pins: list[tuple[str, str]]) -> list[str]:
    """``[tool.uv] constraint-dependencies`` lines for ``(name, version)`` pins."""
    lines = ["[tool.uv]", "constraint-dependencies = ["]
    lines += [f"    {_toml_str(f'{name}=={version}')}," for name, version in pins]
    lines.append("]")
    return lines


def render_constraints(plan: Plan, metadata: MetadataMap) -> tuple[str, list[str]]:
    """(the depview block of the constraints file, notes)."""
    notes: list[str] = []
    pins = sorted((p.name, p.to_version) for p in plan.actionable if p.to_version is not None)
    out = [
        BEGIN,
        f"# depview export --format constraints: safe pins for packages rated "
        f"{plan.level.label} or above, as of {plan.as_of.strftime('%Y-%m-%dT%H:%M:%SZ')}.",
        "# Use: uv pip compile --constraint constraints.txt ...   or   pip install -c constraints.txt ...",
    ]
    if pins:
        out.append("# For a uv project, the same pins in pyproject.toml:")
        out += [f"#   {line}" for line in uv_snippet(pins)]
    for pin in plan.unsafe:
        out.append(f"# {pin.package}: no safe version ({_one_line(pin.reason)}); remove it by hand")
    for removal in plan.removals:
        out.append(f"# {removal.package}: {_one_line(removal.reason)}")
    for name, version in pins:
        info = version_info(metadata, "pypi", name, version)
        hashes = [h for h in (info.hashes if info else ()) if h.startswith("sha256:")]
        if not hashes:
            notes.append(
                f"{name}=={version}: no file hashes in the registry data; pinned without --hash"
            )
            out.append(f"{name}=={version}")
            continue
        out.append(f"{name}=={version} \\")
        for i, digest in enumerate(hashes):
            tail = " \\" if i < len(hashes) - 1 else ""
            out.append(f"    --hash={digest}{tail}")
    out.append(END)
    return "\n".join(out) + "\n", notes


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _logical_lines(text: str) -> list[list[str]]:
    """Physical lines grouped into logical lines (backslash continuations joined)."""
    groups: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines(keepends=True):
        current.append(line)
        if not line.rstrip("\r\n").endswith("\\"):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _merge(existing: str, block: str, names: set[str]) -> str:
    kept: list[str] = []
    inside = False
    for group in _logical_lines(existing):
        first = group[0].strip()
        if first == BEGIN:
            inside = True
            continue
        if first == END:
            inside = False
            continue
        if inside:
            continue
        m = _REQ_NAME.match(group[0])
        if m and not first.startswith(("#", "-")) and normalize_name("pypi", m.group(1)) in names:
            continue
        kept.extend(group)
    head = "".join(kept)
    if head and not head.endswith("\n"):
        head += "\n"
    return head + block


def write(
    plan: Plan, graph: DependencyGraph, lockfile: Path, metadata: MetadataMap
) -> list[FileChange]:
    """constraints.txt beside the lockfile (merged into an existing one)."""
    if graph.ecosystem != "pypi":
        raise ExportError("--format constraints needs a Python lockfile")
    block, notes = render_constraints(plan, metadata)
    path = lockfile.parent / CONSTRAINTS_FILE
    before = read_text(path) if path.is_file() else None
    names = {p.name for p in plan.actionable}
    after = _merge(before, block, names) if before is not None else block
    return [FileChange(path, before, after, tuple(notes))]
