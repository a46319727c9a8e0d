"""``--relock``: let the real package manager apply the export in a temporary copy, then re-scan.

The project folder is copied to a temporary directory (without
``node_modules``, ``.git``, virtualenvs and caches); the export's files are
written there; the package manager re-locks the copy::

    npm   npm install --package-lock-only --ignore-scripts [--registry URL] [--before AS_OF]
    pnpm  pnpm install --lockfile-only --ignore-scripts [--registry URL]
    yarn  yarn install --mode=update-lockfile (berry) | yarn install --ignore-scripts (1.x)
    uv    uv lock [--default-index URL] [--exclude-newer AS_OF]   (constraints added to
          [tool.uv] constraint-dependencies of the copy's pyproject.toml), or
          uv pip compile pyproject.toml --constraint constraints.txt (other Python lockfiles)

The resulting lockfile is read back with :func:`depview.lockfiles.load` and
compared with the plan: which risky versions are gone, which are still there.
The user's directory is never written; the copy is removed afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from depview.config import DEFAULT_PYPI_URL, Settings
from depview.errors import DepviewError
from depview.model import DependencyGraph, PackageId
from depview.remedy.api import ExportResult
from depview.remedy.model import ExportError
from depview.remedy.writers.constraints import CONSTRAINTS_FILE
from depview.remedy.writers.yarn_resolutions import is_berry

__all__ = ["RelockResult", "Runner", "relock", "tool_for"]

SKIP_DIRS = frozenset(
    "node_modules .git .hg .svn .venv venv __pycache__ .tox .nox .mypy_cache .pytest_cache "
    ".ruff_cache .yarn .pnpm-store .cache".split()
)
MAX_COPY_FILES = 50_000
MAX_COPY_BYTES = 512 * 1024 * 1024
DEFAULT_TIMEOUT = 600.0

#: Runs a command in a folder: (argv, cwd, env, timeout) -> completed process.
Runner = Callable[
    [Sequence[str], Path, Mapping[str, str], float], "subprocess.CompletedProcess[str]"
]


def _run(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(argv),
        cwd=cwd,
        env=dict(env),
        timeout=timeout,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@dataclass(frozen=True, slots=True)
class RelockResult:
    """The package manager's own lockfile for the pinned project, and what changed."""

    tool: str
    command: tuple[str, ...]
    lockfile_name: str
    lockfile_text: str
    graph: DependencyGraph
    gone: tuple[PackageId, ...]  # risky versions no longer locked
    remaining: tuple[PackageId, ...]  # risky versions still locked
    summary: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.remaining


def tool_for(result: ExportResult) -> str:
    if result.format == "constraints":
        return "uv"
    if result.format == "pnpm-overrides":
        return "pnpm"
    if result.format == "yarn-resolutions":
        return "yarn"
    return "npm"


def _copy_project(src: Path, dst: Path) -> None:
    count = 0
    size = 0
    for root, dirs, files in os.walk(src):
        dirs[:] = sorted(
            d for d in dirs if d not in SKIP_DIRS and not os.path.islink(os.path.join(root, d))
        )
        rel = Path(root).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            count += 1
            size += path.stat().st_size
            if count > MAX_COPY_FILES or size > MAX_COPY_BYTES:
                raise ExportError(f"{src}: project too large to copy for --relock")
            shutil.copy2(path, dst / rel / name)


def _iso(settings: Settings) -> str | None:
    if settings.as_of is None:
        return None
    return settings.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")


_TOOL_UV = re.compile(r"^\[tool\.uv\][ \t]*(#[^\r\n]*)?\r?$", re.MULTILINE)


