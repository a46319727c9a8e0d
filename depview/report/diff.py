"""``depview diff``: the packages a lockfile change adds or changes.

``load_old_graph`` reads OLD, a lockfile path or (when no such path exists) a
git revision: the lockfile as it was there, read with ``git show`` into a
temporary directory beside the manifests the readers may consult
(``package.json`` etc., at that revision too). ``diff_graphs`` compares two
graphs by package name:

- added: a name the old lockfile does not have (``from`` is None);
- changed: a name whose set of versions differs; each new version is reported
  with the old version it most likely replaced;
- also changed: the same version whose recorded source kind, non-registry
  URL or integrity digest differs (a lockfile repointed at another artifact),
  ``from`` = ``to``;
- removed: old versions that nothing replaced.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

from depview.errors import UsageError
from depview.model import DependencyGraph, Package, PackageId
from depview.report.model import Change
from depview.textsafe import one_line

__all__ = ["MANIFEST_NAMES", "diff_graphs", "load_old_graph"]

#: Files beside a lockfile that readers may consult (direct dependencies, workspaces).
MANIFEST_NAMES = frozenset(
    {
        "package.json",
        "pnpm-workspace.yaml",
        ".yarnrc.yml",
        "pyproject.toml",
        "Pipfile",
        "setup.cfg",
    }
)
MAX_MANIFESTS = 2000
GIT_TIMEOUT = 60.0

Warn = Callable[[str], None]


# -- loading OLD -------------------------------------------------------------


def load_old_graph(
    old: str,
    new_lockfile: Path,
    fmt: str | None,
    *,
    warn: Warn | None = None,
) -> DependencyGraph:
    """The old graph: ``old`` as a lockfile path if it exists, else as a git revision.

    For a revision, the lockfile at ``new_lockfile``'s path in that revision is
    read. If the revision exists but has no such file (the change adds the
    lockfile), the old graph is empty, so every package counts as added.
    A bad revision is a one-line :class:`UsageError`.
    """
    from depview.lockfiles import load

    path = Path(old)
    if old and path.exists():
        return load(path, fmt)
    return _load_from_git(old, new_lockfile, fmt, warn=warn)


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise UsageError("git is not installed: OLD must be a lockfile path")
    try:
        return subprocess.run(
            [git, "-C", str(cwd), *args],
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} timed out after {GIT_TIMEOUT:.0f} s") from None
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc.strerror or exc}") from None


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return one_line(text.splitlines()[0] if text else "", 200)


_BAD_REV = re.compile(r"^-|[\x00-\x20\x7f]|\.\.\.")


def _load_from_git(
    rev: str, new_lockfile: Path, fmt: str | None, *, warn: Warn | None
) -> DependencyGraph:
    from depview.lockfiles import load

    shown = one_line(rev, 100)
    if not rev or _BAD_REV.search(rev):
        raise UsageError(f"{shown!r}: not a lockfile and not a git revision")
    lockfile = new_lockfile.resolve()
    top = _git(["rev-parse", "--show-toplevel"], lockfile.parent)
    if top.returncode != 0:
        raise UsageError(f"{shown}: no such file, and {lockfile.parent} is not in a git repository")
    root = Path(top.stdout.decode("utf-8", "replace").strip()).resolve()
    commit = _git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], root
    )
    if commit.returncode != 0:
        raise UsageError(f"{shown}: no such file and not a git revision in {root}")
    sha = commit.stdout.decode("ascii", "replace").strip()
    try:
        rel = PurePosixPath(*lockfile.relative_to(root).parts)
    except ValueError:
        raise UsageError(f"{lockfile}: not inside the git repository {root}") from None

    listing = _git(["ls-tree", "-r", "-z", "--name-only", sha, "--", str(rel.parent)], root)
    names = (
        [n for n in listing.stdout.decode("utf-8", "replace").split("\0") if n]
        if listing.returncode == 0
        else []
    )
    if str(rel) not in names:
        if warn is not None:
            warn(f"{rel} does not exist at {shown}: every package counts as added")
        return _empty_like(load(new_lockfile, fmt), f"{rev}:{rel}")

    with tempfile.TemporaryDirectory(prefix="depview-diff-") as tmp:
        base = Path(tmp)
        wanted = [rel, *_manifests(names, rel)]
        for item in wanted:
            blob = _git(["show", f"{sha}:{item.as_posix()}"], root)
            if blob.returncode != 0:
                if item == rel:
                    raise UsageError(f"{shown}:{rel}: {_first_line(blob.stderr)}")
                continue
            target = base / item.relative_to(rel.parent)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob.stdout)
        return load(base / rel.name, fmt)


def _manifests(names: Iterable[str], rel: PurePosixPath) -> list[PurePosixPath]:
    """Manifest files under the lockfile's directory (never in node_modules), capped."""
    out: list[PurePosixPath] = []
    for name in names:
        p = PurePosixPath(name)
        if p.name not in MANIFEST_NAMES or "node_modules" in p.parts or ".." in p.parts:
            continue
        try:
            p.relative_to(rel.parent)
        except ValueError:
            continue
        out.append(p)
        if len(out) >= MAX_MANIFESTS:
            break
    return out


