"""Network chaos at the CLI: ``depview scan`` against the loopback registry with seeded faults.

One clean run and one chaos run of the same replay (each with a cold cache).
The chaos run must finish within its deadline, mark exactly the persistently
failing packages ``metadata-unavailable`` and list them in ``errors``, judge
everything else as the clean run did, and take no longer than the clean run
plus the Retry-After waits the server asked for plus a few seconds.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from depview.lockfiles import load
from depview.model import DependencyGraph, PackageId
from tests.registry_server import RegistryServer
from tests.robustness.chaos import TIMEOUTS, ChaosPlan, copy_project, make_plan, replay_dir
from tests.robustness.helpers import CliRun, assert_inert, run_cli, write_project
from tests.robustness.servers import EchoRegistry

SEED = 20260331
SLACK = 5.0  # "a few seconds": scheduling, backoff jitter, the attempts cut off by the limit


@dataclass
class Runs:
    graph: DependencyGraph
    plan: ChaosPlan
    clean: CliRun
    chaos: CliRun
    clean_s: float
    chaos_s: float
    log: list[tuple[str, str, int]]

    def report(self, which: str) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(getattr(self, which).out)
        return doc


def _quiet(server: RegistryServer) -> RegistryServer:
    """Injected resets make socketserver print tracebacks to stderr: keep them out of depview's."""
    assert server._server is not None
    server._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
    return server


def _runs(tmp: Path) -> Runs:
    project = copy_project(tmp / "project")
    _, snapshot, as_of = replay_dir()
    graph = load(project)
    plan = make_plan(
        snapshot, {p.name for p in graph.dependencies()}, SEED, avoid={"axios", "plain-crypto-js"}
    )

    def scan(server: RegistryServer, cache: str) -> tuple[CliRun, float]:
        started = time.perf_counter()
        run = run_cli(
            ["scan", str(project), "--format", "json", "--as-of", as_of, "--cache-dir",
             str(tmp / cache), "--npm-registry", server.url, "--osv-url", server.url,
             "--pypi-url", server.url, "--fail-on", "critical"]
        )  # fmt: skip
        return run, time.perf_counter() - started

    server = _quiet(RegistryServer(snapshot, seed=SEED).start())
    try:
        clean, clean_s = scan(server, "cache-clean")
        server.reset_counts()
        for fault in plan.faults:
            server.add_fault(fault)
        chaos, chaos_s = scan(server, "cache-chaos")
        log = server.log
    finally:
        server.stop()
    return Runs(graph, plan, clean, chaos, clean_s, chaos_s, log)


def _chaos_run_completes_in_time(runs: Runs) -> None:
    assert runs.clean.code in (0, 1), runs.clean.err[-1000:]
    assert runs.chaos.code in (0, 1), runs.chaos.err[-1000:]
    assert runs.chaos_s < TIMEOUTS["deadline"]
    # a quarter of the clean run on top: a loaded CI box slows both runs, not the fixed waits
    budget = runs.clean_s * 1.25 + runs.plan.retry_after_wait + SLACK
    assert runs.chaos_s <= budget, (
        f"chaos {runs.chaos_s:.1f} s > clean {runs.clean_s:.1f} s + Retry-After "
        f"{runs.plan.retry_after_wait:.0f} s + {SLACK:.0f} s (+25%)"
    )


def _every_fault_was_served(runs: Runs) -> None:
    hit = {path for _method, path, _status in runs.log}
    for name in (*runs.plan.persistent, *runs.plan.transient):
        assert "/" + name in hit, name
    assert all(f.hits >= 1 for f in runs.plan.faults), [f for f in runs.plan.faults if not f.hits]


def _exactly_the_failing_packages_are_unknown(runs: Runs) -> None:
    report = runs.report("chaos")
    unknown = {p["name"] for p in report["packages"] if p["unknown"]}
    assert unknown == set(runs.plan.persistent)
    for entry in report["packages"]:
        kinds = {f["kind"] for f in entry["findings"]}
        assert ("metadata-unavailable" in kinds) == (entry["name"] in runs.plan.persistent)


