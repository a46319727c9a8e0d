"""Seeded fault plans for the network chaos tests (and ``bench/run.py``'s chaos row).

A plan picks packages of a replay's lockfile and gives each a fault of
``tests/registry_server.py``: persistent ones (the package must end up
``metadata-unavailable``) and transient ones (one bad answer, then good: the
verdict must equal the clean run's). Names are chosen so that the server's
substring match on the request path hits exactly one package.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.registry_server import Fault

__all__ = ["ChaosPlan", "REPLAY", "TIMEOUTS", "copy_project", "make_plan", "replay_dir"]

ROOT = Path(__file__).resolve().parents[2]
REPLAY = ROOT / "tests" / "data" / "replays" / "axios-2026-live"
DEMO = ROOT / "depview" / "data" / "demo"
#: Written to the project's .depview.toml for the chaos runs (seconds).
TIMEOUTS = {"connect_timeout": 1.0, "read_timeout": 1.0, "deadline": 30.0, "retries": 2}
ATTEMPT_LIMIT = TIMEOUTS["connect_timeout"] + 2 * TIMEOUTS["read_timeout"]


def replay_dir() -> tuple[Path, Path, str]:
    """(project dir, snapshot dir, as-of) of the replay the chaos runs serve."""
    if (REPLAY / "snapshot").is_dir():
        expected = json.loads((REPLAY / "expected.json").read_text(encoding="utf-8"))
        return REPLAY / "project", REPLAY / "snapshot", str(expected["as_of"])
    expected = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))
    return DEMO / "project", DEMO / "snapshot", str(expected["as_of"])


def copy_project(target: Path, settings: dict[str, Any] | None = None) -> Path:
    project, _, _ = replay_dir()
    shutil.copytree(project, target)
    values = {**TIMEOUTS, **(settings or {})}
    (target / ".depview.toml").write_text(
        "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()), encoding="utf-8"
    )
    return target


@dataclass(slots=True)
class ChaosPlan:
    faults: list[Fault] = field(default_factory=list)
    persistent: dict[str, str] = field(default_factory=dict)  # name -> fault kind
    transient: dict[str, str] = field(default_factory=dict)
    retry_after_wait: float = 0.0  # seconds of Retry-After the client is asked to honour

    def add(self, name: str, fault: Fault) -> None:
        self.faults.append(fault)
        (self.transient if fault.times is not None else self.persistent)[name] = fault.kind


def _unique_names(names: Iterable[str]) -> list[str]:
    """Names whose request path is a substring of no other name's request path."""
    paths = sorted({"/" + n for n in names})
    return [p[1:] for p in paths if sum(p in other for other in paths) == 1]


def make_plan(
    snapshot: Path, names: Iterable[str], seed: int, *, avoid: Iterable[str] = ()
) -> ChaosPlan:
    """Faults on packages of ``names`` that have a packument in ``snapshot``."""
    rng = random.Random(seed)
    avoid_set = set(avoid)
    sizes = {}
    for name in _unique_names(names):
        file = snapshot / "npm" / f"{name}.json"
        if name not in avoid_set and file.is_file():
            sizes[name] = file.stat().st_size
    pool = sorted(sizes)
    rng.shuffle(pool)
    big = [n for n in pool if sizes[n] >= 20_000]
    plan = ChaosPlan()

    def take(candidates: list[str]) -> str:
        name = next(n for n in candidates if n not in plan.persistent and n not in plan.transient)
        return name

    def p(name: str) -> str:
        return "/" + name

    # persistent: these packages must come out metadata-unavailable
    for kind in ("500", "500", "reset", "stall", "truncate", "invalid-json"):
        name = take(pool)
        plan.add(name, Fault(kind, path=p(name), times=None, stall=3 * TIMEOUTS["read_timeout"]))
    name = take(pool)  # a Retry-After far past the deadline: give up at once, do not wait
    plan.add(name, Fault("429", path=p(name), times=None, retry_after="3600"))
    name = take(big)  # a slow drip that would take minutes: cut off by the attempt limit
    plan.add(name, Fault("drip", path=p(name), times=None, drip_size=64, drip_delay=0.25))
    # transient: one bad answer, then the real one
    for kind in ("500", "500", "reset", "truncate", "invalid-json"):
        name = take(pool)
        plan.add(name, Fault(kind, path=p(name), times=1))
    for _ in range(2):
        name = take(pool)
        plan.add(name, Fault("429", path=p(name), times=1, retry_after="1"))
        plan.retry_after_wait += 1.0
    name = take(pool)
    plan.add(name, Fault("stall", path=p(name), times=1, stall=3 * TIMEOUTS["read_timeout"]))
    name = take(pool)  # a drip that finishes inside the attempt limit
    plan.add(
        name,
        Fault("drip", path=p(name), times=1, drip_size=max(64, sizes[name] // 8), drip_delay=0.05),
    )
    # the advisory batch fails once too
    plan.faults.append(Fault("500", path="/v1/querybatch", times=1, method="POST"))
    return plan
