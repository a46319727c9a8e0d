"""Every depview benchmark in one command, with one table of figures and ratios.

    python bench/run.py [--quick] [--only load,enrich,tui,risk,memory,structure] [--json FILE]

Each section runs in a fresh interpreter (``bench/run.py --section NAME``) and
reuses the section's own script (``bench_load``, ``bench_enrich``, ``bench_tui``,
``bench_risk``) rather than re-implementing it. Every figure is printed next to a
reference measured in the same run on the same machine, and the ratio between
them:

==================  =======================================  ===================================
section             figure                                   reference (ratio)
==================  =======================================  ===================================
load                ``lockfiles.load`` of a generated        ``npm ls --package-lock-only --all
                    package-lock v3 (1k / 5k / 20k)          --json`` on the same folder (npm/depview)
enrich              cold and warm metadata + advisories,     the network floor: requests x latency /
                    2,000 packages, loopback registry with   concurrency (cold/floor); warm: the
                    20 ms latency, 16 connections; cache     cold run (cold/warm); cache size: the
                    size after the cold run, and after       raw packument bytes served (cache/raw)
                    caching 300 packuments downloaded from
                    the npm registry (``fetch_corpus.py``,
                    or ``bench/corpus`` when present)
tui                 time to interactive and p95 key-to-      a bare Textual app's first frame; a bare
                    repaint while verdicts stream (5k)       Textual Tree's key latency
risk                ``judge_all`` on 5,000 packages          a fixed 1M-iteration Python loop
memory              peak RSS of a full ``depview scan`` of   a Python process that imports depview's
                    5,000 packages (network mode, loopback)  CLI and pipeline and stops
structure           100,000-package lockfile: load, tree;    the 5k load (per-package cost ratio)
                    10,000-deep chain: load, tree, paths
==================  =======================================  ===================================

``--quick`` drops the 20k load, the structure section and halves the key count.
Targets (from issue 8) are checked in the last column: load >= 5x npm and < 0.3 s
at 5k; enrichment cold <= 5 s, warm <= 0.5 s at 2k, cache <= 5% of registry
packuments; scoring <= 0.2 s at 5k; TUI
<= 0.5 s to interactive, p95 key latency <= 100 ms; peak memory <= 200 MB at 5k.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

SECTIONS = ("load", "enrich", "tui", "risk", "memory", "structure")
AS_OF = "2026-03-31T00:00:00Z"

Row = dict[str, Any]


def _row(name: str, value: float | None, unit: str, ref: float | None = None, ref_label: str = "",
         ratio: float | None = None, ratio_label: str = "", target: str = "",
         ok: bool | None = None) -> Row:  # fmt: skip
    return {
        "name": name, "value": value, "unit": unit, "ref": ref, "ref_label": ref_label,
        "ratio": ratio, "ratio_label": ratio_label, "target": target, "ok": ok,
    }  # fmt: skip


# -- sections (each runs in its own interpreter) ---------------------------------------------------


def section_load(quick: bool) -> list[Row]:
    from bench_load import synthetic_lockfile, time_depview, time_npm

    rows: list[Row] = []
    sizes = (1000, 5000) if quick else (1000, 5000, 20000)
    with tempfile.TemporaryDirectory(prefix="depview-bench-") as tmp:
        for size in sizes:
            folder = Path(tmp) / str(size)
            folder.mkdir()
            manifest, lock = synthetic_lockfile(size)
            (folder / "package.json").write_text(json.dumps(manifest, indent=2))
            (folder / "package-lock.json").write_text(json.dumps(lock, indent=2) + "\n")
            wall, _cpu, _nodes = time_depview(folder / "package-lock.json", 3)
            npm = time_npm(folder, 600.0)
            npm_wall = npm[0] if npm else None
            ratio = npm_wall / wall if npm_wall else None
            target, ok = "", None
            if size == 5000:
                target = ">= 5x npm, < 0.3 s"
                ok = wall < 0.3 and (ratio is None or ratio >= 5)
            rows.append(_row(f"lockfile load {size // 1000}k (package-lock v3)", wall, "s", npm_wall,
                             "npm ls", ratio, "npm/depview", target, ok))  # fmt: skip
    return rows


def _registry_corpus(target: Path, count: int) -> Path | None:
    """Real packuments for the cache-size row: ``bench/corpus`` if present, else downloaded."""
    local = ROOT / "bench" / "corpus"
    if (local / "npm").is_dir():
        return local
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fetch_corpus.py"), str(target), "--count", str(count)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return target if done.returncode == 0 and (target / "npm").is_dir() else None


def section_enrich(quick: bool) -> list[Row]:
    from bench_enrich import (
        build_snapshot,
        cache_ratio,
        dir_bytes,
        enrich,
        loopback_registry,
        warm_in_new_process,
    )

    from depview.config import Settings

    packages_n, latency, concurrency = 2000, 0.02, 16
    with tempfile.TemporaryDirectory(prefix="depview-bench-") as tmp:
        snap = Path(tmp) / "snap"
        packages, _raw = build_snapshot(snap, packages_n)
        with loopback_registry(snap, latency) as (url, _pid):
            settings = Settings(npm_registry=url, pypi_url=url, osv_url=url,
                                cache_dir=Path(tmp) / "cache", concurrency=concurrency)  # fmt: skip
            cold = asyncio.run(enrich(settings, packages))
            warm = asyncio.run(enrich(settings, packages))
            fresh = warm_in_new_process(settings, packages)
        cache_bytes = dir_bytes(Path(tmp) / "cache")
        corpus = _registry_corpus(Path(tmp) / "corpus", 100 if quick else 300)
        real = cache_ratio(corpus) if corpus is not None else None
    cold_s, cold_requests, cold_ok, _ = cold
    warm_s, warm_requests, _, _ = warm
    floor = cold_requests * latency / concurrency
    rows = [
        _row(f"cache size vs {packages_n} replay packuments (pre-trimmed)", cache_bytes / 1e6, "MB",
             _raw / 1e6, "raw MB", cache_bytes / _raw, "cache/raw"),
    ]  # fmt: skip
    if real is not None:
        count, raw_bytes, real_cache = real
        rows.append(_row(f"cache size vs {count} registry packuments", real_cache / 1e6, "MB",
                         raw_bytes / 1e6, "raw MB", real_cache / raw_bytes, "cache/raw", "<= 5%",
                         real_cache / raw_bytes <= 0.05))  # fmt: skip
    return rows + [
        _row(f"enrichment cold, {packages_n} pkgs, 20 ms", cold_s, "s", floor, "network floor",
             cold_s / floor if floor else None, "cold/floor", "<= 5 s", cold_s <= 5 and cold_ok == packages_n),
        _row(f"enrichment warm, {packages_n} pkgs ({warm_requests} requests)", warm_s, "s", cold_s,
             "cold run", cold_s / warm_s if warm_s else None, "cold/warm", "<= 0.5 s", warm_s <= 0.5),
        _row(f"enrichment warm in a new process ({fresh[1]} requests)", fresh[0], "s", warm_s,
             "same process", fresh[0] / warm_s if warm_s else None, "new/same", "<= 0.5 s",
             fresh[0] <= 0.5),
    ]  # fmt: skip


def section_tui(quick: bool) -> list[Row]:
    import bench_tui

    keys = 60 if quick else 120
    from contextlib import redirect_stdout
    from io import StringIO

    out = StringIO()
    with redirect_stdout(out):
        bench_tui.main(["--packages", "5000", "--keys", str(keys), "--json"])
    fig = json.loads(out.getvalue())
    interactive = fig["start_interactive_s"]
    bare_frame = fig["bare_textual_first_frame_s"]
    streaming = fig["typing_10_keys_per_s"]
    bare_keys = fig["bare_textual_tree_10_keys_per_s"]
    p95 = streaming["p95_ms"] / 1000
    bare_p95 = bare_keys["p95_ms"] / 1000
    return [
        _row("TUI time to interactive, 5k pkgs", interactive, "s", bare_frame, "bare Textual frame",
             interactive / bare_frame if bare_frame else None, "depview/bare", "<= 0.5 s", interactive <= 0.5),
        _row("TUI key-to-repaint p95, streaming", p95, "s", bare_p95, "bare Textual Tree",
             p95 / bare_p95 if bare_p95 else None, "depview/bare", "<= 100 ms", p95 <= 0.1),
    ]  # fmt: skip


def section_risk(quick: bool) -> list[Row]:
    from bench_risk import AS_OF as RISK_AS_OF
    from bench_risk import calibrate, make

    from depview.risk.context import RiskSettings
    from depview.risk.engine import judge_all

    graph, metadata = make(5000)  # histories as long as the registry's (median 29 versions)
    settings = RiskSettings(RISK_AS_OF)
    # the first call builds what it needs of the popular-name index, as a real scan does
    started = time.perf_counter()
    verdicts = judge_all(graph, metadata, {}, settings)  # type: ignore[arg-type]
    cold = time.perf_counter() - started
    warm = []
    for _ in range(3):
        started = time.perf_counter()
        judge_all(graph, metadata, {}, settings)  # type: ignore[arg-type]
        warm.append(time.perf_counter() - started)
    loop = calibrate()
    return [
        _row(f"risk scoring, {len(verdicts)} pkgs (first call)", cold, "s", loop, "1M-iteration loop",
             cold / loop if loop else None, "scoring/loop", "<= 0.2 s", cold <= 0.2),
        _row(f"risk scoring, {len(verdicts)} pkgs (warm best)", min(warm), "s", loop, "1M-iteration loop",
             min(warm) / loop if loop else None, "scoring/loop", "<= 0.2 s", min(warm) <= 0.2),
    ]  # fmt: skip


_MAXRSS_RUNNER = """
import resource, sys
sys.path.insert(0, {root!r})
if sys.argv[1] == "--baseline":
    import depview.cli, depview.service, depview.lockfiles, depview.sources.factory, depview.risk.engine, depview.report.formats
    code = 0
