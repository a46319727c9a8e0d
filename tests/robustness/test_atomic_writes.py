"""``depview.fsutil`` and every writer built on it: a killed or failing write leaves the old file.

The kill tests run a child process that writes through a deliberately slow
file object (or blocks in ``fsync``), SIGKILL it mid-write, and check that the
target still holds the old bytes, that it never held anything else while the
write was in flight, and that the only debris is a hidden ``.<name>.*.tmp``.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from depview.fsutil import atomic_write_bytes, atomic_write_text
from depview.model import PackageId
from depview.report.model import TriageMark
from depview.triage import load_triage, save_triage
from tests.robustness.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
OLD = b"old content that must survive\n" * 100

CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    import depview.fsutil as fsutil

    mode, target = sys.argv[1], Path(sys.argv[2])
    real_fdopen = os.fdopen

    class Slow:
        def __init__(self, fh):
            self.fh = fh
        def write(self, data):
            view = memoryview(data)
            for i in range(0, len(view), 1 << 16):
                self.fh.write(view[i : i + (1 << 16)])
                self.fh.flush()
                if i == 0:
                    print("writing", flush=True)
                time.sleep(0.002)
            return len(data)
        def __getattr__(self, name):
            return getattr(self.fh, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.fh.__exit__(*exc)

    if mode == "slow-write":
        os.fdopen = lambda fd, *a, **k: Slow(real_fdopen(fd, *a, **k))
        fsutil.atomic_write_bytes(target, b"N" * 200_000_000)
    elif mode == "block-fsync":
        def fsync(fd):
            print("fsync", flush=True)
            time.sleep(3600)
        os.fsync = fsync
        if target.suffix == ".toml":
            from datetime import datetime, UTC
            from depview.model import PackageId
            from depview.report.model import TriageMark
            from depview.triage import save_triage
            marks = {{PackageId("npm", f"p{{i}}", "1.0.0"): TriageMark("ignored", "new " * 50)
                     for i in range(500)}}
            save_triage(target, marks)
        else:
            fsutil.atomic_write_text(target, "new\\n" * 1_000_000)
    print("done", flush=True)
    """
).format(root=str(ROOT))


def _kill_mid_write(tmp_path: Path, mode: str, target: Path, wait_for: str) -> list[str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), mode, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == wait_for, line
        old = target.read_bytes()
        # while the new bytes stream into the temp file, the target never changes
        for _ in range(20):
            assert target.read_bytes() == old
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return sorted(p.name for p in target.parent.iterdir() if p.name != "child.py")


def test_killed_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "package.json"
    target.write_bytes(OLD)
    left = _kill_mid_write(tmp_path, "slow-write", target, "writing")
    assert target.read_bytes() == OLD
    debris = [n for n in left if n != target.name]
    assert (
        len(debris) == 1 and debris[0].startswith(".package.json.") and debris[0].endswith(".tmp")
    )
    assert 0 < (tmp_path / debris[0]).stat().st_size < 200_000_000


def test_killed_before_the_rename_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "overrides.json"
    target.write_bytes(OLD)
    _kill_mid_write(tmp_path, "block-fsync", target, "fsync")
    assert target.read_bytes() == OLD


def test_killed_triage_write_leaves_the_old_decisions(tmp_path: Path) -> None:
    target = tmp_path / ".depview-triage.toml"
    pid = PackageId("npm", "kept", "1.0.0")
    save_triage(target, {pid: TriageMark("accepted", "the old decision")})
    before = target.read_bytes()
    left = _kill_mid_write(tmp_path, "block-fsync", target, "fsync")
    assert target.read_bytes() == before
    assert load_triage(target)[pid].note == "the old decision"
    assert all(n == target.name or (n.startswith(".") and n.endswith(".tmp")) for n in left)


# -- in-process: failures midway ----------------------------------------------------------------------


@pytest.fixture
def failing_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)


def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_failed_write_cleans_up_and_keeps_the_old_file(
    tmp_path: Path, failing_replace: None
) -> None:
    target = tmp_path / "f.txt"
    target.write_bytes(OLD)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == OLD
    assert _only(tmp_path) == ["f.txt"]


