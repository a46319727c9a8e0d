"""npm ranges, PEP 440 specifiers, release lines and bump kinds (depview.versions)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depview.versions import (
    bump_kind,
    is_prerelease,
    npm_satisfies,
    pep440_satisfies,
    release_line,
    satisfies,
    sort_versions,
    version_key,
)

NPM_CASES = [
    ("1.2.3", "^1.2.0", True),
    ("2.0.0", "^1.2.0", False),
    ("2.0.0-rc.1", "^1.2.0", False),
    ("0.2.5", "^0.2.3", True),
    ("0.3.0", "^0.2.3", False),
    ("0.0.3", "^0.0.3", True),
    ("0.0.4", "^0.0.3", False),
    ("0.0.9", "^0.0", True),
    ("0.1.0", "^0.0", False),
    ("1.9.9", "^1.x", True),
    ("1.2.3-beta.1", "^1.2.3-beta.0", True),
    ("1.2.4-beta.1", "^1.2.3-beta.0", False),  # prerelease of another tuple
    ("1.3.0", "^1.2.3-beta.0", True),
    ("1.2.9", "~1.2", True),
    ("1.3.0", "~1.2", False),
    ("1.9.0", "~1", True),
    ("1.2.3", "~1.2.3", True),
    ("1.2.2", "~1.2.3", False),
    ("1.5.0", "1.2 - 1.5", True),
    ("1.6.0", "1.2 - 1.5", False),
    ("1.5.9", "1.2.3 - 1.5", True),
    ("1.2.2", "1.2.3 - 2.3.4", False),
    ("2.3.4", "1.2.3 - 2.3.4", True),
    ("2.3.5", "1.2.3 - 2.3.4", False),
    ("3.0.0", ">=2 <3 || >=3.1", False),
    ("3.1.0", ">=2 <3 || >=3.1", True),
    ("2.5.0", ">=2 <3 || >=3.1", True),
    ("1.2.3", "*", True),
    ("1.2.3-a", "*", False),
    ("1.2.3", "", True),
    ("1.2.3", "x", True),
    ("1.2.3", "1.x", True),
    ("2.0.0", "1.x.x", False),
    ("1.2.3", "1.2", True),
    ("2.0.0", ">1", True),
    ("1.9.0", ">1", False),
    ("1.3.0", ">1.2", True),
    ("1.2.9", ">1.2", False),
    ("1.2.0", "<=1.2", True),
    ("1.3.0", "<=1.2", False),
    ("1.1.9", "<1.2", True),
    ("1.2.0", "<1.2", False),
    ("1.2.3", "> 1.2.0", True),
    ("1.2.3", ">= 1.2.3", True),
    ("1.2.3", "=1.2.3", True),
    ("1.2.3", "v1.2.3", True),
    ("1.2.4", "1.2.3", False),
    ("1.14.1", "^1.13.0", True),
    ("1.2.3", "npm:other@^1.0.0", True),
    ("0.0.0", "<0.0.0-0", False),
]


@pytest.mark.parametrize(("version", "spec", "expected"), NPM_CASES)
def test_npm_ranges(version: str, spec: str, expected: bool) -> None:
    assert npm_satisfies(version, spec) is expected


@pytest.mark.parametrize(
    "spec",
    [
        "latest",
        "next",
        "git+https://github.com/a/b.git",
        "file:../x",
        "workspace:*",
        "1.2.3 || latest",
    ],
)
def test_npm_specs_that_are_not_ranges_are_unknown(spec: str) -> None:
    assert npm_satisfies("1.2.3", spec) is None


def test_npm_unparseable_version_is_unknown() -> None:
    assert npm_satisfies("not-a-version", "^1.0.0") is None


PEP_CASES = [
    ("2.31.0", ">=2.0,<3", True),
    ("3.0", ">=2.0,<3", False),
    ("1.2.5", "^1.2", True),
    ("2.0", "^1.2", False),
    ("0.2.5", "^0.2.3", True),
    ("0.3.0", "^0.2.3", False),
    ("1.2.9", "~1.2", True),
    ("1.3", "~1.2", False),
    ("1.0", "1.0", True),
    ("1.0.0", "==1.0", True),
    ("1.4", "~=1.2", True),
    ("2.0", "~=1.2", False),
    ("1.0", "*", True),
    ("1.0", ">=0.9; python_version >= '3.8'", True),
    ("2.0rc1", ">=1.0", True),  # a prerelease candidate is judged as one
]


@pytest.mark.parametrize(("version", "spec", "expected"), PEP_CASES)
def test_pep440_specifiers(version: str, spec: str, expected: bool) -> None:
    assert pep440_satisfies(version, spec) is expected


def test_pep440_garbage_is_unknown() -> None:
    assert pep440_satisfies("1.0", ">>>nope") is None
    assert pep440_satisfies("not a version", ">=1") is None
    assert satisfies("pypi", "1.0", None) is None


def test_release_lines() -> None:
    assert release_line("npm", "1.14.1") == "1"
    assert release_line("npm", "0.30.4") == "0"
    assert release_line("npm", "0.2.17") == release_line("npm", "0.31.0")  # all 0.x: one line
    assert release_line("pypi", "2.31.0") == "2"
    assert release_line("pypi", "2024.1.5") == "2024"
    assert release_line("npm", "banana") is None


def test_bump_kinds() -> None:
    assert bump_kind("npm", "1.14.0", "1.14.1") == "patch"
    assert bump_kind("npm", "1.13.6", "1.14.0") == "minor"
    assert bump_kind("npm", "1.14.0", "2.0.0") == "major"
    assert bump_kind("npm", "0.30.3", "0.31.0") == "major"  # caret reading of 0.x
    assert bump_kind("npm", "1.0.0", "1.1.0-rc.1") == "prerelease"
    assert bump_kind("pypi", "2.0", "2.0.1") == "patch"
    assert bump_kind("pypi", "2.0", "2.1") == "minor"
    assert bump_kind("npm", "x", "1.0.0") is None


def test_ordering() -> None:
    assert sort_versions(
        "npm", ["1.10.0", "1.9.0", "1.10.0-rc.1", "1.10.0-rc.10", "1.10.0-rc.2"]
    ) == [
        "1.9.0",
        "1.10.0-rc.1",
        "1.10.0-rc.2",
        "1.10.0-rc.10",
        "1.10.0",
    ]
    assert sort_versions("pypi", ["1.0", "1.0rc1", "1.0.post1", "0.9"]) == [
        "0.9",
        "1.0rc1",
        "1.0",
        "1.0.post1",
    ]
    assert is_prerelease("npm", "1.0.0-beta") and not is_prerelease("npm", "1.0.0")
    assert is_prerelease("pypi", "1.0a1") and not is_prerelease("pypi", "1.0.post1")


versions = st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))


@settings(max_examples=150, deadline=None)
@given(versions, versions)
def test_caret_tilde_properties(a: tuple[int, int, int], b: tuple[int, int, int]) -> None:
    va, vb = ".".join(map(str, a)), ".".join(map(str, b))
    # A version satisfies its own caret, tilde and exact ranges.
    assert npm_satisfies(va, "^" + va) and npm_satisfies(va, "~" + va) and npm_satisfies(va, va)
    # Comparators agree with the ordering.
    ka, kb = version_key("npm", va), version_key("npm", vb)
    assert npm_satisfies(vb, ">=" + va) is (kb >= ka)
    assert npm_satisfies(vb, "<" + va) is (kb < ka)
    # A tilde range is inside the caret range of the same version.
    if npm_satisfies(vb, "~" + va):
        assert npm_satisfies(vb, "^" + va)
    # Hyphen range == the comparator pair.
    lo, hi = (va, vb) if ka <= kb else (vb, va)
    mid = "1.0.0"
    assert npm_satisfies(mid, f"{lo} - {hi}") is npm_satisfies(mid, f">={lo} <={hi}")


NODE_SEMVER = Path("/usr/lib/node_modules/npm/node_modules/semver")


@pytest.mark.npm
@pytest.mark.skipif(
    shutil.which("node") is None or not NODE_SEMVER.is_dir(), reason="needs node and npm's semver"
)
def test_agrees_with_node_semver() -> None:
    """Cross-check every parametrised npm case and a grid against the real node-semver."""
    ranges = sorted(
        {spec for _v, spec, _e in NPM_CASES if not spec.startswith("npm:")}
        | {
            "^0.0.1",
            "~0.1",
            ">=1.2.3-alpha <1.3",
            "1 - 2",
            "<=2.x",
            ">0.x",
            "~1.2.3-beta.2",
            "^1.2.3 || ^2",
        }
    )
    grid = [
        "0.0.0",
        "0.0.1",
        "0.0.2",
        "0.1.0",
        "0.2.4",
        "0.9.9",
        "1.0.0",
        "1.2.2",
        "1.2.3",
        "1.2.3-beta.3",
        "1.2.4",
        "1.3.0",
        "1.5.0",
        "1.9.9",
        "2.0.0-rc.1",
        "2.0.0",
        "2.3.4",
        "3.0.0",
        "3.1.0",
    ]
    pairs = [(v, r) for v in grid for r in ranges] + [
        (v, r) for v, r, _ in NPM_CASES if not r.startswith("npm:")
    ]
    script = (
        f"const s=require({json.dumps(str(NODE_SEMVER))});"
        "const p=JSON.parse(require('fs').readFileSync(0,'utf8'));"
        "console.log(JSON.stringify(p.map(([v,r])=>{try{return s.satisfies(v,r)}catch(e){return null}})))"
    )
    out = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(pairs),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    expected = json.loads(out.stdout)
    ours = [npm_satisfies(v, r) for v, r in pairs]
    diffs = [
        (p, o, e) for p, o, e in zip(pairs, ours, expected, strict=True) if o is not None and o != e
    ]
    assert not diffs, diffs[:10]
