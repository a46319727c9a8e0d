"""A throwaway git repository for the ``diff OLD`` revision form."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.report.fixtures import DATA

NPM_BEFORE = DATA / "npm-upgrade" / "before"
NPM_AFTER = DATA / "npm-upgrade" / "after"

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    assert GIT is not None
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    out = subprocess.run(
        [GIT, "-C", str(repo), *args], check=True, capture_output=True, env=env, timeout=30
    )
    return out.stdout.decode()


def copy_side(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        shutil.copyfile(f, dest / f.name)


def make_repo(root: Path, sub: str = "") -> Path:
    """A repo with two commits: the ``before`` project, then the ``after`` one (in ``sub``)."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    project = root / sub if sub else root
    copy_side(NPM_BEFORE, project)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "before")
    copy_side(NPM_AFTER, project)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "after")
    return project
