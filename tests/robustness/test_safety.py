"""Safety properties: tokens stay with their host; the cache survives concurrency and corruption.

Tokens: two loopback registries (127.0.0.1 and 127.0.0.2), each with its own
token in the project's ``.npmrc``; each server must only ever see its own
token, a redirect to a third host none, and no token may appear in the cache,
a recorded snapshot, stderr or any report (the bytes are grepped).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.registry_server import Fault, RegistryServer
from tests.robustness.chaos import replay_dir
from tests.robustness.helpers import run_cli, write_project

ROOT = Path(__file__).resolve().parents[2]
TOKEN_ONE = "npm_TOKENONE0secret0111111111111111"
TOKEN_TWO = "npm_TOKENTWO0secret0222222222222222"
TOKEN_THREE = "npm_TOKENTHREE0secret03333333333333"
TOKENS = (TOKEN_ONE, TOKEN_TWO, TOKEN_THREE)
SMALL = ("axios", "follow-redirects", "form-data", "proxy-from-env", "asynckit", "combined-stream")
AS_OF = "2026-03-31T02:00:00Z"


def _small_lock(names: tuple[str, ...], extra: dict[str, str]) -> dict[str, Any]:
    """A lockfile of ``names`` at their latest version in the replay, plus ``extra`` (name: version)."""
    _, snapshot, _ = replay_dir()
    packages: dict[str, Any] = {"": {"name": "small", "version": "1.0.0", "dependencies": {}}}
    for name in names:
        doc = json.loads((snapshot / "npm" / f"{name}.json").read_text(encoding="utf-8"))
        version = doc["dist-tags"]["latest"]
        packages[""]["dependencies"][name] = version
        packages[f"node_modules/{name}"] = {"version": version}
    for name, version in extra.items():
        packages[""]["dependencies"][name] = version
        packages[f"node_modules/{name}"] = {"version": version}
    return {"name": "small", "version": "1.0.0", "lockfileVersion": 3, "packages": packages}


def _packument(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "dist-tags": {"latest": "1.0.0"},
        "versions": {
            "1.0.0": {
                "name": name,
                "version": "1.0.0",
                "dist": {"tarball": "https://x.invalid/x.tgz"},
            }
        },
        "time": {"created": "2024-01-01T00:00:00Z", "1.0.0": "2024-01-01T00:00:00Z"},
    }


class _Redirector(ThreadingHTTPServer):
    """Answers every GET with a 302 to ``target`` + path, noting the Authorization it got."""

    daemon_threads = True

    def __init__(self, host: str, target: str) -> None:
        self.target = target
        self.seen: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                outer.seen.append(self.headers.get("Authorization"))
                self.send_response(302)
                self.send_header("Location", outer.target + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()

        super().__init__((host, 0), Handler)


@pytest.fixture
def user_npmrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real user's ~/.npmrc never takes part."""
    monkeypatch.setenv("NPM_CONFIG_USERCONFIG", str(tmp_path / "no-user-npmrc"))
    monkeypatch.setenv("DEPVIEW_TEST_TOKEN_TWO", TOKEN_TWO)


