"""TUI responsiveness on a generated 5,000-package lockfile.

    python bench/bench_tui.py [--packages 5000] [--keys 120] [--seed 1] [--json]

1. Writes a synthetic package-lock v3 (bench_load.synthetic_lockfile) and reads it
   with depview.lockfiles.load (then gc.freeze(), as run_app does).
2. Start to interactive: from make_app() to the first frame, and to the first frame
   that shows the effect of a key press (cursor moved).
3. Key-press-to-repaint while verdicts stream in: a stub analyzer delivers a verdict
   for every package in small batches (with progress events) every 10 ms while keys
   (down/up, right/left, n/p, page down) arrive through the driver as a terminal
   would send them: at typing pace (10 keys/s) and at key-repeat pace (33 keys/s).
   Latency runs from the key reaching the driver to the first frame whose state
   shows its effect.
4. For scale, the same keys against a bare Textual Tree (no depview code), and the
   time of a fixed pure-Python loop (cpu_calibration_s, about 0.2 s on an idle core):
   on a loaded machine every figure grows by about calibration / 0.2.

Frames are taken from App._display (the compositor update the terminal would get);
each is also rendered to escape sequences so producing terminal output is counted.
Targets: interactive <= 0.5 s; key-to-repaint p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_load import synthetic_lockfile  # noqa: E402
from textual import events  # noqa: E402

from depview.config import Settings  # noqa: E402
from depview.lockfiles import load  # noqa: E402
from depview.model import DependencyGraph, PackageId  # noqa: E402
from depview.risk.model import Finding, Level, Verdict  # noqa: E402
from depview.service import Analysis, Enrichment  # noqa: E402
from depview.sources.interface import Progress, ProgressEvent  # noqa: E402
from depview.tui.app import DepviewApp, make_app  # noqa: E402

AS_OF = Settings().instant


@dataclass
class Frames:
    """Timestamps of rendered frames, and a probe of the app state at each."""

    app: DepviewApp | None = None
    times: list[float] = field(default_factory=list)
    waiting: list[tuple[float, Callable[[], bool], str]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    by_key: dict[str, list[float]] = field(default_factory=dict)

    def install(self, app: DepviewApp) -> None:
        self.app = app
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(app.console)  # what a terminal write would cost
            now = time.perf_counter()
            self.times.append(now)
            still: list[tuple[float, Callable[[], bool], str]] = []
            for started, done, key in self.waiting:
                if done():
                    self.latencies.append(now - started)
                    self.by_key.setdefault(key, []).append(now - started)
                else:
                    still.append((started, done, key))
            self.waiting = still

        app._display = display  # type: ignore[method-assign]


def random_verdict(pid: PackageId, rng: random.Random) -> Verdict:
    roll = rng.random()
    if roll < 0.85:
        return Verdict(pid, Level.NONE, 0)
    level = Level.LOW if roll < 0.95 else Level.MEDIUM if roll < 0.99 else Level.HIGH
    finding = Finding("recent-publish", level, "published recently", "inside the cooldown", {})
    return Verdict(pid, level, int(level) * 20, findings=(finding,))


class StreamingStub:
    """Delivers a verdict for every package in batches of ``batch`` every ``interval`` s."""

    def __init__(self, seconds: float, seed: int) -> None:
        self.seconds = seconds
        self.rng = random.Random(seed)

    async def __call__(
        self,
        graph: DependencyGraph,
        settings: Settings,
        *,
        project_dir: Path,
        progress: Progress | None = None,
        on_verdicts: Callable[[Mapping[PackageId, Verdict]], None] | None = None,
    ) -> Analysis:
        ids = sorted(p.id for p in graph.dependencies())
        batches = max(1, int(self.seconds / 0.01))
        size = max(1, len(ids) // batches + 1)
        verdicts: dict[PackageId, Verdict] = {}
        for start in range(0, len(ids), size):
            chunk = {pid: random_verdict(pid, self.rng) for pid in ids[start : start + size]}
            verdicts.update(chunk)
            if on_verdicts is not None:
                on_verdicts(chunk)
            if progress is not None:
                progress(ProgressEvent(done=len(verdicts), total=len(ids)))
            await asyncio.sleep(0.01)
        return Analysis(verdicts, [], Enrichment())


def state(app: DepviewApp) -> tuple[int, int, int]:
    tree = app.main_screen.dep_tree
    node = tree.cursor_node
    return (tree.cursor_line, node.id if node is not None else -1, len(tree._tree_lines))


def send_key(app: DepviewApp, key: str) -> None:
    driver = app._driver
    assert driver is not None
    char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)
    driver.send_message(event)


async def start_to_interactive(
    graph: DependencyGraph, lockfile: Path, tmp: Path
) -> dict[str, float]:
    frames = Frames()
    t0 = time.perf_counter()
    app = make_app(
        graph,
        lockfile,
        Settings(as_of=AS_OF),
        analyzer=StreamingStub(1.0, 1),
        triage_file=tmp / "triage.toml",
    )
    t_made = time.perf_counter()
    frames.install(app)
    async with app.run_test(size=(120, 40)):
        while not frames.times:
            await asyncio.sleep(0.001)
        t_frame = frames.times[0]
        before = state(app)
        t_key = time.perf_counter()
        frames.waiting.append((t_key, lambda: state(app) != before, "down"))
        send_key(app, "down")
        while not frames.latencies:
            await asyncio.sleep(0.001)
        t_interactive = t_key + frames.latencies[0]
        nodes = len(app.main_screen.dep_tree._tree_nodes)
        await app.workers.wait_for_complete()
    return {
        "make_app": t_made - t0,
        "first_frame": t_frame - t0,
        "interactive": t_interactive - t0,
        "nodes_built": float(nodes),
    }


async def baseline_first_frame() -> float:
    """A bare Textual app (one Static) from construction to its first frame: the floor."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("hello")

    frames = Frames()
    t0 = time.perf_counter()
    app = Bare()
    frames.install(app)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 40)):
        while not frames.times:
            await asyncio.sleep(0.001)
    return frames.times[0] - t0


