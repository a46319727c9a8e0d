"""The GitHub Actions example and the pre-commit hooks: well-formed, and their commands parse."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from depview.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / "examples" / "github-actions.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"


def workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data


def steps() -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = workflow()["jobs"]["depview"]["steps"]
    return result


def depview_commands(script: str, env: dict[str, str]) -> list[list[str]]:
    out = []
    for line in script.splitlines():
        line = line.strip()
        if line.startswith("depview "):
            for name, value in env.items():
                line = line.replace(f'"${name}"', value).replace(f"${name}", value)
            out.append(shlex.split(line)[1:])
    return out


def test_workflow_triggers_and_permissions() -> None:
    data = workflow()
    on = data[True]  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in on
    job = data["jobs"]["depview"]
    assert job["permissions"]["security-events"] == "write"
    assert job["permissions"]["pull-requests"] == "write"
    checkout = next(s for s in steps() if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0


def test_workflow_runs_diff_uploads_sarif_and_comments() -> None:
    env = {"LOCKFILE": "package-lock.json", "FAIL_ON": "high", "BASE_REF": "main"}
    commands = [c for s in steps() if "run" in s for c in depview_commands(s["run"], env)]
    diffs = [c for c in commands if c[0] == "diff"]
    assert ["diff", "origin/main", "package-lock.json", "--format", "sarif"] == diffs[0][:5]
    assert "--format" in diffs[1] and diffs[1][diffs[1].index("--format") + 1] == "markdown"
    parsers = build_parser()
    for cmd in commands:  # every command line is one the CLI accepts
        ns = parsers[cmd[0]].parse_args(cmd[1:])
        assert ns.format in ("sarif", "markdown")
    upload = next(s for s in steps() if "upload-sarif" in str(s.get("uses", "")))
    assert upload["with"]["sarif_file"] == "depview.sarif"
    comment = next(s for s in steps() if "comment" in str(s.get("uses", "")))
    assert comment["with"]["path"] == "depview.md"


def test_workflow_never_interpolates_refs_into_scripts() -> None:
    for step in steps():
        assert "${{" not in step.get("run", ""), step.get("name")


def test_pre_commit_hooks() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"depview", "depview-each", "depview-diff"}
    assert by_id["depview"]["entry"] == "depview scan"
    assert by_id["depview"]["pass_filenames"] is False
    for hook in hooks:
        assert hook["language"] == "python"
        pattern = re.compile(hook["files"])
        for name in (
            "package-lock.json",
            "web/yarn.lock",
            "pnpm-lock.yaml",
            "uv.lock",
            "poetry.lock",
            "Pipfile.lock",
            "pylock.toml",
            "pylock.dev.toml",
            "requirements-dev.txt",
        ):
            assert pattern.search(name), (hook["id"], name)
        for name in ("package.json", "src/lock.py", "yarn.lock.bak", "pyproject.toml"):
            assert not pattern.search(name), (hook["id"], name)


@pytest.mark.parametrize("hook_id", ["depview-each", "depview-diff"])
def test_loop_hooks_are_posix_sh(hook_id: str) -> None:
    hook = next(h for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8")) if h["id"] == hook_id)
    argv = shlex.split(hook["entry"])
    assert argv[:2] == ["sh", "-c"] and argv[-1] == "--"
    assert hook["pass_filenames"] is True