def test_failed_triage_save_keeps_the_old_file(tmp_path: Path, failing_replace: None) -> None:
    target = tmp_path / ".depview-triage.toml"
    target.write_text("# old\n", encoding="utf-8")
    with pytest.raises(OSError):
        save_triage(target, {PackageId("npm", "a", "1.0.0"): TriageMark("ignored", "x")})
    assert target.read_text(encoding="utf-8") == "# old\n"
    assert _only(tmp_path) == [".depview-triage.toml"]


def test_failed_report_output_keeps_the_old_file(tmp_path: Path, failing_replace: None) -> None:
    from tests.robustness import corpus as C

    out = tmp_path / "report.json"
    out.write_bytes(OLD)
    run = run_cli(["scan", str(C.LOCKFILE), "--snapshot", str(C.SNAPSHOT), "--as-of", C.AS_OF,
                   "--no-cache", "--format", "json", "--output", str(out)])  # fmt: skip
    assert run.code == 2
    # (the corpus's 1 MB package name is refused with a warning line first)
    last = run.err.strip().splitlines()[-1]
    assert last.startswith("depview: error:") and "No space" in last
    assert out.read_bytes() == OLD
    assert _only(tmp_path) == ["report.json"]


def test_failed_export_apply_keeps_the_package_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``export --apply`` over a real replay: a failing rename leaves package.json as it was."""
    from tests.robustness.chaos import replay_dir

    project, snapshot, as_of = replay_dir()
    work = tmp_path / "project"
    import shutil

    shutil.copytree(project, work)
    before = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}

    def boom(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    run = run_cli(["export", str(work), "--format", "npm-overrides", "--apply", "--snapshot",
                   str(snapshot), "--as-of", as_of, "--no-cache"])  # fmt: skip
    assert run.code == 2, (run.code, run.err[-500:])
    assert "Traceback" not in run.err
    assert {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()} == before


# -- plain behaviour -------------------------------------------------------------------------------


def test_replaces_content_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "secret.toml"
    target.write_bytes(OLD)
    target.chmod(0o600)
    atomic_write_text(target, "new ✓\n")
    assert target.read_text(encoding="utf-8") == "new ✓\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _only(tmp_path) == ["secret.toml"]


def test_new_file_gets_a_normal_mode(tmp_path: Path) -> None:
    target = tmp_path / "new.json"
    atomic_write_bytes(target, b"{}")
    assert target.read_bytes() == b"{}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_relative_path_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    atomic_write_bytes(Path("plain.txt"), b"x")
    assert (tmp_path / "plain.txt").read_bytes() == b"x"


def test_missing_directory_is_an_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "nope" / "f.txt", b"x")
    assert _only(tmp_path) == []


def test_concurrent_writers_never_interleave(tmp_path: Path) -> None:
    """Two processes rewriting one file: a reader only ever sees one whole version."""
    target = tmp_path / "shared.bin"
    target.write_bytes(b"A" * 2_000_000)
    script = tmp_path / "w.py"
    script.write_text(
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from pathlib import Path\nfrom depview.fsutil import atomic_write_bytes\n"
        "for _ in range(15):\n    atomic_write_bytes(Path(sys.argv[1]), sys.argv[2].encode() * 2_000_000)\n",
        encoding="utf-8",
    )
    procs = [subprocess.Popen([sys.executable, str(script), str(target), c]) for c in "BC"]
    seen = set()
    while any(p.poll() is None for p in procs):
        data = target.read_bytes()
        assert len(data) == 2_000_000 and len(set(data[::4096])) == 1, "a torn read"
        seen.add(data[:1])
    assert all(p.wait() == 0 for p in procs)
    assert target.read_bytes()[:1] in (b"B", b"C")
    assert _only(tmp_path) == ["shared.bin", "w.py"]
    assert seen <= {b"A", b"B", b"C"}


def test_written_at_is_recent(tmp_path: Path) -> None:
    target = tmp_path / "t"
    atomic_write_bytes(target, b"1")
    age = datetime.now(UTC).timestamp() - target.stat().st_mtime
    assert -5 < age < 60