def cpu_calibration() -> float:
    """Seconds for a fixed pure-Python loop (about 0.15-0.25 s on an idle modern core)."""
    t = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - t


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


async def measure_keys(
    app: Any,
    probe: Callable[[], object],
    frames: Frames,
    keys: list[str],
    interval: float,
) -> dict[str, Any]:
    """Send ``keys`` every ``interval`` s and time each to the first frame after its action.

    Every key in the plan is bound to an action. When the action has run, the key
    is "done": if it changed the state (``probe()``), its latency is measured to the
    next frame; if not (e.g. "left" on a collapsed top-level row), it is counted as
    a no-op instead of being charged for whatever repaint comes next.
    """
    from collections import deque

    sent: deque[tuple[float, object, str]] = deque()
    noops = [0]
    original = app._dispatch_action

    async def dispatch(namespace: Any, action_name: str, params: Any) -> bool:
        result: bool = await original(namespace, action_name, params)
        if sent:
            started, before, key = sent.popleft()
            if probe() != before:
                frames.waiting.append((started, lambda: True, key))
            else:
                noops[0] += 1
        return result

    while not frames.times:
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.3)  # let the first layout and footer settle
    frames.latencies.clear()
    frames.by_key.clear()
    app._dispatch_action = dispatch
    for key in keys:
        sent.append((time.perf_counter(), probe(), key))
        send_key(app, key)
        await asyncio.sleep(interval)
    await asyncio.sleep(0.5)
    app._dispatch_action = original
    ms = [x * 1000 for x in frames.latencies]
    return {
        "measured": len(ms),
        "no_op_keys": noops[0],
        "unanswered": len(sent) + len(frames.waiting),
        "p50_ms": round(statistics.median(ms), 1) if ms else float("nan"),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "max_ms": round(max(ms), 1) if ms else float("nan"),
        "p95_ms_by_key": {
            k: round(percentile([x * 1000 for x in v], 0.95), 1)
            for k, v in sorted(frames.by_key.items())
        },
    }


