"""The export API (build, diff, write) and the ``export`` command's behaviour."""

from __future__ import annotations

import argparse
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from depview.lockfiles import load
from depview.model import PackageId
from depview.remedy.api import (
    build_export,
    default_format,
    output_path,
    summary,
    unified_diff,
    write_export,
)
from depview.remedy.cli import run_export
from depview.remedy.model import ExportError
from depview.report.model import TriageMark
from depview.risk.model import Level
from tests.remedy.helpers import (
    AXIOS_BAD,
    DATA,
    PLAIN,
    analysis,
    axios_metadata,
    axios_verdicts,
    demo_copy,
    settings,
    verdict,
)


def _ns(**kw: object) -> argparse.Namespace:
    base: dict[str, object] = {
        "format": None, "output": None, "level": Level.HIGH, "dry_run": False,
        "apply": False, "relock": False,
    }  # fmt: skip
    base.update(kw)
    return argparse.Namespace(**base)


def _run(project: Path, **kw: object) -> tuple[int, str, str]:
    lock = project / "package-lock.json"
    out, err = io.StringIO(), io.StringIO()
    code = run_export(
        _ns(**kw),
        lockfile=lock,
        graph=load(lock),
        settings=settings(),
        analysis=analysis(axios_verdicts(), axios_metadata()),
        stdout=out,
        stderr=err,
    )
    return code, out.getvalue(), err.getvalue()


def test_default_format_by_lockfile() -> None:
    assert default_format(load(DATA / "npm-ws-lv3" / "package-lock.json")) == "package-lock"
    assert default_format(load(DATA / "uv-gen-app" / "uv.lock")) == "constraints"
    graph = load(DATA / "npm-ws-lv3" / "package-lock.json")
    assert default_format(replace(graph, format="npm-package-lock@1")) == "npm-overrides"
    assert default_format(replace(graph, format="yarn-lock@1")) == "yarn-resolutions"
    assert default_format(replace(graph, format="pnpm-lock@9.0")) == "pnpm-overrides"