def _errors_list_exactly_the_failing_packages(runs: Runs) -> None:
    report = runs.report("chaos")
    # npm purls encode '@' of a scope as %40: a literal '@' only separates the version
    listed = {e["package"].split("@")[0] for e in report["errors"] if e["package"]}
    expected = {PackageId.of("npm", name, "").purl.rstrip("@") for name in runs.plan.persistent}
    assert listed == expected
    assert all(e["source"] == "npm" and e["message"] for e in report["errors"]), report["errors"]


def _other_verdicts_equal_the_clean_run(runs: Runs) -> None:
    clean = {p["purl"]: p for p in runs.report("clean")["packages"]}
    chaos = {p["purl"]: p for p in runs.report("chaos")["packages"]}
    assert clean.keys() == chaos.keys()
    failing = set(runs.plan.persistent)
    # a package that depends on a failing one may judge that dependency differently
    # ("a name whose record could not be had"): same kinds, the level may move
    parents = {
        parent.name
        for parent, edges in runs.graph.edges.items()
        if any(e.child.name in failing for e in edges)
    }
    for purl, before in clean.items():
        after = chaos[purl]
        if after["name"] in failing:
            continue
        kinds_before = sorted(f["kind"] for f in before["findings"])
        kinds_after = sorted(f["kind"] for f in after["findings"])
        assert after["unknown"] is False, purl
        if after["name"] in parents:
            assert set(kinds_after) <= set(kinds_before) | {"new-dependency"}, purl
            continue
        assert (after["level"], kinds_after) == (before["level"], kinds_before), purl
        assert after["suggestion"] == before["suggestion"], purl


def _the_targets_are_still_caught(runs: Runs) -> None:
    report = {p["name"]: p for p in runs.report("chaos")["packages"]}
    assert report["axios"]["level"] in ("high", "critical")
    assert report["plain-crypto-js"]["level"] in ("high", "critical")


def _chaos_stderr_is_one_line_per_error(runs: Runs) -> None:
    assert "Traceback" not in runs.chaos.err
    assert_inert(runs.chaos.err, "chaos stderr")


def test_chaos_scan(tmp_path: Path) -> None:
    """One clean and one chaos run (a single test: the runs are the expensive part)."""
    runs = _runs(tmp_path)
    for check in (
        _chaos_run_completes_in_time,
        _every_fault_was_served,
        _exactly_the_failing_packages_are_unknown,
        _errors_list_exactly_the_failing_packages,
        _other_verdicts_equal_the_clean_run,
        _the_targets_are_still_caught,
        _chaos_stderr_is_one_line_per_error,
    ):
        check(runs)


def test_hostile_osv_ids_do_not_reach_the_terminal(tmp_path: Path) -> None:
    lock = write_project(
        tmp_path / "p",
        {"name": "t", "version": "1.0.0", "lockfileVersion": 3, "packages": {
            "": {"name": "t", "version": "1.0.0", "dependencies": {"ok-pkg": "1.0.0"}},
            "node_modules/ok-pkg": {"version": "1.0.0"}}},
    )  # fmt: skip
    (tmp_path / "p" / ".depview.toml").write_text("retries = 0\n")
    ids = ("\x1b]0;PWNED\x07GHSA-x", "GHSA-\x1b[31mred\u202e", "GHSA-\x9b2J")
    with EchoRegistry(osv_ids=ids, vuln_status=500) as server:
        run = run_cli(
            ["scan", str(lock), "--as-of", "2026-04-01T00:00:00Z", "--no-cache",
             "--npm-registry", server.url, "--osv-url", server.url]
        )  # fmt: skip
    assert run.code in (0, 1)
    assert_inert(run.out, "table")
    assert_inert(run.err, "stderr")
