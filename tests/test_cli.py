"""The command line as users and CI run it: usage errors, settings layering, triage, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from depview.cli import demo_paths, main
from depview.config import Settings, load_settings
from depview.errors import UsageError
from depview.model import PackageId
from depview.report.model import TriageMark
from depview.risk.model import Level
from depview.triage import dump_triage, load_triage, save_triage, triage_path

REPO = Path(__file__).resolve().parent.parent
DEMO_LOCK, DEMO_SNAPSHOT, DEMO_AS_OF = demo_paths()


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_project(tmp_path: Path) -> Path:
    """A writable copy of the demo project (the lockfile only; the snapshot stays put)."""
    shutil.copy(DEMO_LOCK, tmp_path / "package-lock.json")
    shutil.copy(DEMO_LOCK.parent / "package.json", tmp_path / "package.json")
    return tmp_path


def _scan_demo(project: Path, *extra: str) -> list[str]:
    return [
        "scan",
        str(project),
        "--snapshot",
        str(DEMO_SNAPSHOT),
        "--as-of",
        DEMO_AS_OF,
        "--no-cache",
        *extra,
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ["scan", "--format", "yaml"],
        ["scan", "--fail-on", "severe"],
        ["scan", "--as-of", "yesterday"],
        ["scan", "--cooldown", "-3"],
        ["export", "--format", "gemfile"],
        ["--no-such-option"],
    ],
)
def test_usage_errors_are_one_line_exit_2(argv: list[str], capsys: Any) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    assert exc.value.code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("depview: error:")


def test_missing_path_is_one_line_exit_2(tmp_path: Path, capsys: Any) -> None:
    code, out, err = _run(["scan", str(tmp_path / "nope.lock")], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "nope.lock" in err


def test_directory_without_lockfile(tmp_path: Path, capsys: Any) -> None:
    code, _out, err = _run(["tree", str(tmp_path)], capsys)
    assert code == 2
    assert "no lockfile found" in err


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("package-lock.json", '{"lockfileVersion": 3, "packages": {', "package-lock.json:1"),
        ("package-lock.json", "", "empty"),
        ("uv.lock", "version = 1\n[[package]\nname = 'x'\n", "uv.lock:2"),
        ("yarn.lock", "\x00\x01\x02binary", "binary"),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages: [1, 2\n", "pnpm-lock.yaml"),
    ],
)
def test_malformed_lockfiles_exit_2_naming_file_and_line(
    tmp_path: Path, name: str, content: str, needle: str, capsys: Any
) -> None:
    (tmp_path / name).write_text(content)
    code, out, err = _run(["scan", str(tmp_path / name), "--offline", "--no-cache"], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert needle in err
    assert "Traceback" not in err


def test_wrong_format_forced(tmp_path: Path, capsys: Any) -> None:
    lock = tmp_path / "package-lock.json"
    shutil.copy(DEMO_LOCK, lock)
    code, _out, err = _run(["tree", str(lock), "--lockfile-format", "uv-lock"], capsys)
    assert code == 2 and "package-lock.json" in err
    code, _out, err = _run(["tree", str(lock), "--lockfile-format", "gemfile"], capsys)
    assert code == 2 and "unknown --lockfile-format" in err


def test_tree_prints_npm_ls_like_text(demo_project: Path, capsys: Any) -> None:
    code, out, _err = _run(["tree", str(demo_project)], capsys)
    assert code == 0
    first = out.splitlines()[0]
    assert "orders-api" in first
    assert "axios@1.14.1" in out and "plain-crypto-js@4.2.1" in out
    assert "deduped" in out


def test_offline_scan_without_data_marks_everything_unknown(
    demo_project: Path, capsys: Any
) -> None:
    code, out, err = _run(
        ["scan", str(demo_project), "--offline", "--no-cache", "--format", "json"], capsys
    )
    report = json.loads(out)
    assert code in (0, 1)
    assert len(report["packages"]) == 547
    assert all(p["paths"] for p in report["packages"])
    assert all(p["unknown"] for p in report["packages"])
    kinds = {f["kind"] for p in report["packages"] for f in p["findings"]}
    assert "metadata-unavailable" in kinds
    assert all(p["published"] is None for p in report["packages"])


def test_scan_table_is_the_default_and_names_the_reason(demo_project: Path, capsys: Any) -> None:
    code, out, _err = _run(_scan_demo(demo_project), capsys)
    assert code == 1
    assert "axios@1.14.1" in out and "critical" in out
    assert "1.14.0" in out  # the suggested pin


def test_fail_on_threshold_moves_the_exit_code(demo_project: Path, capsys: Any) -> None:
    assert _run(_scan_demo(demo_project, "--format", "json"), capsys)[0] == 1
    assert _run(_scan_demo(demo_project, "--fail-on", "none", "--format", "json"), capsys)[0] == 0


def test_triage_file_suppresses_failing_packages_until_it_expires(
    demo_project: Path, capsys: Any
) -> None:
    axios = PackageId("npm", "axios", "1.14.1")
    crypto = PackageId("npm", "plain-crypto-js", "4.2.1")
    future = datetime(2030, 1, 1, tzinfo=UTC)
    save_triage(
        triage_path(demo_project / "package-lock.json"),
        {
            axios: TriageMark("accepted", "reviewed", future),
            crypto: TriageMark("ignored", "removed upstream", future),
        },
    )
    code, out, _err = _run(_scan_demo(demo_project, "--format", "json"), capsys)
    report = json.loads(out)
    assert code == 0
    assert set(report["summary"]["suppressed"]) == {axios.purl, crypto.purl}
    by = {p["purl"]: p for p in report["packages"]}
    assert by[axios.purl]["triage"]["state"] == "accepted"
    assert by[axios.purl]["level"] == "critical"  # still reported

    past = datetime(2026, 3, 30, tzinfo=UTC)  # expired before the as-of instant
    save_triage(
        triage_path(demo_project / "package-lock.json"),
        {axios: TriageMark("accepted", "", past), crypto: TriageMark("ignored", "", past)},
    )
    code, _out, _err = _run(_scan_demo(demo_project, "--format", "json"), capsys)
    assert code == 1


def test_triage_file_round_trips_and_is_stable(tmp_path: Path) -> None:
    marks = {
        PackageId("npm", "z", "1.0.0"): TriageMark("investigate", 'say "hi"\nnext line'),
        PackageId("npm", "@s/a", "2.0.0"): TriageMark(
            "accepted", "ok", datetime(2027, 1, 1, tzinfo=UTC)
        ),
        PackageId("pypi", "requests", "2.0"): TriageMark("ignored", "\x1b[31mred"),
    }
    path = tmp_path / ".depview-triage.toml"
    save_triage(path, marks)
    text = path.read_text()
    assert text == dump_triage(dict(reversed(list(marks.items()))))  # order-independent
    assert text.index("pkg:npm/%40s/a@2.0.0") < text.index("pkg:npm/z@1.0.0")
    assert "\x1b" not in text
    assert load_triage(path) == marks


def test_settings_layers(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.depview]\ncooldown_days = 3\nfail-on = "medium"\nnpm_registry = "http://a"\n'
    )
    s = load_settings(tmp_path, {}, environ={})
    assert s.cooldown_days == 3 and s.fail_on == Level.MEDIUM and s.npm_registry == "http://a"
    (tmp_path / ".depview.toml").write_text("cooldown = 5\n")
    assert load_settings(tmp_path, {}, environ={}).cooldown_days == 5
    env = {"DEPVIEW_NPM_REGISTRY": "http://env"}
    assert load_settings(tmp_path, {}, environ=env).npm_registry == "http://env"
    cli = load_settings(tmp_path, {"npm_registry": "http://cli", "cooldown_days": 1.0}, environ=env)
    assert cli.npm_registry == "http://cli" and cli.cooldown_days == 1.0
    assert load_settings(tmp_path, {"snapshot": tmp_path}, environ={}).offline is True
    assert Settings().network is True


def test_settings_reject_unknown_keys(tmp_path: Path) -> None:
    (tmp_path / ".depview.toml").write_text("colour = 'red'\n")
    with pytest.raises(UsageError, match="unknown setting"):
        load_settings(tmp_path, {}, environ={})


def test_console_script_entry_point_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "depview", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("depview ")


def test_output_goes_to_file_atomically(demo_project: Path, capsys: Any) -> None:
    target = demo_project / "report.json"
    code, out, _err = _run(
        _scan_demo(demo_project, "--format", "json", "--output", str(target)), capsys
    )
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["schema"] == "depview/report@1"
    assert not [p for p in demo_project.iterdir() if p.name.startswith(".report.json.")]