def test_build_export_diff_and_summary(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    lock = project / "package-lock.json"
    result = build_export(
        load(lock), lock, analysis(axios_verdicts(), axios_metadata()), settings()
    )
    assert result.format == "package-lock"
    assert [f.path for f in result.files] == [lock]
    diff = unified_diff(result)
    assert diff.startswith("--- a/package-lock.json\n+++ b/package-lock.json\n")
    assert '\n-      "version": "1.14.1",\n' in diff and '\n+      "version": "1.14.0",\n' in diff
    assert '-    "node_modules/plain-crypto-js": {' in diff
    lines = summary(result)
    assert lines[0].startswith("pin axios@1.14.1 -> 1.14.0 (critical)")
    assert lines[1].startswith("remove plain-crypto-js@4.2.1: no safe version")
    npm = build_export(
        load(lock),
        lock,
        analysis(axios_verdicts(), axios_metadata()),
        settings(),
        fmt="npm-overrides",
    )
    assert unified_diff(npm).startswith("--- a/package.json\n+++ b/package.json\n")
    with pytest.raises(ExportError, match="unknown export format"):
        build_export(load(lock), lock, analysis({}, {}), settings(), fmt="gemfile")


def test_triage_file_beside_the_lockfile_is_honoured(tmp_path: Path) -> None:
    from depview.triage import save_triage, triage_path

    project = demo_copy(tmp_path)
    lock = project / "package-lock.json"
    save_triage(
        triage_path(lock),
        {AXIOS_BAD: TriageMark("accepted", "ours"), PLAIN: TriageMark("accepted", "")},
    )
    result = build_export(
        load(lock), lock, analysis(axios_verdicts(), axios_metadata()), settings()
    )
    assert result.empty and result.files == ()
    assert any("nothing to pin" in n for n in result.notes)


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    before = {p.name: p.read_bytes() for p in project.iterdir()}
    code, out, err = _run(project, dry_run=True)
    assert code == 0
    assert out.startswith("--- a/package-lock.json")
    assert {p.name: p.read_bytes() for p in project.iterdir()} == before
    assert "depview: pin axios@1.14.1 -> 1.14.0" in err
    assert "depview: remove plain-crypto-js@4.2.1: no safe version" in err


def test_default_write_goes_beside_the_original(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    original = (project / "package-lock.json").read_bytes()
    code, out, err = _run(project)
    assert code == 0 and out == ""
    written = project / "package-lock.depview.json"
    assert f"depview: wrote {written}" in err
    assert (project / "package-lock.json").read_bytes() == original
    assert json.loads(written.read_text())["packages"]["node_modules/axios"]["version"] == "1.14.0"
    assert sorted(p.name for p in project.iterdir()) == [
        "package-lock.depview.json",
        "package-lock.json",
        "package.json",
    ]


def test_output_file_output_dir_and_apply(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    target = tmp_path / "out.json"
    assert _run(project, output=target)[0] == 0
    assert "1.14.0" in target.read_text()
    outdir = tmp_path / "outdir"
    outdir.mkdir()
    assert _run(project, output=outdir, format="npm-overrides")[0] == 0
    assert json.loads((outdir / "package.depview.json").read_text())["overrides"] == {
        "axios": "1.14.0"
    }
    code, _out, err = _run(project, output=project / "package-lock.json")
    errors = [line for line in err.splitlines() if line.startswith("depview: error: ")]
    assert code == 2 and len(errors) == 1 and "use --apply" in errors[0]
    assert _run(project, apply=True)[0] == 0
    assert (
        json.loads((project / "package-lock.json").read_text())["packages"]["node_modules/axios"][
            "version"
        ]
        == "1.14.0"
    )
    # Applied: nothing risky left, so a second export has nothing to do.


def test_errors_are_one_line_with_exit_2(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    data = json.loads((project / "package-lock.json").read_text())
    data["lockfileVersion"] = 1
    (project / "package-lock.json").write_text(json.dumps(data))
    lock = project / "package-lock.json"
    graph = load(
        DATA / "npm-ws-lv3" / "package-lock.json"
    )  # any npm graph: the writer reads the file
    chalk = PackageId("npm", "chalk", "4.1.2")
    out, err = io.StringIO(), io.StringIO()
    code = run_export(
        _ns(format="package-lock"), lockfile=lock, graph=graph, settings=settings(),
        analysis=analysis({chalk: verdict(chalk, "4.1.1")}, {}), stdout=out, stderr=err,
    )  # fmt: skip
    assert code == 2 and out.getvalue() == ""
    errors = [line for line in err.getvalue().splitlines() if line.startswith("depview: error: ")]
    assert len(errors) == 1 and "lockfileVersion 1" in errors[0] and "npm-overrides" in errors[0]


def test_write_export_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    lock = project / "package-lock.json"
    result = build_export(
        load(lock), lock, analysis(axios_verdicts(), axios_metadata()), settings()
    )
    paths = write_export(result, output=None, apply=False)
    assert paths == [output_path(lock)]
    assert not [p for p in project.iterdir() if p.name.startswith(".")]
    assert output_path(Path("a/constraints.txt")) == Path("a/constraints.depview.txt")
    assert output_path(Path("Pipfile")) == Path("Pipfile.depview")


def test_attacker_controlled_text_is_inert_on_stderr(tmp_path: Path) -> None:
    project = demo_copy(tmp_path)
    verdicts = axios_verdicts()
    verdicts[PLAIN] = replace(
        verdicts[PLAIN],
        suggestion=replace(verdicts[PLAIN].suggestion, reason="\x1b]0;pwned\x07evil\nline"),  # type: ignore[type-var]
    )
    lock = project / "package-lock.json"
    err = io.StringIO()
    run_export(_ns(dry_run=True), lockfile=lock, graph=load(lock), settings=settings(),
               analysis=analysis(verdicts, axios_metadata()), stdout=io.StringIO(), stderr=err)  # fmt: skip
    assert "\x1b" not in err.getvalue() and "evil line" in err.getvalue()


def _engine():  # type: ignore[no-untyped-def]
    return pytest.importorskip(
        "depview.risk.engine", reason="the risk engine is not in the tree yet"
    )


def test_with_the_real_engine_the_replay_export_is_the_expected_one(tmp_path: Path) -> None:
    engine = _engine()
    from tests.remedy.helpers import DEMO_SNAPSHOT, snapshot_metadata

    project = demo_copy(tmp_path)
    lock = project / "package-lock.json"
    graph = load(lock)
    md = snapshot_metadata({p.name for p in graph.dependencies()}, DEMO_SNAPSHOT)
    verdicts = engine.judge_all(graph, md, {}, settings())
    result = build_export(graph, lock, analysis(verdicts, md), settings())
    assert [(p.package, p.to_version) for p in result.plan.pins] == [(AXIOS_BAD, "1.14.0")]
    assert [r.package for r in result.plan.removals] == [PLAIN]
    after = json.loads(result.files[0].after)["packages"]
    assert after["node_modules/axios"]["version"] == "1.14.0"
    assert "node_modules/plain-crypto-js" not in after


def test_the_engine_judges_new_dependencies(tmp_path: Path) -> None:
    _engine()
    from tests.remedy.helpers import copy_project
    from tests.remedy.test_plan import _cross_spawn_metadata

    project = copy_project(DATA / "npm-ws-lv3", tmp_path / "ws")
    lock = project / "package-lock.json"
    graph = load(lock)
    bad = PackageId("npm", "cross-spawn", "7.0.6")
    result = build_export(
        graph, lock, analysis({bad: verdict(bad, "7.0.5")}, _cross_spawn_metadata()), settings()
    )
    judged = {r.name: r for r in result.plan.added()}
    assert set(judged) == {"which", "tiny-new", "tiny-leaf"}
    assert all(r.level is not None or "needs review" in r.reason for r in judged.values())
    assert any(r.level is not None for r in judged.values())  # the engine ran on them
    assert any("registry history only" in n for n in result.notes)