@pytest.fixture
def two_hosts() -> Iterator[tuple[RegistryServer, RegistryServer, RegistryServer, _Redirector]]:
    _, snapshot, _ = replay_dir()
    one = RegistryServer(snapshot, "127.0.0.1").start()
    two = RegistryServer(
        None,
        "127.0.0.2",
        documents={
            "npm/@two/pkg.json": json.dumps(_packument("@two/pkg")).encode(),
            "npm/@two/broken.json": json.dumps(_packument("@two/broken")).encode(),
        },
    ).start()
    three = RegistryServer(
        None,
        "127.0.0.3",
        documents={"npm/@hop/pkg.json": json.dumps(_packument("@hop/pkg")).encode()},
    ).start()
    two.add_fault(Fault("500", path="/@two/broken", times=None))
    redirector = _Redirector("127.0.0.4", three.url)
    thread = threading.Thread(
        target=redirector.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield one, two, three, redirector
    finally:
        redirector.shutdown()
        redirector.server_close()
        for server in (one, two, three):
            server.stop()


def _all_bytes(*roots: Path) -> bytes:
    out = bytearray()
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file():
                out += path.read_bytes()
    return bytes(out)


def test_tokens_only_go_to_their_own_host_and_are_never_written(
    tmp_path: Path,
    user_npmrc: None,
    two_hosts: tuple[RegistryServer, RegistryServer, RegistryServer, _Redirector],
) -> None:
    one, two, three, redirector = two_hosts
    hop_base = f"http://127.0.0.4:{redirector.server_address[1]}"
    project = tmp_path / "project"
    lock = write_project(
        project,
        _small_lock(SMALL, {"@two/pkg": "1.0.0", "@two/broken": "1.0.0", "@hop/pkg": "1.0.0"}),
    )
    (project / ".npmrc").write_text(
        f"registry={one.url}/\n"
        f"@two:registry={two.url}/\n"
        f"@hop:registry={hop_base}/\n"
        f"//127.0.0.1:{one.port}/:_authToken={TOKEN_ONE}\n"
        f"//127.0.0.2:{two.port}/:_authToken=${{DEPVIEW_TEST_TOKEN_TWO}}\n"
        f"//127.0.0.4:{redirector.server_address[1]}/:_authToken={TOKEN_THREE}\n",
        encoding="utf-8",
    )
    (project / ".depview.toml").write_text("retries = 1\n", encoding="utf-8")
    cache, record = tmp_path / "cache", tmp_path / "record"
    outputs = []
    for fmt in ("json", "table", "sarif", "markdown", "cyclonedx"):
        extra = ["--record", str(record)] if fmt == "json" else []
        run = run_cli(
            ["scan", str(lock), "--format", fmt, "--as-of", AS_OF, "--cache-dir", str(cache),
             "--osv-url", one.url, "--pypi-url", one.url, "--output", str(tmp_path / f"report.{fmt}"),
             *extra]
        )  # fmt: skip
        assert run.code in (0, 1), run.err[-1000:]
        outputs.append(run.out + run.err)
    tree = run_cli(["tree", str(lock), "--risk", "--as-of", AS_OF, "--cache-dir", str(cache),
                    "--osv-url", one.url])  # fmt: skip
    outputs.append(tree.out + tree.err)

    # who saw which Authorization header
    seen_one = {auth for _path, auth in one.authorizations}
    seen_two = {auth for _path, auth in two.authorizations}
    assert f"Bearer {TOKEN_ONE}" in seen_one
    assert seen_one <= {f"Bearer {TOKEN_ONE}", None}  # None: the OSV API (no token for it)
    assert seen_two == {f"Bearer {TOKEN_TWO}"}
    assert set(redirector.seen) == {f"Bearer {TOKEN_THREE}"}
    # the redirect went to a host with no credential: no header at all there
    assert three.authorizations and {auth for _p, auth in three.authorizations} == {None}
    # the broken package is reported, without its token
    report = json.loads((tmp_path / "report.json").read_text())
    assert any("%40two/broken" in (e["package"] or "") for e in report["errors"])

    # never written anywhere, never printed
    written = _all_bytes(
        cache,
        record,
        *(tmp_path / f"report.{f}" for f in ("json", "table", "sarif", "markdown", "cyclonedx")),
    )
    assert written, "something was written"
    for token in TOKENS:
        assert token.encode() not in written, token
        assert token[-12:].encode() not in written, token
        for text in outputs:
            assert token not in text and token[-12:] not in text
    assert list(record.rglob("*.json")), "the record holds documents"


def test_token_is_never_sent_over_plain_http_to_a_remote_host(
    tmp_path: Path, user_npmrc: None
) -> None:
    from depview.sources.npmrc import NpmConfig

    config = NpmConfig.from_values(
        {
            "//registry.example.test/:_authToken": TOKEN_ONE,
            "//127.0.0.2:8080/:_authToken": TOKEN_TWO,
        }
    )
    assert config.authorization("https://registry.example.test/pkg") == f"Bearer {TOKEN_ONE}"
    assert config.authorization("http://registry.example.test/pkg") is None
    assert config.authorization("https://registry.example.test.evil.test/pkg") is None
    assert config.authorization("https://evil.test/registry.example.test/pkg") is None
    assert config.authorization("https://registry.example.test:444/pkg") is None
    assert config.authorization("http://127.0.0.2:8080/pkg") == f"Bearer {TOKEN_TWO}"
    assert config.authorization("http://127.0.0.1:8080/pkg") is None
    assert TOKEN_ONE not in repr(config) and TOKEN_TWO not in repr(config)


# -- the cache: concurrency and corruption -------------------------------------------------------------


def _scan_cmd(lock: Path, server: RegistryServer, cache: Path) -> list[str]:
    return [
        sys.executable, "-m", "depview", "scan", str(lock), "--format", "json", "--as-of", AS_OF,
        "--cache-dir", str(cache), "--npm-registry", server.url, "--osv-url", server.url,
    ]  # fmt: skip


def _verdicts(report_text: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    report = json.loads(report_text)
    return {
        p["purl"]: (p["level"], tuple(sorted(f["kind"] for f in p["findings"])))
        for p in report["packages"]
    }


@pytest.fixture(scope="module")
def cache_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _, snapshot, _ = replay_dir()
    names = sorted(p.stem for p in (snapshot / "npm").glob("*.json"))[:60]
    return write_project(
        tmp_path_factory.mktemp("cache-project"), _small_lock(("axios", *names), {})
    )


def test_cache_survives_two_concurrent_processes(tmp_path: Path, cache_project: Path) -> None:
    _, snapshot, _ = replay_dir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with RegistryServer(snapshot, latency=0.01) as server:
        reference = run_cli(_scan_cmd(cache_project, server, tmp_path / "solo")[3:])
        cache = tmp_path / "shared"
        procs = [
            subprocess.Popen(
                _scan_cmd(cache_project, server, cache),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                cwd=ROOT,
            )  # fmt: skip
            for _ in range(2)
        ]
        results = [p.communicate(timeout=120) for p in procs]
        server.reset_counts()
        warm = run_cli(_scan_cmd(cache_project, server, cache)[3:])
        warm_requests = server.count()
    expected = _verdicts(reference.out)
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode in (0, 1), err[-1000:]
        assert "cache" not in err.lower(), err[-1000:]
        assert _verdicts(out) == expected
    assert _verdicts(warm.out) == expected
    assert warm_requests <= 2, "the shared cache serves the third run (the OSV batch aside)"


def test_cache_survives_a_corrupted_database(tmp_path: Path, cache_project: Path) -> None:
    _, snapshot, _ = replay_dir()
    cache = tmp_path / "cache"
    with RegistryServer(snapshot) as server:
        first = run_cli(_scan_cmd(cache_project, server, cache)[3:])
        db = cache / "cache.db"
        assert db.is_file()
        size = db.stat().st_size
        with db.open("r+b") as fh:  # garbage over the header and into the pages
            fh.write(os.urandom(min(size, 64 * 1024)))
        second = run_cli(_scan_cmd(cache_project, server, cache)[3:])
        third = run_cli(_scan_cmd(cache_project, server, cache)[3:])
    assert first.code in (0, 1)
    assert second.code == first.code, second.err[-1000:]
    assert "Traceback" not in second.err
    assert _verdicts(second.out) == _verdicts(first.out)
    assert _verdicts(third.out) == _verdicts(first.out)
    notes = [e for e in json.loads(second.out)["errors"] if e["source"] == "cache"]
    assert len(notes) <= 1  # at most "the cache was unreadable and was rebuilt"


def test_cache_survives_garbage_entries(tmp_path: Path, cache_project: Path) -> None:
    """A readable database whose values are garbage: every bad entry is a miss, not a crash."""
    import diskcache

    _, snapshot, _ = replay_dir()
    cache = tmp_path / "cache"
    with RegistryServer(snapshot) as server:
        first = run_cli(_scan_cmd(cache_project, server, cache)[3:])
        with diskcache.Cache(str(cache)) as raw:
            keys = list(raw.iterkeys())
            assert keys
            for i, key in enumerate(keys):
                raw.set(key, [b"not zlib", 42, None, "text", {"a": 1}][i % 5])
        second = run_cli(_scan_cmd(cache_project, server, cache)[3:])
    assert second.code == first.code, second.err[-1000:]
    assert _verdicts(second.out) == _verdicts(first.out)
