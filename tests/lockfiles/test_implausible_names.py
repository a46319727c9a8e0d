"""Implausible packages (a name over 214 characters, a version over 1024) are refused
by every reader: left out with one short warning, their dependencies kept."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from depview.lockfiles import load
from depview.lockfiles._common import MAX_NAME_LENGTH, implausible
from depview.model import PackageId


def lockfiles(big: str, child: str = "child") -> dict[str, tuple[str, str, dict[str, str]]]:
    """format -> (file name, text, extra files)."""
    manifest = json.dumps(
        {"name": "proj", "version": "1.0.0", "dependencies": {big: "^1.0.0", "ok": "^1.0.0"}}
    )
    out = {}
    out["npm-v3"] = (
        "package-lock.json",
        json.dumps(
            {
                "name": "proj",
                "version": "1.0.0",
                "lockfileVersion": 3,
                "packages": {
                    "": {
                        "name": "proj",
                        "version": "1.0.0",
                        "dependencies": {big: "1.0.0", "ok": "1.0.0"},
                    },
                    f"node_modules/{big}": {"version": "1.0.0", "dependencies": {child: "1.0.0"}},
                    f"node_modules/{child}": {"version": "1.0.0"},
                    "node_modules/ok": {"version": "1.0.0"},
                },
            }
        ),
        {},
    )
    out["npm-v1"] = (
        "package-lock.json",
        json.dumps(
            {
                "name": "proj",
                "version": "1.0.0",
                "lockfileVersion": 1,
                "dependencies": {
                    big: {"version": "1.0.0", "requires": {child: "1.0.0"}},
                    child: {"version": "1.0.0"},
                    "ok": {"version": "1.0.0"},
                },
            }
        ),
        {},
    )
    out["yarn-v1"] = (
        "yarn.lock",
        f'''# yarn lockfile v1


"{big}@^1.0.0":
  version "1.0.0"
  resolved "https://registry.yarnpkg.com/x/-/x-1.0.0.tgz"
  dependencies:
    {child} "^1.0.0"

{child}@^1.0.0:
  version "1.0.0"
  resolved "https://registry.yarnpkg.com/child/-/child-1.0.0.tgz"

ok@^1.0.0:
  version "1.0.0"
  resolved "https://registry.yarnpkg.com/ok/-/ok-1.0.0.tgz"
''',
        {"package.json": manifest},
    )
    out["yarn-berry"] = (
        "yarn.lock",
        f'''__metadata:
  version: 6
  cacheKey: 8

"{big}@npm:^1.0.0":
  version: 1.0.0
  resolution: "{big}@npm:1.0.0"
  dependencies:
    {child}: ^1.0.0
  checksum: abc
  languageName: node
  linkType: hard

"{child}@npm:^1.0.0":
  version: 1.0.0
  resolution: "{child}@npm:1.0.0"
  checksum: abc
  languageName: node
  linkType: hard

"ok@npm:^1.0.0":
  version: 1.0.0
  resolution: "ok@npm:1.0.0"
  checksum: abc
  languageName: node
  linkType: hard

"proj@workspace:.":
  version: 0.0.0-use.local
  resolution: "proj@workspace:."
  dependencies:
    {big}: ^1.0.0
    ok: ^1.0.0
  languageName: unknown
  linkType: soft
''',
        {"package.json": manifest},
    )
    out["pnpm-v9"] = (
        "pnpm-lock.yaml",
        f"""lockfileVersion: '9.0'

importers:
  .:
    dependencies:
      {big}:
        specifier: ^1.0.0
        version: 1.0.0
      ok:
        specifier: ^1.0.0
        version: 1.0.0

packages:
  {big}@1.0.0:
    resolution: {{integrity: sha512-abc}}
  {child}@1.0.0:
    resolution: {{integrity: sha512-abc}}
  ok@1.0.0:
    resolution: {{integrity: sha512-abc}}

snapshots:
  {big}@1.0.0:
    dependencies:
      {child}: 1.0.0
  {child}@1.0.0: {{}}
  ok@1.0.0: {{}}
