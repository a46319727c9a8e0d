"""The constraints writer: == pins with --hash lines, the [tool.uv] snippet, real uv."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from depview.lockfiles import load
from depview.model import PackageId
from depview.remedy.model import ExportError
from depview.remedy.plan import make_plan
from depview.remedy.writers import constraints
from depview.remedy.writers.constraints import BEGIN, END, uv_snippet
from tests.remedy.helpers import AS_OF, DATA, GOLDEN, copy_project, meta, tool, verdict, vinfo

UV_LOCK = DATA / "uv-gen-app" / "uv.lock"
BAD = PackageId("pypi", "annotated-types", "0.8.0")


def _lock_hashes(name: str, version: str) -> tuple[str, ...]:
    data = tomllib.loads(UV_LOCK.read_text())
    for pkg in data["package"]:
        if pkg["name"] == name and pkg["version"] == version:
            files = [pkg["sdist"], *pkg.get("wheels", [])]
            return tuple(f["hash"] for f in files)
    raise AssertionError(f"{name}=={version} not in the fixture")


def _plan(hashes: tuple[str, ...] | None = None):  # type: ignore[no-untyped-def]
    graph = load(UV_LOCK)
    md = {
        ("pypi", "annotated-types"): meta(
            "annotated-types",
            vinfo(
                "0.7.0",
                hashes=_lock_hashes("annotated-types", "0.7.0") if hashes is None else hashes,
            ),
            vinfo("0.8.0", hashes=_lock_hashes("annotated-types", "0.8.0")),
            ecosystem="pypi",
        )
    }
    plan = make_plan(graph, {BAD: verdict(BAD, "0.7.0")}, md, as_of=AS_OF)
    return graph, plan, md


def test_constraints_pin_with_hashes_and_the_uv_snippet(tmp_path: Path) -> None:
    project = copy_project(DATA / "uv-gen-app", tmp_path / "app")
    graph, plan, md = _plan()
    (change,) = constraints.write(plan, graph, project / "uv.lock", md)
    assert change.path == project / "constraints.txt" and change.before is None
    text = change.after
    path = GOLDEN / "uv-gen-app.constraints.txt"
    if os.environ.get("DEPVIEW_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()
    lines = text.splitlines()
    pin = lines.index("annotated-types==0.7.0 \\")
    hashes = _lock_hashes("annotated-types", "0.7.0")
    assert lines[pin + 1 : pin + 1 + len(hashes)] == [
        f"    --hash={h}" + (" \\" if i < len(hashes) - 1 else "") for i, h in enumerate(hashes)
    ]
    assert "#   constraint-dependencies = [" in text and '#       "annotated-types==0.7.0",' in text
    snippet = "\n".join(uv_snippet([("annotated-types", "0.7.0")]))
    assert tomllib.loads(snippet)["tool"]["uv"]["constraint-dependencies"] == [
        "annotated-types==0.7.0"
    ]


def test_existing_constraints_keep_their_other_lines(tmp_path: Path) -> None:
    project = copy_project(DATA / "uv-gen-app", tmp_path / "app")
    existing = (
        "# team constraints\nurllib3<3\nAnnotated_Types==0.6.0 \\\n    --hash=sha256:00\n"
        f"{BEGIN}\nold==1\n{END}\nidna>=3\n"
    )
    (project / "constraints.txt").write_text(existing)
    graph, plan, md = _plan()
    (change,) = constraints.write(plan, graph, project / "uv.lock", md)
    assert change.before == existing
    assert change.after.startswith("# team constraints\nurllib3<3\nidna>=3\n" + BEGIN)
    assert "Annotated_Types" not in change.after and "old==1" not in change.after
    assert change.after.count(BEGIN) == 1


def test_no_hashes_means_a_plain_pin_and_a_note(tmp_path: Path) -> None:
    graph, plan, md = _plan(hashes=())
    (change,) = constraints.write(plan, graph, tmp_path / "uv.lock", md)
    assert "\nannotated-types==0.7.0\n" in change.after
    assert any("pinned without --hash" in n for n in change.notes)


def test_npm_graphs_are_refused() -> None:
    graph = load(DATA / "npm-ws-lv3" / "package-lock.json")
    with pytest.raises(ExportError, match="needs a Python lockfile"):
        constraints.write(
            make_plan(graph, {}, {}, as_of=AS_OF),
            graph,
            DATA / "npm-ws-lv3" / "package-lock.json",
            {},
        )


def _wheel(folder: Path, name: str, version: str) -> str:
    """A minimal valid wheel; returns its sha256."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{dist}/__init__.py": b"",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: depview-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [
        f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}"
        for p, d in files.items()
    ]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    path = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for p, d in files.items():
            zf.writestr(zipfile.ZipInfo(p, date_time=(2020, 1, 1, 0, 0, 0)), d)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_uv_pip_compile_accepts_the_constraints_and_pins(tmp_path: Path) -> None:
    uv = tool("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    good = _wheel(wheels, "annotated-types", "0.7.0")
    _wheel(wheels, "annotated-types", "0.8.0")
    graph, plan, md = _plan(hashes=(f"sha256:{good}",))
    (change,) = constraints.write(plan, graph, tmp_path / "uv.lock", md)
    (tmp_path / "constraints.depview.txt").write_text(change.after)
    (tmp_path / "req.in").write_text("annotated-types\n")
    env = dict(os.environ, UV_CACHE_DIR=str(tmp_path / "uv-cache"), UV_NO_CONFIG="1")

    def compile_(*extra: str) -> str:
        done = subprocess.run(
            [uv, "pip", "compile", "req.in", "--no-index", "--find-links", str(wheels), "--quiet",
             "--python", sys.executable, "--generate-hashes", *extra],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "annotated-types==0.8.0" in compile_()
    pinned = compile_("--constraint", "constraints.depview.txt")
    assert "annotated-types==0.7.0" in pinned
    assert f"--hash=sha256:{good}" in pinned
