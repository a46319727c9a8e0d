"""End to end in a real terminal: the demo in tmux, keys sent, the screen captured."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.demo_fixture import real_pipeline_available

REPO = Path(__file__).resolve().parents[2]
TMUX = shutil.which("tmux")

pytestmark = [pytest.mark.tmux, pytest.mark.skipif(TMUX is None, reason="tmux is not installed")]


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        return done.stdout

    def capture(self) -> str:
        return self.run("capture-pane", "-p", "-t", "depview")

    def wait_for(self, *needles: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.capture()
            if all(n in screen for n in needles):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {needles!r}; screen was:\n{screen}")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "depview", *keys)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(f"depview-test-{os.getpid()}-{time.monotonic_ns()}")
    yield session
    session.run("kill-server")


def start(tmux: Tmux, tmp_path: Path, *argv: str) -> None:
    env = {
        "PYTHONPATH": str(REPO),
        "DEPVIEW_DEMO_STATE_DIR": str(tmp_path / "state"),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    exports = " ".join(f"{k}={v!s}" for k, v in env.items())
    command = f"cd {REPO} && env -i {exports} {sys.executable} {' '.join(argv)}"
    tmux.run("new-session", "-d", "-s", "depview", "-x", "120", "-y", "40", command)


def check_demo(tmux: Tmux) -> None:
    screen = tmux.wait_for("axios 1.14.1", "enriched")
    row = next(line for line in screen.splitlines() if "axios 1.14.1" in line)
    assert "‼" in row or "▲" in row, row  # critical or high, readable without colour
    assert "critical" in row or "high" in row
    tmux.keys("Enter")
    detail = tmux.wait_for("Findings", "Suggested pin")
    assert "provenance" in detail.lower()
    assert "1.14.0" in detail
    tmux.keys("Escape")
    tmux.wait_for("Details")
    tmux.keys("q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "depview" in tmux.run("list-sessions"):
        time.sleep(0.2)
    assert "depview" not in tmux.run("list-sessions"), "q did not quit the app"


@pytest.mark.skipif(real_pipeline_available(), reason="covered by the real demo below")
def test_demo_stub_in_tmux(tmux: Tmux, tmp_path: Path) -> None:
    """The app in a real terminal (precomputed verdicts): keys work, text is on screen."""
    start(tmux, tmp_path, "-m", "tests.tui.run_demo_stub")
    check_demo(tmux)


@pytest.mark.skipif(not real_pipeline_available(), reason="risk engine / sources not built yet")
def test_depview_demo_in_tmux(tmux: Tmux, tmp_path: Path) -> None:
    """``python -m depview demo``: the real offline pipeline on the bundled axios replay."""
    start(tmux, tmp_path, "-m", "depview", "demo")
    check_demo(tmux)