def key_plan(n_keys: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    plan = ["down"] * 6 + ["up"] * 2 + ["right", "left", "n", "p", "pagedown"]
    return [rng.choice(plan) for _ in range(n_keys)]


async def keys_while_streaming(
    graph: DependencyGraph, lockfile: Path, tmp: Path, n_keys: int, seed: int, interval: float
) -> dict[str, Any]:
    frames = Frames()
    stub = StreamingStub(seconds=n_keys * interval + 1.5, seed=seed)
    app = make_app(
        graph, lockfile, Settings(as_of=AS_OF), analyzer=stub, triage_file=tmp / "t.toml"
    )
    frames.install(app)
    async with app.run_test(size=(120, 40)):
        result = await measure_keys(
            app, lambda: state(app), frames, key_plan(n_keys, seed), interval
        )
        result["still_streaming_at_end"] = not app.session.finished
        result["frames"] = len(frames.times)
        await app.workers.wait_for_complete()
    return result


async def bare_tree_keys(n_keys: int, seed: int, interval: float) -> dict[str, Any]:
    """The same keys against a plain Textual Tree (200 rows, footer): Textual's own floor."""
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Static, Tree

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("header")
            tree: Tree[None] = Tree("root")
            tree.show_root = False
            for i in range(200):
                node = tree.root.add(f"package-{i:04d} 1.0.{i}")
                for j in range(5):
                    node.add_leaf(f"dep-{i}-{j} 2.0.{j}")
            yield tree
            yield Footer()

    frames = Frames()
    app = Bare()
    frames.install(app)  # type: ignore[arg-type]
    swap = {"right": "space", "left": "space"}  # the bare Tree binds space, not arrows
    plan = [swap.get(k, k) for k in key_plan(n_keys, seed) if k not in ("n", "p")]
    async with app.run_test(size=(120, 40)):
        tree = app.query_one(Tree)
        tree.focus()

        def probe() -> object:
            return (tree.cursor_line, len(tree._tree_lines))

        return await measure_keys(app, probe, frames, plan, interval)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=5000)
    parser.add_argument("--keys", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        manifest, lock = synthetic_lockfile(args.packages, args.seed)
        (tmp / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
        lockfile = tmp / "package-lock.json"
        lockfile.write_text(json.dumps(lock, indent=2), encoding="utf-8")
        t = time.perf_counter()
        graph = load(lockfile)
        t_load = time.perf_counter() - t
        gc.freeze()  # as run_app does once the graph is loaded
        calibration = cpu_calibration()
        bare = asyncio.run(baseline_first_frame())
        start = asyncio.run(start_to_interactive(graph, lockfile, tmp))
        keys = asyncio.run(keys_while_streaming(graph, lockfile, tmp, args.keys, args.seed, 0.1))
        repeat = asyncio.run(keys_while_streaming(graph, lockfile, tmp, args.keys, args.seed, 0.03))
        bare_keys = asyncio.run(bare_tree_keys(args.keys, args.seed, 0.1))
    figures = {
        "cpu_calibration_s": round(calibration, 3),
        "bare_textual_first_frame_s": round(bare, 3),
        "packages": len(list(graph.dependencies())),
        "direct": len(graph.direct()),
        "lockfile_load_s": round(t_load, 3),
        **{f"start_{k}_s": round(v, 3) for k, v in start.items() if k != "nodes_built"},
        "nodes_built_at_start": int(start["nodes_built"]),
        "typing_10_keys_per_s": keys,
        "key_repeat_33_keys_per_s": repeat,
        "bare_textual_tree_10_keys_per_s": bare_keys,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        if isinstance(value, dict):
            print(key)
            for sub, val in value.items():
                print(f"  {sub.ljust(width - 2)}  {val}")
        else:
            print(f"{key.ljust(width)}  {value}")
    ok_start = start["interactive"] <= 0.5
    ok_keys = keys["p95_ms"] <= 100
    print(
        f"\ninteractive {start['interactive'] * 1000:.0f} ms (target 500: {'ok' if ok_start else 'MISSED'}); "
        f"key-to-repaint p95 {keys['p95_ms']:.0f} ms at 10 keys/s while streaming "
        f"(target 100: {'ok' if ok_keys else 'MISSED'}); {repeat['p95_ms']:.0f} ms at 33 keys/s; "
        f"bare Textual tree {bare_keys['p95_ms']:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