def _add_uv_constraints(pyproject: Path, pins: list[str]) -> None:
    text = pyproject.read_text(encoding="utf-8")
    if "constraint-dependencies" in text:
        raise ExportError(
            f"{pyproject.name}: already has constraint-dependencies; merge the pins by hand"
        )
    items = ", ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in pins)
    line = f"constraint-dependencies = [{items}]\n"
    m = _TOOL_UV.search(text)
    if m is not None:
        text = text[: m.end()] + "\n" + line + text[m.end() + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n[tool.uv]\n" + line
    try:
        check = tomllib.loads(text)["tool"]["uv"]["constraint-dependencies"]
    except (tomllib.TOMLDecodeError, KeyError, TypeError):
        check = None
    if check != pins:
        raise ExportError(f"{pyproject.name}: cannot add constraint-dependencies; add them by hand")
    pyproject.write_text(text, encoding="utf-8")


def _command(
    tool: str, exe: str, work: Path, result: ExportResult, settings: Settings
) -> tuple[list[str], str]:
    """(argv, the lockfile the command leaves in ``work``)."""
    lock_name = result.lockfile.name
    as_of = _iso(settings)
    if tool == "npm":
        argv = [
            exe,
            "install",
            "--package-lock-only",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
        ]
        if settings.npm_registry:
            argv += ["--registry", settings.npm_registry]
        if as_of:
            argv += ["--before", as_of]
        return argv, lock_name
    if tool == "pnpm":
        argv = [exe, "install", "--lockfile-only", "--ignore-scripts"]
        if settings.npm_registry:
            argv += ["--registry", settings.npm_registry]
        return argv, lock_name
    if tool == "yarn":
        if is_berry(work / lock_name):
            return [exe, "install", "--mode=update-lockfile"], lock_name
        argv = [exe, "install", "--ignore-scripts", "--non-interactive"]
        if settings.npm_registry:
            argv += ["--registry", settings.npm_registry]
        return argv, lock_name
    # uv
    index: list[str] = []
    if settings.pypi_url.rstrip("/") != DEFAULT_PYPI_URL:
        index = ["--default-index", settings.pypi_url.rstrip("/") + "/simple"]
    newer = ["--exclude-newer", as_of] if as_of else []
    pins = [f"{p.name}=={p.to_version}" for p in result.plan.actionable if p.to_version is not None]
    if lock_name == "uv.lock" and (work / "pyproject.toml").is_file():
        _add_uv_constraints(work / "pyproject.toml", pins)
        return [exe, "lock", *index, *newer], lock_name
    if not (work / "pyproject.toml").is_file():
        raise ExportError("--relock for this Python lockfile needs a pyproject.toml beside it")
    out = "requirements.depview-relock.txt"
    argv = [exe, "pip", "compile", "pyproject.toml", "--constraint", CONSTRAINTS_FILE]
    argv += ["--output-file", out, "--quiet", *index, *newer]
    return argv, out


def _tail(text: str, lines: int = 5) -> str:
    rows = [r for r in text.strip().splitlines() if r.strip()]
    return " | ".join(rows[-lines:])


def relock(
    result: ExportResult,
    graph: DependencyGraph,
    settings: Settings,
    *,
    runner: Runner = _run,
    timeout: float = DEFAULT_TIMEOUT,
    which: Callable[[str], str | None] = shutil.which,
) -> RelockResult:
    """Apply ``result`` to a temporary copy of the project, re-lock it, re-scan it."""
    from depview.lockfiles import load

    tool = tool_for(result)
    exe = which(tool)
    if exe is None:
        raise ExportError(f"--relock: {tool} is not on PATH")
    project = result.lockfile.parent
    with tempfile.TemporaryDirectory(prefix="depview-relock-") as tmp:
        work = Path(tmp) / "project"
        _copy_project(project, work)
        for change in result.files:
            try:
                rel = change.path.resolve().relative_to(project.resolve())
            except ValueError:
                continue
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_text(change.after, encoding="utf-8")
        argv, lock_name = _command(tool, exe, work, result, settings)
        env = dict(os.environ)
        env.update(
            {
                "npm_config_update_notifier": "false",
                "npm_config_fund": "false",
                "npm_config_audit": "false",
                "CI": "1",
            }
        )
        try:
            done = runner(argv, work, env, timeout)
        except subprocess.TimeoutExpired:
            raise ExportError(f"--relock: {tool} did not finish within {timeout:.0f} s") from None
        except OSError as exc:
            raise ExportError(f"--relock: cannot run {tool}: {exc.strerror or exc}") from None
        if done.returncode != 0:
            raise ExportError(
                f"--relock: {' '.join(argv[:3])} failed (exit {done.returncode}): "
                f"{_tail(done.stderr or done.stdout)}"
            )
        new_lock = work / lock_name
        if not new_lock.is_file():
            raise ExportError(f"--relock: {tool} wrote no {lock_name}")
        try:
            new_graph = load(new_lock)
        except DepviewError as exc:
            raise ExportError(
                f"--relock: cannot read the re-locked file: {exc.one_line()}"
            ) from None
        text = new_lock.read_text(encoding="utf-8")
    risky = [p.package for p in result.plan.pins] + [r.package for r in result.plan.removals]
    present = set(new_graph.packages)
    gone = tuple(p for p in risky if p not in present)
    remaining = tuple(p for p in risky if p in present)
    lines = [f"{tool} re-locked a temporary copy: {' '.join([tool, *argv[1:]])}"]
    for pid in gone:
        now = sorted(
            q.version for q in present if q.name == pid.name and q.ecosystem == pid.ecosystem
        )
        where = f" (now {', '.join(now)})" if now else " (no longer locked)"
        lines.append(f"gone: {pid}{where}")
    lines.extend(f"STILL LOCKED: {pid}" for pid in remaining)
    added = sorted(present - set(graph.packages))
    if added:
        shown = ", ".join(str(p) for p in added[:10])
        more = f" and {len(added) - 10} more" if len(added) > 10 else ""
        lines.append(f"new in the re-locked file: {shown}{more}")
    return RelockResult(
        tool, tuple(argv), lock_name, text, new_graph, gone, remaining, tuple(lines)
    )
