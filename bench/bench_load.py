"""Time depview's package-lock reader against ``npm ls --package-lock-only --all --json``.

    python bench/bench_load.py [--sizes 5000 20000] [--real PATH] [--repeat 3] [--no-npm]

Generates synthetic package-lock v3 files (a DAG of ``pkg-N`` packages, about 10% of
them also installed as a conflicting 2.x copy nested under a dependent, dev and
optional flags, integrity hashes), then times ``depview.lockfiles.load`` (best of
``--repeat``) and one ``npm ls`` run on each, plus on the largest real npm lockfile
of the corpus. Prints a table with seconds and the npm/depview ratio.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from depview.lockfiles import load  # noqa: E402

DEFAULT_REAL = (
    Path("/work/shared/lockfiles/npm-cra-monorepo-lv2"),
    ROOT / "tests" / "data" / "npm" / "npm-cra-monorepo-lv2",
)


def _integrity(rng: random.Random) -> str:
    return "sha512-" + base64.b64encode(rng.randbytes(64)).decode()


def _entry(rng: random.Random, name: str, version: str, deps: dict[str, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "version": version,
        "resolved": f"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz",
        "integrity": _integrity(rng),
        "license": "MIT",
    }
    if deps:
        entry["dependencies"] = deps
    if rng.random() < 0.02:
        entry["hasInstallScript"] = True
    entry["engines"] = {"node": ">=14"}
    return entry


def synthetic_lockfile(total: int, seed: int = 1) -> tuple[dict[str, Any], dict[str, Any]]:
    """(package.json, package-lock.json) with about ``total`` entries in "packages".

    Realistic shape: packages sit in ~12 layers (a dependency tree 10-15 deep), each
    depends on 0-6 packages of the next few layers; ~10% of dependents ask for a
    2.x of one dependency, installed nested under them (``a/node_modules/b``).
    """
    rng = random.Random(seed)
    top = int(total / 1.1)
    layers = 12
    names = [f"pkg-{i:06d}" for i in range(top)]
    layer_of = [min(layers - 1, int(i * layers / top)) for i in range(top)]
    starts = [next(i for i in range(top) if layer_of[i] == k) for k in range(layers)] + [top]
    deps_of: list[dict[str, str]] = []
    nested: list[tuple[int, int]] = []  # (dependent, dependency) pairs needing a 2.x copy
    budget = total - top
    for i in range(top):
        deps: dict[str, str] = {}
        layer = layer_of[i]
        if layer < layers - 1:
            lo, hi = starts[layer + 1], starts[min(layers, layer + 4)] - 1
            for _ in range(rng.randint(0, 6)):
                deps[names[rng.randint(lo, hi)]] = "^1.0.0"
        if deps and budget > 0 and rng.random() < 0.12:
            j_name = rng.choice(sorted(deps))
            deps[j_name] = "^2.0.0"
            nested.append((i, int(j_name[4:])))
            budget -= 1
        deps_of.append(deps)
    direct = names[: starts[1]]
    dev_direct = set(direct[len(direct) * 3 // 4 :])
    root_deps = {n: "^1.0.0" for n in direct if n not in dev_direct}
    root_dev = dict.fromkeys(sorted(dev_direct), "^1.0.0")
    packages: dict[str, Any] = {
        "": {
            "name": "synthetic",
            "version": "1.0.0",
            "dependencies": root_deps,
            "devDependencies": root_dev,
        }
    }
    for i, name in enumerate(names):
        packages[f"node_modules/{name}"] = _entry(rng, name, "1.0.0", deps_of[i])
    for i, j in nested:
        # the 2.x copy depends on what 1.x depends on (resolved from the top level)
        packages[f"node_modules/{names[i]}/node_modules/{names[j]}"] = _entry(
            rng, names[j], "2.0.0", dict(deps_of[j])
        )
    for name in sorted(dev_direct):
        packages[f"node_modules/{name}"]["dev"] = True
    lock = {
        "name": "synthetic",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": dict(sorted(packages.items())),
    }
    manifest = {
        "name": "synthetic",
        "version": "1.0.0",
        "dependencies": root_deps,
        "devDependencies": root_dev,
    }
    return manifest, lock


def time_depview(lockfile: Path, repeat: int) -> tuple[float, float, int]:
    """Best (wall seconds, CPU seconds) over ``repeat`` loads, and the node count."""
    best_wall = best_cpu = float("inf")
    count = 0
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        graph = load(lockfile)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
        count = len(graph.packages)
    return best_wall, best_cpu, count


def time_npm(folder: Path, timeout: float) -> tuple[float, float] | None:
    """(wall seconds, CPU seconds of npm and its children) of one ``npm ls`` run."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        subprocess.run(
            [npm, "ls", "--package-lock-only", "--all", "--json"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[5000, 20000])
    parser.add_argument("--real", type=Path, default=None, help="folder with a package-lock.json")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--npm-timeout", type=float, default=600.0)
    parser.add_argument("--no-npm", action="store_true")
    args = parser.parse_args(argv)

    rows: list[tuple[str, int, int, float, float, tuple[float, float] | None]] = []
    with tempfile.TemporaryDirectory(prefix="depview-bench-") as tmp:
        cases: list[tuple[str, Path]] = []
        for size in args.sizes:
            folder = Path(tmp) / f"synthetic-{size}"
            folder.mkdir()
            manifest, lock = synthetic_lockfile(size)
            (folder / "package.json").write_text(json.dumps(manifest, indent=2))
            (folder / "package-lock.json").write_text(json.dumps(lock, indent=2) + "\n")
            cases.append((f"synthetic v3 {size}", folder))
        real = args.real or next(
            (p for p in DEFAULT_REAL if any(p.glob("package-lock.json*"))), None
        )
        if real is not None:
            folder = Path(tmp) / "real"
            shutil.copytree(real, folder, ignore=shutil.ignore_patterns("oracle-*"))
            for gz in folder.rglob("*.gz"):
                gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
            cases.append((f"real {real.name}", folder))
        for label, folder in cases:
            lockfile = folder / "package-lock.json"
            entries = len(json.loads(lockfile.read_text())["packages"]) - 1
            wall, cpu, nodes = time_depview(lockfile, args.repeat)
            npm = None if args.no_npm else time_npm(folder, args.npm_timeout)
            rows.append((label, entries, nodes, wall, cpu, npm))
            print(f"  done: {label}", file=sys.stderr)

    print(
        f"{'lockfile':30} {'entries':>7} {'nodes':>6} {'depview s':>10} {'(cpu)':>7}"
        f" {'npm ls s':>9} {'(cpu)':>7} {'ratio':>7} {'cpu ratio':>9}"
    )
    for label, entries, nodes, wall, cpu, npm in rows:
        if npm is None:
            tail = f" {'n/a':>9} {'':>7} {'n/a':>7} {'n/a':>9}"
        else:
            tail = f" {npm[0]:9.3f} {npm[1]:7.3f} {npm[0] / wall:6.1f}x {npm[1] / cpu:8.1f}x"
        print(f"{label:30} {entries:7d} {nodes:6d} {wall:10.3f} {cpu:7.3f}{tail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
