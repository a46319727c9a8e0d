"""Shared helpers of the robustness tests: running the CLI, checking text is inert, big graphs."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from depview.cli import main
from tests.robustness.corpus import RAW_CONTROL, RAW_INVISIBLE

__all__ = [
    "CliRun",
    "assert_inert",
    "chain_lockfile",
    "run_cli",
    "wide_lockfile",
]


@dataclass(frozen=True, slots=True)
class CliRun:
    code: int
    out: str
    err: str


def run_cli(argv: Sequence[str]) -> CliRun:
    """``depview.cli.main(argv)`` with stdout and stderr captured (no subprocess)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return CliRun(code, out.getvalue(), err.getvalue())


def assert_inert(text: str, where: str) -> None:
    """No byte that a terminal would act on, no raw bidi control or zero-width character."""
    control = RAW_CONTROL.search(text)
    assert control is None, (
        f"{where}: raw control {control.group()!r} at {control.start()}: {text[max(0, control.start() - 60) : control.start() + 20]!r}"
    )
    invisible = RAW_INVISIBLE.search(text)
    assert invisible is None, f"{where}: raw {invisible.group()!r} at {invisible.start()}"


# -- generated lockfiles ------------------------------------------------------------------------


def chain_lockfile(depth: int, *, cycle: bool = False, version: int = 3) -> dict[str, Any]:
    """A package-lock where ``c0`` -> ``c1`` -> ... -> ``c<depth-1>`` (optionally back to ``c0``).

    Every package sits at the top level of ``node_modules`` (npm's hoisting), so the
    chain is ``depth`` edges deep in the graph but flat in the file.
    """
    names = [f"c{i}" for i in range(depth)]
    packages: dict[str, Any] = {
        "": {"name": "chain", "version": "1.0.0", "dependencies": {names[0]: "1.0.0"}}
    }
    for i, name in enumerate(names):
        entry: dict[str, Any] = {
            "version": "1.0.0",
            "resolved": f"https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz",
            "integrity": "sha512-" + "A" * 86 + "==",
        }
        if i + 1 < depth:
            entry["dependencies"] = {names[i + 1]: "1.0.0"}
        elif cycle:
            entry["dependencies"] = {names[0]: "1.0.0"}
        packages[f"node_modules/{name}"] = entry
    return {
        "name": "chain",
        "version": "1.0.0",
        "lockfileVersion": version,
        "requires": True,
        "packages": packages,
    }


def nested_chain_lockfile(depth: int) -> dict[str, Any]:
    """A package-lock v3 whose chain is nested in the file: node_modules/c0/node_modules/c1/..."""
    packages: dict[str, Any] = {
        "": {"name": "nest", "version": "1.0.0", "dependencies": {"c0": "1.0.0"}}
    }
    loc = ""
    for i in range(depth):
        loc = f"{loc}/node_modules/c{i}" if loc else f"node_modules/c{i}"
        entry: dict[str, Any] = {"version": "1.0.0"}
        if i + 1 < depth:
            entry["dependencies"] = {f"c{i + 1}": "1.0.0"}
        packages[loc] = entry
    return {"name": "nest", "version": "1.0.0", "lockfileVersion": 3, "packages": packages}


def wide_lockfile(count: int, fanout: int = 3) -> dict[str, Any]:
    """``count`` packages ``p0..``: each depends on the next ``fanout`` (a DAG, all hoisted)."""
    packages: dict[str, Any] = {
        "": {
            "name": "wide",
            "version": "1.0.0",
            "dependencies": {f"p{i}": "1.0.0" for i in range(min(count, 50))},
        }
    }
    for i in range(count):
        entry: dict[str, Any] = {
            "version": "1.0.0",
            "resolved": f"https://registry.npmjs.org/p{i}/-/p{i}-1.0.0.tgz",
            "integrity": "sha512-" + "B" * 86 + "==",
        }
        deps = {f"p{j}": "1.0.0" for j in range(i + 1, min(count, i + 1 + fanout))}
        if deps:
            entry["dependencies"] = deps
        packages[f"node_modules/p{i}"] = entry
    return {
        "name": "wide",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": packages,
    }


def write_project(folder: Path, lock: dict[str, Any]) -> Path:
    """Write ``package-lock.json`` (and a matching ``package.json``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    root = lock.get("packages", {}).get("", {})
    manifest = {k: root[k] for k in ("name", "version", "dependencies") if k in root}
    (folder / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    path = folder / "package-lock.json"
    path.write_text(json.dumps(lock), encoding="utf-8")
    return path


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_ALLOWED_TAGS = re.compile(r"</?(details|summary)>")


def markdown_prose(text: str) -> str:
    """Markdown with code spans and the report's own tags taken out: what is left is prose."""
    return _ALLOWED_TAGS.sub("", _CODE_SPAN.sub("", text))


def layered_lockfile(
    count: int, *, seed: int = 7, layers: int = 8, fanout: int = 2
) -> dict[str, Any]:
    """``count`` packages in ``layers`` layers growing towards the leaves (npm-like depth).

    Each package depends on up to ``fanout`` packages of the next layer; about 5%
    also have a nested 2.0.0 copy of one dependency (a version conflict).
    """
    import random

    rng = random.Random(seed)
    weights = [2**i for i in range(layers)]
    sizes = [max(1, count * w // sum(weights)) for w in weights]
    sizes[-1] += count - sum(sizes)
    names: list[list[str]] = []
    n = 0
    for size in sizes:
        names.append([f"l{len(names)}-{i}" for i in range(n, n + size)])
        n += size
    packages: dict[str, Any] = {
        "": {
            "name": "layered",
            "version": "1.0.0",
            "dependencies": dict.fromkeys(names[0], "^1.0.0"),
        }
    }
    # every package of a layer is a dependency of some package of the layer above
    parent_of: dict[str, str] = {}
    for depth in range(1, len(names)):
        for name in names[depth]:
            parent_of[name] = rng.choice(names[depth - 1])
    required: dict[str, list[str]] = {}
    for child, parent in parent_of.items():
        required.setdefault(parent, []).append(child)
    for depth, layer in enumerate(names):
        below = names[depth + 1] if depth + 1 < len(names) else []
        for name in layer:
            entry: dict[str, Any] = {
                "version": "1.0.0",
                "resolved": f"https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz",
                "integrity": "sha512-" + "C" * 86 + "==",
            }
            deps = dict.fromkeys(required.get(name, []), "^1.0.0")
            if below:
                deps.update({rng.choice(below): "^1.0.0" for _ in range(rng.randint(0, fanout))})
            if deps:
                entry["dependencies"] = deps
                if below and rng.random() < 0.05:
                    dep = next(iter(deps))
                    deps[dep] = "^2.0.0"
                    packages[f"node_modules/{name}/node_modules/{dep}"] = {
                        "version": "2.0.0",
                        "resolved": f"https://registry.npmjs.org/{dep}/-/{dep}-2.0.0.tgz",
                        "integrity": "sha512-" + "D" * 86 + "==",
                    }
            packages[f"node_modules/{name}"] = entry
    return {
        "name": "layered",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": packages,
    }


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Turn a hang into a failure (SIGALRM; the main thread of a POSIX process only)."""
    import signal
    import threading

    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
