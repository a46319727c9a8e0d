"""Long fuzzing run of every lockfile reader and the OSV range matcher.

    python bench/fuzz.py [--minutes 10] [--jobs 2] [--seed 1] [--targets npm-package-lock,osv] [--no-save]

The same mutators as the test suite (``tests/robustness/fuzzing.py``): real
fixtures from ``tests/data`` mutated textually and structurally, and OSV
records with random ranges. Each job is a child process with its own seed that
writes the input it is working on to a scratch file first, so a hang (no
progress for ``--hang`` seconds) is caught too: the child is killed and
restarted. Every crash or hang is saved as a regression fixture under
``tests/data/hostile/regressions/<reader>/`` (OSV: ``regressions/osv/``), which
``tests/robustness/test_fuzz_readers.py::test_regressions`` and
``test_fuzz_osv.py::test_osv_regressions`` replay from then on.

Prints examples per target and per second, crashes (unique by message) and
hangs; exit status 1 when anything was found.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import queue
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REGRESSIONS = ROOT / "tests" / "data" / "hostile" / "regressions"
SUFFIX = {
    "npm-package-lock": ".json",
    "pipfile-lock": ".json",
    "pnpm-lock": ".yaml",
    "yarn-lock": ".lock",
    "uv-lock": ".lock",
    "poetry-lock": ".lock",
    "pylock": ".toml",
    "requirements": ".txt",
    "osv": ".json",
}


def _targets() -> list[str]:
    from depview.lockfiles.registry import READERS

    return [*sorted(READERS), "osv"]


def _worker(seed: int, targets: list[str], scratch: str, out: Any, stop_at: float) -> None:
    """Fuzz round-robin until ``stop_at``; report counts and findings through ``out``."""
    from tests.robustness.fuzzing import (
        Crash,
        RandomChooser,
        check,
        check_osv,
        mutate,
        mutate_osv,
        seeds,
    )

    rng = random.Random(seed)
    chooser = RandomChooser(rng)
    inflight = Path(scratch)
    staged = inflight.with_suffix(".staged")
    all_seeds = seeds()
    counts: Counter[str] = Counter()
    last = time.monotonic()
    while time.monotonic() < stop_at:
        target = targets[rng.randrange(len(targets))]
        if target == "osv":
            doc, versions = mutate_osv(chooser)
            payload = json.dumps({"doc": doc, "versions": versions}, default=str)
        else:
            if not all_seeds.get(target):
                continue
            payload = mutate(target, chooser.choice(all_seeds[target]).text, chooser)
        staged.write_text(json.dumps({"target": target, "payload": payload}), encoding="utf-8")
        os.replace(staged, inflight)  # the parent never reads half a file
        try:
            if target == "osv":
                check_osv(doc, versions)
            else:
                check(target, payload)
        except Crash as crash:
            out.put(("crash", target, crash.what, payload))
        counts[target] += 1
        now = time.monotonic()
        if now - last >= 1.0:
            out.put(("count", dict(counts)))
            counts.clear()
            last = now
    out.put(("count", dict(counts)))
    out.put(("done",))


@dataclass
class Tally:
    examples: Counter[str] = field(default_factory=Counter)
    crashes: dict[tuple[str, str], int] = field(default_factory=dict)
    hangs: list[str] = field(default_factory=list)
    saved: list[Path] = field(default_factory=list)


def _save(target: str, payload: str, kind: str, tally: Tally, enabled: bool) -> None:
    if not enabled or target not in SUFFIX:
        return
    digest = hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    folder = REGRESSIONS / target
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-{digest}{SUFFIX.get(target, '.txt')}"
    if not path.exists():
        path.write_bytes(payload.encode("utf-8", "surrogatepass"))
        tally.saved.append(path)


def run(minutes: float, jobs: int, seed: int, targets: list[str], hang: float, save: bool) -> Tally:
    ctx = mp.get_context("spawn")
    out: Any = ctx.Queue()
    tally = Tally()
    stop_at = time.monotonic() + minutes * 60
    scratch = Path(tempfile.mkdtemp(prefix="depview-fuzz-"))
    workers: dict[int, tuple[Any, Path]] = {}
    next_seed = seed

    def spawn(slot: int) -> None:
        nonlocal next_seed
        inflight = scratch / f"inflight-{slot}.json"
        proc = ctx.Process(
            target=_worker, args=(next_seed, targets, str(inflight), out, stop_at), daemon=True
        )
        next_seed += 1
        proc.start()
        workers[slot] = (proc, inflight)

    for slot in range(jobs):
        spawn(slot)
    done = 0
    while done < jobs:
        try:
            msg = out.get(timeout=1.0)
        except queue.Empty:
            msg = None
        now = time.monotonic()
        if msg is not None:
            if msg[0] == "count":
                tally.examples.update(msg[1])
            elif msg[0] == "crash":
                _, target, what, payload = msg
                key = (target, what.splitlines()[0][:160])
                if key not in tally.crashes:
                    _save(target, payload, "crash", tally, save)
                tally.crashes[key] = tally.crashes.get(key, 0) + 1
            elif msg[0] == "done":
                done += 1
        for slot, (proc, inflight) in list(workers.items()):
            if not proc.is_alive():
                continue
            try:
                age = time.time() - inflight.stat().st_mtime
            except FileNotFoundError:
                age = 0.0
            if age > hang and now < stop_at:
                proc.kill()
                proc.join()
                try:
                    info = json.loads(inflight.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    info = {"target": "?", "payload": ""}
                tally.hangs.append(f"{info['target']}: no progress for {age:.0f} s")
                _save(info["target"], info["payload"], "hang", tally, save)
                spawn(slot)
    for proc, _inflight in workers.values():
        proc.join(timeout=10)
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--targets", default="", help="comma-separated readers and/or 'osv'")
    parser.add_argument(
        "--hang", type=float, default=30.0, help="seconds without progress = a hang"
    )
    parser.add_argument("--no-save", action="store_true", help="do not write regression fixtures")
    args = parser.parse_args(argv)
    targets = [t for t in args.targets.split(",") if t] or _targets()
    unknown = set(targets) - set(_targets())
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    tally = run(args.minutes, args.jobs, args.seed, targets, args.hang, not args.no_save)
    elapsed = time.monotonic() - started
    total = sum(tally.examples.values())
    print(f"fuzzed {total:,} inputs in {elapsed:.0f} s ({total / max(elapsed, 1e-9):,.0f}/s), "
          f"{args.jobs} jobs, seed {args.seed}")  # fmt: skip
    for target in targets:
        print(f"  {target:<18} {tally.examples.get(target, 0):>9,}")
    print(
        f"crashes: {sum(tally.crashes.values())} ({len(tally.crashes)} distinct); hangs: {len(tally.hangs)}"
    )
    for (target, what), count in sorted(tally.crashes.items()):
        print(f"  {count:>5} x {target}: {what}")
    for hang in tally.hangs:
        print(f"  hang: {hang}")
    for path in tally.saved:
        print(f"  saved {path.relative_to(ROOT)}")
    return 1 if tally.crashes or tally.hangs else 0


if __name__ == "__main__":
    raise SystemExit(main())