else:
    from depview.cli import main
    code = main(sys.argv[1:])
print("MAXRSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, code, file=sys.stderr)
"""


def _maxrss(args: list[str]) -> tuple[float, int, str]:
    """(peak RSS in MB, exit status, stderr) of a fresh interpreter running ``args``."""
    proc = subprocess.run(
        [sys.executable, "-c", _MAXRSS_RUNNER.format(root=str(ROOT)), *args],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
    )  # fmt: skip
    line = next((x for x in proc.stderr.splitlines() if x.startswith("MAXRSS ")), None)
    if line is None:
        raise RuntimeError(proc.stderr[-2000:])
    _, kb, code = line.split()
    return int(kb) / 1024, int(code), proc.stderr


def _scan_project(folder: Path, snap: Path, packages: list[Any]) -> Path:
    """A package-lock of ``packages`` (all hoisted; a binary tree of dependencies)."""
    entries: dict[str, Any] = {"": {"name": "bench", "version": "1.0.0", "dependencies": {}}}
    names = [p.name for p in packages]
    for i, pkg in enumerate(packages):
        doc = json.loads((snap / "npm" / f"{pkg.name}.json").read_text())
        dist = doc.get("versions", {}).get(pkg.version, {}).get("dist", {})
        entry: dict[str, Any] = {
            "version": pkg.version,
            "resolved": f"https://registry.npmjs.org/{pkg.name}/-/{pkg.name}-{pkg.version}.tgz",
        }
        if dist.get("integrity"):
            entry["integrity"] = dist["integrity"]
        kids = [names[j] for j in (2 * i + 1, 2 * i + 2) if j < len(names)]
        if kids:
            entry["dependencies"] = dict.fromkeys(kids, "*")
        entries[f"node_modules/{pkg.name}"] = entry
    entries[""]["dependencies"] = {names[0]: "*"}
    folder.mkdir(parents=True)
    lock = {
        "name": "bench",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": entries,
    }
    (folder / "package.json").write_text(
        json.dumps(
            {"name": "bench", "version": "1.0.0", "dependencies": entries[""]["dependencies"]}
        )
    )
    (folder / "package-lock.json").write_text(json.dumps(lock))
    return folder / "package-lock.json"


def section_memory(quick: bool) -> list[Row]:
    from bench_enrich import build_snapshot, loopback_registry

    count = 5000
    with tempfile.TemporaryDirectory(prefix="depview-bench-") as tmp:
        snap = Path(tmp) / "snap"
        packages, _ = build_snapshot(snap, count)
        lock = _scan_project(Path(tmp) / "project", snap, packages)
        with loopback_registry(snap) as (url, _pid):
            base, _, _ = _maxrss(["--baseline"])
            started = time.perf_counter()
            peak, code, err = _maxrss(
                ["scan", str(lock), "--format", "json", "--output", str(Path(tmp) / "report.json"),
                 "--as-of", AS_OF, "--cache-dir", str(Path(tmp) / "cache"), "--npm-registry", url,
                 "--osv-url", url, "--pypi-url", url, "--fail-on", "critical"]
            )  # fmt: skip
            took = time.perf_counter() - started
        report = json.loads((Path(tmp) / "report.json").read_text()) if code in (0, 1) else None
    if report is None:
        raise RuntimeError(f"scan exited {code}: {err[-1000:]}")
    judged = len(report["packages"])
    return [
        _row(f"peak memory, full scan of {judged} pkgs ({took:.1f} s)", peak, "MB", base,
             "depview imported", peak / base if base else None, "scan/imported", "<= 200 MB", peak <= 200),
    ]  # fmt: skip


def section_structure(quick: bool) -> list[Row]:
    from bench_load import synthetic_lockfile, time_depview

    from depview.lockfiles import load
    from depview.model import PackageId
    from depview.report.tree import render_tree
    from tests.robustness.helpers import chain_lockfile, layered_lockfile, write_project

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="depview-bench-") as tmp:
        ref_folder = Path(tmp) / "ref"
        ref_folder.mkdir()
        manifest, lock = synthetic_lockfile(5000)
        (ref_folder / "package.json").write_text(json.dumps(manifest))
        (ref_folder / "package-lock.json").write_text(json.dumps(lock))
        ref_s, _, ref_nodes = time_depview(ref_folder / "package-lock.json", 3)
        per_ref = ref_s / ref_nodes

        big = write_project(Path(tmp) / "100k", layered_lockfile(100_000))
        started = time.perf_counter()
        graph = load(big)
        load_s = time.perf_counter() - started
        per_big = load_s / len(graph.packages)
        rows.append(_row(f"lockfile load, {len(graph.packages):,} pkgs", load_s, "s", ref_s, "5k load",
                         per_big / per_ref, "per-package cost vs 5k", "seconds", load_s < 10))  # fmt: skip
        started = time.perf_counter()
        text = render_tree(graph)
        tree_s = time.perf_counter() - started
        rows.append(_row(f"tree, {text.count(chr(10)):,} lines", tree_s, "s", load_s, "its load",
                         tree_s / load_s, "tree/load", "completes", True))  # fmt: skip

        chain = write_project(Path(tmp) / "chain", chain_lockfile(10_000, cycle=True))
        started = time.perf_counter()
        deep = load(chain)
        render_tree(deep)
        paths = deep.shortest_paths(PackageId("npm", "c9999", "1.0.0"))
        chain_s = time.perf_counter() - started
        rows.append(_row("10,000-deep chain: load, tree, paths", chain_s, "s", ref_s, "5k load",
                         chain_s / ref_s, "chain/5k load", "no RecursionError",
                         [len(p) for p in paths] == [10_000]))  # fmt: skip
    return rows


RUNNERS: dict[str, Callable[[bool], list[Row]]] = {
    "load": section_load,
    "enrich": section_enrich,
    "tui": section_tui,
    "risk": section_risk,
    "memory": section_memory,
    "structure": section_structure,
}


# -- the driver ------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    npm = shutil.which("npm")
    npm_version = "absent"
    if npm:
        try:
            npm_version = subprocess.run(
                [npm, "--version"], capture_output=True, text=True, timeout=60
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            npm_version = "unknown"
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "npm": npm_version,
        "load average at start": " ".join(f"{x:.2f}" for x in load),
    }


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.1f} {unit}"


def print_table(rows: list[Row]) -> None:
    header = ("benchmark", "figure", "reference", "ratio", "target", "")
    lines = [header]
    for r in rows:
        if "error" in r:
            lines.append((r["name"], "error", r["error"][:60], "", "", "!!"))
            continue
        ref = f"{r['ref_label']} {_fmt(r['ref'], r['unit'])}" if r["ref_label"] else ""
        ratio = f"{r['ratio']:.1f}x {r['ratio_label']}" if r["ratio"] is not None else "n/a"
        ok = "" if r["ok"] is None else ("ok" if r["ok"] else "MISSED")
        lines.append((r["name"], _fmt(r["value"], r["unit"]), ref, ratio, r["target"], ok))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def run_section(name: str, quick: bool, timeout: float) -> list[Row]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--section", name]
    if quick:
        cmd.append("--quick")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    except subprocess.TimeoutExpired:
        return [{"name": name, "error": f"timed out after {timeout:.0f} s"}]
    marker = "BENCH-ROWS "
    line = next((x for x in proc.stdout.splitlines() if x.startswith(marker)), None)
    if proc.returncode != 0 or line is None:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [{"name": name, "error": f"exit {proc.returncode}: {last}"}]
    rows: list[Row] = json.loads(line[len(marker) :])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, no structure section")
    parser.add_argument(
        "--only", default="", help=f"comma-separated sections ({', '.join(SECTIONS)})"
    )
    parser.add_argument("--json", type=Path, help="also write the rows and the machine here")
    parser.add_argument("--timeout", type=float, default=1200.0, help="per section (seconds)")
    parser.add_argument("--section", choices=SECTIONS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.section:  # inside the child interpreter
        print("BENCH-ROWS " + json.dumps(RUNNERS[args.section](args.quick)))
        return 0

    chosen = [s for s in args.only.split(",") if s] or [
        s for s in SECTIONS if not (args.quick and s == "structure")
    ]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    info = machine()
    started = time.perf_counter()
    rows: list[Row] = []
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.extend(run_section(name, args.quick, args.timeout))
    print()
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print(f"bench/run.py{' --quick' if args.quick else ''}: {time.perf_counter() - started:.0f} s")
    print()
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "rows": rows}, indent=2))
    missed = [r for r in rows if r.get("ok") is False or "error" in r]
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