def _empty_like(graph: DependencyGraph, path: str) -> DependencyGraph:
    from depview.model import build_graph

    roots = list(graph.roots[:1])
    return build_graph(
        ecosystem=graph.ecosystem,
        format=graph.format,
        path=path,
        packages=[graph.packages[r] for r in roots if r in graph.packages],
        edges={},
        roots=roots,
    )


# -- comparing ---------------------------------------------------------------


def _version_key(ecosystem: str, version: str) -> tuple[int, object]:
    """A sort key that orders versions the way their ecosystem does, where it can."""
    if ecosystem == "npm":
        from depview.sources.semver import parse

        sv = parse(version)
        if sv is not None:
            return (1, sv)
    else:
        from packaging.version import InvalidVersion, Version

        try:
            return (1, Version(version))
        except InvalidVersion:
            pass
    parts = tuple(int(x) if x.isdigit() else -1 for x in re.findall(r"\d+|[A-Za-z]+", version))
    return (0, parts)


def _sorted_versions(ecosystem: str, versions: Iterable[str]) -> list[str]:
    vs = list(versions)
    try:
        return sorted(vs, key=lambda v: _version_key(ecosystem, v))
    except TypeError:
        return sorted(vs)


def _predecessor(ecosystem: str, new: str, candidates: list[str]) -> str:
    """The old version ``new`` most likely replaced: the highest not above it, else the lowest."""
    ordered = _sorted_versions(ecosystem, [*candidates, new])
    below = ordered[: ordered.index(new)]
    below = [v for v in below if v in candidates]
    if below:
        return below[-1]
    return _sorted_versions(ecosystem, candidates)[0]


def _hashes(integrity: str | None) -> dict[str, str]:
    """``{algorithm: digest}`` from an integrity string (SRI, ``sha256:hex``, berry ``10c0/hex``)."""
    out: dict[str, str] = {}
    for token in (integrity or "").split():
        for sep in ("-", ":", "/"):
            algo, found, digest = token.partition(sep)
            if found and algo and digest:
                out.setdefault(algo.lower(), digest)
                break
        else:
            out.setdefault("", token)
    return out


def _moved(old: Package, new: Package) -> bool:
    """Same version, but the lockfile now points at another artifact.

    A different source kind (registry -> tarball/git/path), a different URL for
    a non-registry source, or a different digest under a hash algorithm both
    record. Format changes (npm v1 -> v3, yarn 3 -> 4 cache checksums, a
    dropped ``resolved`` URL) are not moves.
    """
    from depview.model import SourceKind

    if old.source.kind != new.source.kind:
        return True
    if (
        old.source.kind != SourceKind.REGISTRY
        and old.source.url
        and new.source.url
        and old.source.url != new.source.url
    ):
        return True
    before, after = _hashes(old.integrity), _hashes(new.integrity)
    return any(before[a] != after[a] for a in before.keys() & after.keys())


def diff_graphs(
    old: DependencyGraph, new: DependencyGraph
) -> tuple[dict[PackageId, Change], list[PackageId]]:
    """(added and changed packages of ``new`` with their change, removed packages of ``old``)."""
    old_by_name: dict[tuple[str, str], dict[str, Package]] = {}
    for pkg in old.dependencies():
        old_by_name.setdefault((pkg.id.ecosystem, pkg.id.name), {})[pkg.id.version] = pkg
    new_by_name: dict[tuple[str, str], dict[str, Package]] = {}
    for pkg in new.dependencies():
        new_by_name.setdefault((pkg.id.ecosystem, pkg.id.name), {})[pkg.id.version] = pkg

    changes: dict[PackageId, Change] = {}
    replaced: set[PackageId] = set()
    for key, versions in sorted(new_by_name.items()):
        ecosystem = key[0]
        before = old_by_name.get(key)
        if before is None:
            for v in versions:
                changes[versions[v].id] = Change(None, v)
            continue
        gone = [v for v in before if v not in versions]
        for v, pkg in versions.items():
            if v in before:
                if _moved(before[v], pkg):
                    changes[pkg.id] = Change(v, v)
                continue
            candidates = gone or list(before)
            origin = _predecessor(ecosystem, v, candidates)
            changes[pkg.id] = Change(origin, v)
            replaced.add(before[origin].id)
    removed = [
        pkg.id
        for key, versions in sorted(old_by_name.items())
        for v, pkg in sorted(versions.items())
        if v not in new_by_name.get(key, {}) and pkg.id not in replaced
    ]
    return dict(sorted(changes.items())), removed
