"""Small helpers shared by the lockfile reader tests.

npm family (yarn, pnpm): :func:`npm_pid`, :func:`nv`, :func:`unpack_case`,
:func:`osv_cases`, :func:`assert_crlf_and_bom_read_the_same`. Python readers: :func:`norm`, :func:`requirement_pins` (an
oracle's ``name==version`` lines) and :func:`osv_packages` / :func:`assert_line_and_commit`
(a graph against an OSV ``expected.json`` case).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from depview.lockfiles.interface import LockfileReader
from depview.model import DependencyGraph, Package, PackageId, SourceKind


def npm_pid(name: str, version: str) -> PackageId:
    return PackageId.of("npm", name, version)


def nv(graph: DependencyGraph) -> set[tuple[str, str]]:
    """(name, version) of every dependency in ``graph``."""
    return {(p.name, p.version) for p in graph.dependencies()}


def unpack_case(data: Path, case: str, tmp_path: Path) -> Path:
    """Copy ``data/case`` to tmp_path, decompressing ``*.gz`` files; returns the folder."""
    src = data / case
    dst = tmp_path / case
    for file in src.rglob("*"):
        if not file.is_file():
            continue
        target = dst / file.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if file.suffix == ".gz":
            with gzip.open(file, "rb") as fin, target.with_suffix("").open("wb") as fout:
                shutil.copyfileobj(fin, fout)
        else:
            shutil.copyfile(file, target)
    return dst


def assert_crlf_and_bom_read_the_same(reader: LockfileReader, path: Path) -> None:
    """Windows line ends and a byte-order mark change nothing ``reader`` reads from ``path``."""
    text = path.read_text(encoding="utf-8")
    plain = reader.read(path, text)
    windows = reader.read(path, "\ufeff" + text.replace("\n", "\r\n"))
    assert windows.packages == plain.packages
    assert windows.edges == plain.edges


def osv_cases(data: Path, suites: Sequence[str]) -> Iterator[Any]:
    """One ``pytest.param(suite, case)`` per case of each suite's ``expected.json``."""
    for suite in suites:
        expected = json.loads((data / suite / "expected.json").read_text())
        for case in expected["cases"]:
            yield pytest.param(suite, case, id=f"{suite}:{case['test']}")


def norm(name: str) -> str:
    """A Python package name as PEP 503 normalises it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_pins(path: Path) -> set[tuple[str, str]]:
    """(name, version) of every ``name==version`` line of a requirements-style oracle."""
    out = set()
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^ ;\\]+)", line)
        if m:
            out.add((norm(m.group(1)), m.group(2)))
    return out


def osv_packages(graph: DependencyGraph, case: dict[str, Any]) -> list[tuple[Package, Any]]:
    """(package, expected entry) for an OSV case, once its (name, version)s match the graph's."""
    got = {(p.name, p.version): p for p in graph.dependencies()}
    want = {(norm(p["name"]), p["version"]): p for p in case["packages"]}
    assert set(got) == set(want)
    return [(got[key], pkg) for key, pkg in want.items()]


def assert_line_and_commit(package: Package, expected: Any) -> None:
    """The line and git commit an OSV case expects (where it gives them)."""
    if "line" in expected:
        assert package.line == expected["line"]
    if "commit" in expected:
        assert package.source.kind == SourceKind.GIT
        assert expected["commit"] in (package.source.url or "")