""",
        {},
    )
    out["uv"] = (
        "uv.lock",
        f'''version = 1
requires-python = ">=3.11"

[[package]]
name = "{big}"
version = "1.0.0"
source = {{ registry = "https://pypi.org/simple" }}
dependencies = [{{ name = "{child}" }}]

[[package]]
name = "{child}"
version = "1.0.0"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "ok"
version = "1.0.0"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "proj"
version = "1.0.0"
source = {{ virtual = "." }}
dependencies = [{{ name = "{big}" }}, {{ name = "ok" }}]
''',
        {},
    )
    out["poetry"] = (
        "poetry.lock",
        f'''[[package]]
name = "{big}"
version = "1.0.0"
description = ""
optional = false
python-versions = "*"
files = []

[package.dependencies]
{child} = "*"

[[package]]
name = "{child}"
version = "1.0.0"
description = ""
optional = false
python-versions = "*"
files = []

[[package]]
name = "ok"
version = "1.0.0"
description = ""
optional = false
python-versions = "*"
files = []

[metadata]
lock-version = "2.0"
python-versions = "*"
content-hash = "abc"
''',
        {},
    )
    out["pipfile"] = (
        "Pipfile.lock",
        json.dumps(
            {
                "_meta": {
                    "hash": {"sha256": "abc"},
                    "pipfile-spec": 6,
                    "requires": {},
                    "sources": [],
                },
                "default": {
                    big: {"version": "==1.0.0"},
                    child: {"version": "==1.0.0"},
                    "ok": {"version": "==1.0.0"},
                },
                "develop": {},
            }
        ),
        {},
    )
    out["requirements"] = ("requirements.txt", f"{big}==1.0.0\n{child}==1.0.0\nok==1.0.0\n", {})
    out["pylock"] = (
        "pylock.toml",
        f'''lock-version = "1.0"
created-by = "test"

[[packages]]
name = "{big}"
version = "1.0.0"
dependencies = [{{ name = "{child}" }}]

[[packages]]
name = "{child}"
version = "1.0.0"

[[packages]]
name = "ok"
version = "1.0.0"
''',
        {},
    )
    return out


FORMATS = sorted(lockfiles("x"))


def write(tmp_path: Path, fmt: str, big: str) -> Path:
    name, text, extra = lockfiles(big)[fmt]
    for rel, content in extra.items():
        (tmp_path / rel).write_text(content, encoding="utf-8")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_name_over_the_limit_is_skipped_with_a_warning(tmp_path: Path, fmt: str) -> None:
    big = "b" * (MAX_NAME_LENGTH + 1)
    graph = load(write(tmp_path, fmt, big))
    names = {p.name for p in graph.dependencies()}
    assert names == {"child", "ok"}
    assert not any(big in str(e.child) for es in graph.edges.values() for e in es)
    # what it depended on is still reachable from the project
    reachable = {graph.root}
    todo = [graph.root]
    while todo:
        for edge in graph.children(todo.pop()):
            if edge.child not in reachable:
                reachable.add(edge.child)
                todo.append(edge.child)
    assert {p.name for p in reachable} >= {"child", "ok"}
    [warning] = graph.warnings
    assert f"{'b' * 60}…({MAX_NAME_LENGTH + 1} chars)@1.0.0" in warning
    assert f"the name is {MAX_NAME_LENGTH + 1} characters long" in warning
    assert str(graph.path) in warning


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_name_at_the_limit_is_kept(tmp_path: Path, fmt: str) -> None:
    big = "b" * MAX_NAME_LENGTH
    graph = load(write(tmp_path, fmt, big))
    assert {p.name for p in graph.dependencies()} == {big, "child", "ok"}
    assert not graph.warnings


@pytest.mark.parametrize("fmt", ["npm-v3", "yarn-berry", "uv", "requirements"])
def test_a_megabyte_name_costs_little_and_its_warning_is_short(tmp_path: Path, fmt: str) -> None:
    big = "big-" + "N" * 1_000_000
    started = time.perf_counter()
    graph = load(write(tmp_path, fmt, big))
    assert time.perf_counter() - started < 10  # a hang guard: linear work on 1 MB
    assert max(len(p.name) for p in graph.packages) <= MAX_NAME_LENGTH
    [warning] = graph.warnings
    assert len(warning) < len(str(graph.path)) + 200
    assert "…(1000004 chars)" in warning


def test_a_long_version_is_refused_too(tmp_path: Path) -> None:
    version = "1.0.0-" + "x" * 2000
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "p", "dependencies": {"a": "*"}},
            "node_modules/a": {"version": version},
        },
    }
    path = tmp_path / "package-lock.json"
    path.write_text(json.dumps(lock), encoding="utf-8")
    graph = load(path)
    assert list(graph.dependencies()) == []
    [warning] = graph.warnings
    assert "the version is 2006 characters long" in warning and len(warning) < 300


def test_the_project_itself_is_never_refused(tmp_path: Path) -> None:
    name = "p" * 300
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {"name": name, "dependencies": {"a": "*"}},
            "node_modules/a": {"version": "1.0.0"},
        },
    }
    (tmp_path / "package.json").write_text(json.dumps({"name": name}), encoding="utf-8")
    path = tmp_path / "package-lock.json"
    path.write_text(json.dumps(lock), encoding="utf-8")
    graph = load(path)
    assert graph.root.name == name
    assert [str(p.id) for p in graph.dependencies()] == ["a@1.0.0"]
    assert not graph.warnings


@pytest.mark.parametrize(
    ("name", "version", "refused"),
    [
        ("a" * 214, "1.0.0", False),
        ("a" * 215, "1.0.0", True),
        ("a", "1" * 1024, False),
        ("a", "1" * 1025, True),
    ],
)
def test_implausible(name: str, version: str, refused: bool) -> None:
    assert (implausible(PackageId("npm", name, version)) is not None) is refused
    assert (implausible(PackageId("pypi", name, version)) is not None) is refused
