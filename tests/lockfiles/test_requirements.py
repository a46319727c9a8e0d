"""Pinned requirements reader: pip's line rules, includes, constraints, hashes; the
pip-compile / uv generated files and the OSV requirements fixtures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from depview.errors import LockfileError
from depview.lockfiles import load
from depview.lockfiles._pycommon import lock_details
from depview.lockfiles.requirements import (
    READERS,
    Pin,
    Unpinned,
    logical_lines,
    parse_requirement,
)
from depview.model import EdgeKind, PackageId, SourceKind
from tests.lockfiles.helpers import norm

DATA = Path(__file__).resolve().parent.parent / "data" / "python"
READER = READERS[0]


def read(path: Path):
    return READER.read(path, path.read_text())


def pairs(graph) -> set[tuple[str, str]]:
    return {(p.name, p.version) for p in graph.dependencies()}


@pytest.mark.parametrize(
    "name", ["requirements-pipcompile-hashes.txt", "requirements-uv-hashes.txt"]
)
def test_generated_files_with_hashes(name: str) -> None:
    path = DATA / "requirements-gen-hashes" / name
    graph = read(path)
    text = path.read_text()
    want = {
        (norm(m.group(1)), m.group(2))
        for m in re.finditer(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)", text, re.M)
    }
    assert len(want) == 22
    assert pairs(graph) == want
    details = lock_details(graph)
    assert sum(len(h) for h in details.hashes.values()) == text.count("--hash=") == 500
    lines = text.splitlines()
    for pkg in graph.dependencies():
        assert norm(re.split(r"\[|==", lines[pkg.line - 1])[0]) == pkg.name
        assert pkg.integrity == details.hashes[pkg.id][0]
        assert pkg.integrity.startswith("sha256:")
    assert details.skipped == ()
    assert graph.direct() == frozenset(p.id for p in graph.dependencies())
    assert graph.format == "requirements"


def test_both_generators_agree() -> None:
    a = read(DATA / "requirements-gen-hashes" / "requirements-pipcompile-hashes.txt")
    b = read(DATA / "requirements-gen-hashes" / "requirements-uv-hashes.txt")
    assert pairs(a) == pairs(b)
    assert lock_details(a).hashes.keys() == lock_details(b).hashes.keys()


# -- pip's line rules ---------------------------------------------------------


def test_logical_lines_follow_pip() -> None:
    text = "a==1 \\\n  --hash=sha256:00\n# c \\\nb==2 # x \\\nc==3\\\n"
    assert list(logical_lines(text)) == [
        (1, "a==1   --hash=sha256:00"),
        (4, "b==2"),
        (5, "c==3"),
    ]


@pytest.mark.parametrize(
    ("line", "name", "version"),
    [
        ("Foo==1.0", "Foo", "1.0"),
        ("foo ==  1.0", "foo", "1.0"),
        ("foo[bar,baz]==2.0 ; python_version < '3.8'", "foo", "2.0"),
        ("foo===1.0-weird", "foo", "1.0-weird"),
        ("foo>=1,==1.5", "foo", "1.5"),
        ("foo==1.0 --hash=sha256:ab --hash sha256:cd -C x=y", "foo", "1.0"),
        ("foo @ https://x.invalid/foo-1.2.3-py3-none-any.whl", "foo", "1.2.3"),
        ("https://x.invalid/a/bar-2.0.tar.gz", "bar", "2.0"),
        ("./vendor/baz-0.1-py3-none-any.whl", "baz", "0.1"),
    ],
)
def test_pins(line: str, name: str, version: str) -> None:
    result = parse_requirement(line)
    assert isinstance(result, Pin)
    assert (result.name, result.version) == (name, version)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("foo", "no version given"),
        ("foo>=1", "not pinned"),
        ("foo==1.*", "not pinned"),
        ("foo~=1.1", "not pinned"),
        ("foo==${VERSION}", "environment variable"),
        ("foo @ git+https://x.invalid/foo@abc", "VCS"),
        ("git+https://x.invalid/foo@abc#egg=foo", "VCS"),
        ("foo==", "not a valid requirement"),
        ("foo==1.0 stray --hash=sha256:00", "not a valid requirement"),
        ("./some/dir", "without a version"),
    ],
)
def test_unpinned(line: str, reason: str) -> None:
    result = parse_requirement(line)
    assert isinstance(result, Unpinned)
    assert reason in result.reason


def test_hashes_and_options_are_parsed() -> None:
    result = parse_requirement(
        'foo==1.0 --hash=sha256:AB --global-option="--x y" --hash sha512:cd --config-settings=a=b'
    )
    assert isinstance(result, Pin)
    assert result.hashes == ("sha256:AB", "sha512:cd")


def test_skipped_lines_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("a==1\nb>=2\n-e .\nc\n--index-url https://x.invalid\n--bogus\n")
    graph = read(path)
    assert pairs(graph) == {("a", "1")}
    details = lock_details(graph)
    assert [(s.line, s.text) for s in details.skipped] == [(2, "b>=2"), (3, "-e ."), (4, "c")]
    warnings = details.warnings()
    assert any("b>=2" in w and f"{path}:2" in w for w in warnings)
    assert any("--bogus" in w for w in warnings)


# -- includes -------------------------------------------------------------------


def test_includes_constraints_and_cycles(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "requirements.txt").write_text(
        "-r sub/base.txt\n--constraint=constraints.txt\nflask>=2\nlocal==1.0\n"
    )
    (tmp_path / "sub" / "base.txt").write_text("-r ../requirements.txt\nrequests==2.0\n")
    (tmp_path / "constraints.txt").write_text("flask==2.3.0\nunused==9\n")
    graph = load(tmp_path / "requirements.txt")
    assert pairs(graph) == {("requests", "2.0"), ("flask", "2.3.0"), ("local", "1.0")}
    pkgs = {p.name: p for p in graph.dependencies()}
    details = lock_details(graph)
    # a package from an included file has no line in the lockfile itself
    assert pkgs["requests"].line is None
    assert details.origins[pkgs["requests"].id] == (
        str((tmp_path / "sub" / "base.txt").resolve()),
        2,
    )
    assert pkgs["flask"].line == 3
    assert pkgs["local"].line == 4
    assert any("include cycle" in n for n in details.notes)
    assert all(e.kind == EdgeKind.PROD for e in graph.children(graph.root))


def test_missing_include_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("a==1\n\n-r nope.txt\n")
    with pytest.raises(LockfileError) as info:
        read(path)
    assert info.value.line == 3
    assert info.value.path == str(path)
    assert "nope.txt" in str(info.value)


def test_include_of_a_directory_or_device_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    (tmp_path / "d").mkdir()
    for target in ("d", "/dev/zero"):
        path.write_text(f"-r {target}\n")
        with pytest.raises(LockfileError):
            read(path)


def test_binary_include_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02")
    path = tmp_path / "requirements.txt"
    path.write_text("-r bin.txt\n")
    with pytest.raises(LockfileError) as info:
        read(path)
    assert "bin.txt" in str(info.value)


def test_include_outside_the_project_is_noted_and_not_echoed(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("password=hunter2\nok==1\n")
    (tmp_path / "proj").mkdir()
    path = tmp_path / "proj" / "requirements.txt"
    path.write_text("-r ../secret.txt\n")
    graph = read(path)
    assert pairs(graph) == {("ok", "1")}
    details = lock_details(graph)
    assert any("outside" in n for n in details.notes)
    assert not any("hunter2" in w for w in details.warnings())


def test_remote_include_is_never_fetched(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("-r https://example.invalid/r.txt\na==1\n")
    graph = read(path)
    assert pairs(graph) == {("a", "1")}
    assert "never fetches" in lock_details(graph).skipped[0].reason


def test_deep_include_chain_is_bounded(tmp_path: Path) -> None:
    for i in range(80):
        (tmp_path / f"r{i}.txt").write_text(f"-r r{i + 1}.txt\n")
    (tmp_path / "r80.txt").write_text("a==1\n")
    with pytest.raises(LockfileError) as info:
        read(tmp_path / "r0.txt")
    assert "nested too deeply" in str(info.value)


def test_sources_and_display_names(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(
        "Zope.Interface==5.4.0\n"
        "pkg @ https://x.invalid/pkg-1.0.tar.gz --hash=sha256:ff\n"
        "./wheels/loc-2.0-py3-none-any.whl\n"
    )
    graph = read(path)
    pkgs = {p.name: p for p in graph.dependencies()}
    assert pkgs["zope-interface"].display_name == "Zope.Interface"
    assert pkgs["pkg"].source.kind == SourceKind.TARBALL
    assert pkgs["pkg"].integrity == "sha256:ff"
    assert pkgs["loc"].source.kind == SourceKind.FILE
    assert pkgs["zope-interface"].source.kind == SourceKind.REGISTRY


def test_duplicate_pins_are_one_node_and_conflicts_two(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("a==1\nA==1\na==2\n")
    graph = read(path)
    assert pairs(graph) == {("a", "1"), ("a", "2")}
    assert graph.packages[PackageId.of("pypi", "a", "1")].line == 1


def test_matches() -> None:
    assert READER.matches(Path("requirements.txt"), "")
    assert READER.matches(Path("requirements-dev.txt"), "")
    assert READER.matches(Path("dev-requirements.txt"), "")
    assert READER.matches(Path("pins.txt"), "# x\nfoo==1.0\n-r other.txt\n")
    assert not READER.matches(Path("notes.txt"), "This is a note.\nfoo==1\n")
    assert not READER.matches(Path("package-lock.json"), '{"a": 1}')


# -- OSV fixtures -----------------------------------------------------------------

#: Deliberate differences, case -> our exact (name, version) set or an error (see
#: tests/data/python/DIFFERENCES.md): OSV reports unpinned requirements with an
#: empty/0.0.0/minimum version, depview skips them and warns; depview follows pip
#: for line continuations and invalid requirement text; depview reads versioned
#: wheel/sdist paths and URLs; a missing -c file is an error as it is for pip.
OSV_DIFFERENCES: dict[str, set[tuple[str, str]] | type[LockfileError]] = {
    "TestExtract/no_version": set(),
    "TestExtract/with_version": {
        ("nltk", "3.2.2"),
        ("tabulate", "0.7.7"),
        ("qwerty", "0.1"),
        ("hy-phen", "1.2"),
        ("under-score", "1.3"),
        ("pkg-dot-name", "5.0.0"),
        ("yolo", "1.0"),
    },
    "TestExtract/pip_example": LockfileError,
    "TestExtract/per_requirement_options": {
        (f"foo{i}", "1.0") for i in (1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13, 14)
    }
    | {("foo16-client", "1.0"), ("foo17-hash", "1.0"), ("foo18-client", "1.0")},
    "TestParseRequirementsTxt_Empty": LockfileError,
    "TestParseRequirementsTxt_OneRequirementUnconstrained": set(),
    "TestParseRequirementsTxt_MultipleRequirementsMixed": {
        ("pandas", "0.23.4"),
        ("numpy", "1.16.0"),
        ("scikit-learn", "0.20.1"),
    },
    "TestParseRequirementsTxt_FileFormatExample": {
        ("docopt", "0.6.1"),
        ("django", "2.2.24"),
        ("numpy", "1.9.2"),
        ("wxpython-phoenix", "3.0.3.dev1820+49a8884"),
    },
    "TestParseRequirementsTxt_WithMultipleROptions": {
        ("django", "2.2.24"),
        ("pandas", "0.23.4"),
        ("numpy", "1.16.0"),
        ("scikit-learn", "0.20.1"),
        ("requests", "1.2.3"),
    },
    "TestParseRequirementsTxt_WithPerRequirementOptions": {
        ("boto3", "1.26.121"),
        ("foo", "1.0.0"),
        ("fooproject", "1.2"),
    },
    "TestParseRequirementsTxt_LineContinuation": {
        ("foo", "1.2.3"),
        ("bar", "4.5.6"),
        ("baz", "7.8.9"),
        ("baz", "1.2.3"),
        ("qux", "10.11.12"),
    },
}


OSV_CASES = [
    (folder, case)
    for folder in ("osv-scalibr-requirements", "osv-scanner-v1.9.2-pip")
    for case in json.loads((DATA / folder / "expected.json").read_text())["cases"]
]


@pytest.mark.parametrize(("folder", "case"), OSV_CASES, ids=[c["test"] for _, c in OSV_CASES])
def test_osv_requirements(folder: str, case: dict) -> None:
    fixture = case["fixture_local"]
    if folder == "osv-scanner-v1.9.2-pip":
        fixture = fixture.replace("fixtures/", "pip/")  # cyclic-r-complex-2 says ../pip/
    path = DATA / folder / fixture
    if case["expect_error"] == "fs.ErrNotExist" and not path.exists():
        return
    want = OSV_DIFFERENCES.get(case["test"])
    if case["expect_error"] or want is LockfileError:
        with pytest.raises(LockfileError):
            read(path)
        return
    graph = read(path)
    if case["packages"] is None:  # OSV asserts nothing; depview finds nothing lockable
        assert pairs(graph) == set()
        assert lock_details(graph).warnings()
        return
    if want is None:
        want = {(norm(p["name"]), p["version"]) for p in case["packages"]}
        got = {p.id: p for p in graph.dependencies()}
        for p in case["packages"]:
            if "line" in p:
                assert got[PackageId.of("pypi", p["name"], p["version"])].line == p["line"]
    assert pairs(graph) == want
