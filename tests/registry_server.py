"""A loopback registry for tests and benchmarks: npm, PyPI and OSV over real HTTP.

``RegistryServer(snapshot_dir)`` serves a snapshot directory (the contract's
layout) through the real APIs on 127.0.0.1 (or another loopback address) in a
background thread:

- npm    ``GET /<name>``, ``GET /@scope%2fname`` (also ``/@scope/name``)
- PyPI   ``GET /pypi/<name>/json``, ``GET /simple/<name>/``,
         ``GET /integrity/<name>/<version>/<filename>/provenance``
- OSV    ``POST /v1/querybatch`` (matched locally, optional paging), ``GET /v1/vulns/<id>``

Every answer has a strong ``ETag`` and a ``Last-Modified``; conditional requests
get ``304``. Requests are counted per path, ``Authorization`` headers are kept
for inspection, latency can be added, and faults injected with a seeded RNG::

    with RegistryServer(snap, latency=0.02) as server:
        server.add_fault(Fault("500", path="/axios", times=2))
        ... point depview at server.url ...
        assert server.count("/axios") == 3

Fault kinds: ``500`` (any 5xx via ``status``), ``429`` (+ ``retry_after``),
``stall`` (no answer for ``stall`` seconds), ``reset`` (TCP reset),
``truncate`` (half the body, full Content-Length), ``invalid-json``, ``404``,
``drip`` (the body a few bytes at a time, ``drip_delay`` apart), ``redirect``
(301 to ``location``).
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from depview.model import normalize_name
from depview.sources.osv import AdvisoryIndex, normalize_ecosystem

__all__ = ["Fault", "RegistryServer"]

LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)


@dataclass(slots=True)
class Fault:
    """One injected failure. ``path`` is a substring of the decoded request path (None: any)."""

    kind: str
    path: str | None = None
    times: int | None = 1  # None: every matching request
    probability: float = 1.0
    status: int = 500
    retry_after: str = "1"
    stall: float = 5.0
    drip_delay: float = 0.05
    drip_size: int = 16
    location: str = "/"  # for "redirect"
    method: str | None = None
    hits: int = 0

    def wants(self, method: str, path: str, rng: random.Random) -> bool:
        if self.method is not None and method != self.method:
            return False
        if self.path is not None and self.path not in path:
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        if self.probability < 1.0 and rng.random() >= self.probability:
            return False
        self.hits += 1
        return True


@dataclass(slots=True)
class _State:
    root: Path | None
    documents: dict[str, bytes]
    latency: float
    rng: random.Random
    osv_page_size: int | None
    faults: list[Fault] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    auth: list[tuple[str, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    osv_index: AdvisoryIndex | None = None
    osv_modified: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle + delayed ACK
    # add ~40 ms to every response.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    # ------------------------------------------------------------------ plumbing

    @property
    def state(self) -> _State:
        return self.server.state

    def _path(self) -> str:
        return unquote(urlsplit(self.path).path)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        path = self._path()
        state = self.state
        with state.lock:
            state.counts[path] += 1
            state.auth.append((path, self.headers.get("Authorization")))
            fault = next((f for f in state.faults if f.wants(method, path, state.rng)), None)
        body_in = b""
        length = self.headers.get("Content-Length")
        if length and length.isdigit():
            body_in = self.rfile.read(int(length))
        if state.latency:
            time.sleep(state.latency)
        self._method, self._logged_path = method, path
        status, body = self._route(method, path, body_in)
        if fault is not None and self._fault(fault, body):
            return
        if status == 200:
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            if self.headers.get("If-None-Match") == etag or (
                self.headers.get("If-None-Match") is None
                and self.headers.get("If-Modified-Since") == LAST_MODIFIED
            ):
                self._send(304, b"", {"ETag": etag, "Last-Modified": LAST_MODIFIED})
                return
            self._send(200, body, {"ETag": etag, "Last-Modified": LAST_MODIFIED})
            return
        self._send(status, body)

    def _send(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        with self.state.lock:
            self.state.log.append((self._method, self._logged_path, status))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _fault(self, fault: Fault, body: bytes) -> bool:
        kind = fault.kind
        if kind == "500":
            self._send(fault.status, b'{"error":"injected"}')
        elif kind == "429":
            self._send(429, b'{"error":"slow down"}', {"Retry-After": fault.retry_after})
        elif kind == "404":
            self._send(404, b'{"error":"Not found"}')
        elif kind == "redirect":
            self._send(301, b"", {"Location": fault.location})
        elif kind == "invalid-json":
            self._send(200, body[: max(1, len(body) // 2)] + b"<html>oops")
        elif kind in ("stall", "reset", "truncate", "drip"):
            with self.state.lock:
                self.state.log.append((self._method, self._logged_path, -1))  # no proper answer
            self._raw_fault(fault, body)
        else:
            return False
        return True

    def _raw_fault(self, fault: Fault, body: bytes) -> None:
        kind = fault.kind
        if kind == "stall":
            time.sleep(fault.stall)
            self.close_connection = True
        elif kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
        elif kind == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif kind == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for start in range(0, len(body), fault.drip_size):
                    self.wfile.write(body[start : start + fault.drip_size])
                    self.wfile.flush()
                    time.sleep(fault.drip_delay)
            except OSError:
                pass
            self.close_connection = True

    # ------------------------------------------------------------------ routes

    def _file(self, *parts: str) -> bytes | None:
        key = "/".join(parts)
        if key in self.state.documents:
            return self.state.documents[key]
        root = self.state.root
        if root is None or any(p in ("", ".", "..") or "\\" in p for p in key.split("/")):
            return None
        path = root.joinpath(*key.split("/"))
        try:
            return path.read_bytes() if path.is_file() else None
        except OSError:
            return None

    def _route(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        """(status, body) for a request, before any fault or conditional handling."""
        missing = (404, b'{"error":"Not found"}')
        parts = [p for p in path.split("/") if p]
        if method == "POST":
            if path == "/v1/querybatch":
                return self._querybatch(body)
            return (405, b"{}")
        if not parts:
            return missing
        if parts[0] == "pypi" and len(parts) == 3 and parts[2] == "json":
            found = self._file("pypi", normalize_name("pypi", parts[1]) + ".json")
        elif parts[0] == "simple" and len(parts) == 2:
            found = self._file("pypi-simple", normalize_name("pypi", parts[1]) + ".json")
        elif parts[0] == "integrity" and len(parts) == 5 and parts[4] == "provenance":
            name = normalize_name("pypi", parts[1])
            found = self._file("pypi-provenance", name, parts[2], parts[3] + ".json")
        elif parts[0] == "v1" and len(parts) == 3 and parts[1] == "vulns":
            found = self._file("osv", parts[2] + ".json")
        elif parts[0].startswith("@") and len(parts) == 2:
            found = self._file("npm", parts[0], parts[1] + ".json")
        elif len(parts) == 1:
            found = self._file("npm", parts[0] + ".json")
        else:
            found = None
        return (200, found) if found is not None else missing

    def _osv(self) -> AdvisoryIndex:
        state = self.state
        with state.lock:
            if state.osv_index is None:
                index = AdvisoryIndex()
                for raw in _osv_documents(state):
                    try:
                        doc = json.loads(raw)
                    except ValueError:
                        continue
                    if isinstance(doc, dict) and isinstance(doc.get("id"), str):
                        index.add_document(doc)
                        state.osv_modified[doc["id"]] = str(doc.get("modified", ""))
                state.osv_index = index
            return state.osv_index

    def _querybatch(self, body: bytes) -> tuple[int, bytes]:
        try:
            request = json.loads(body)
            queries = request["queries"]
            assert isinstance(queries, list)
        except (ValueError, KeyError, AssertionError, TypeError):
            return (400, b'{"code":3,"message":"Invalid query."}')
        if len(queries) > 1000:
            return (400, b'{"code":3,"message":"Too many queries."}')
        index = self._osv()
        page = self.state.osv_page_size
        results = []
        for query in queries:
            package = query.get("package", {})
            ecosystem = normalize_ecosystem(package.get("ecosystem")) or ""
            name = package.get("name", "")
            version = query.get("version", "")
            hits = index.lookup(ecosystem, name, version)
            ids = sorted({a.id for a in hits})
            offset = int(query.get("page_token") or 0)
            chosen = ids[offset : offset + page] if page else ids
            item: dict[str, Any] = {}
            if chosen:
                item["vulns"] = [
                    {"id": i, "modified": self.state.osv_modified.get(i, "")} for i in chosen
                ]
            if page and offset + page < len(ids):
                item["next_page_token"] = str(offset + page)
            results.append(item)
        return (200, json.dumps({"results": results}).encode())


def _osv_documents(state: _State) -> Iterator[bytes]:
    for key, body in state.documents.items():
        if key.startswith("osv/"):
            yield body
    if state.root is not None and (state.root / "osv").is_dir():
        for file in sorted((state.root / "osv").glob("*.json")):
            yield file.read_bytes()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: _State) -> None:
        self.state = state
        super().__init__(address, _Handler)


class RegistryServer:
    """A loopback npm + PyPI + OSV server over a snapshot directory (see module docstring)."""

    def __init__(
        self,
        snapshot: Path | None = None,
        host: str = "127.0.0.1",
        *,
        latency: float = 0.0,
        seed: int = 0,
        documents: Mapping[str, bytes] | None = None,
        osv_page_size: int | None = None,
    ) -> None:
        self.host = host
        self.state = _State(
            root=Path(snapshot) if snapshot is not None else None,
            documents=dict(documents or {}),
            latency=latency,
            rng=random.Random(seed),
            osv_page_size=osv_page_size,
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> RegistryServer:
        self._server = _Server((self.host, 0), self.state)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> RegistryServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ control

    def add_fault(self, fault: Fault) -> Fault:
        with self.state.lock:
            self.state.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.faults.clear()

    def put(self, key: str, body: bytes | Mapping[str, Any]) -> None:
        """Serve ``body`` as the snapshot file ``key`` (e.g. ``npm/left-pad.json``)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        with self.state.lock:
            self.state.documents[key] = raw
            if key.startswith("osv/"):
                self.state.osv_index = None

    def set_latency(self, seconds: float) -> None:
        self.state.latency = seconds

    # ------------------------------------------------------------------ inspection

    def count(self, path: str | None = None) -> int:
        """Requests seen for exactly ``path`` (decoded), or in total."""
        with self.state.lock:
            if path is None:
                return sum(self.state.counts.values())
            return self.state.counts[path]

    @property
    def counts(self) -> Counter[str]:
        with self.state.lock:
            return Counter(self.state.counts)

    @property
    def log(self) -> list[tuple[str, str, int]]:
        with self.state.lock:
            return list(self.state.log)

    @property
    def authorizations(self) -> list[tuple[str, str | None]]:
        with self.state.lock:
            return list(self.state.auth)

    def reset_counts(self) -> None:
        with self.state.lock:
            self.state.counts.clear()
            self.state.log.clear()
            self.state.auth.clear()


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.registry_server SNAPSHOT [--host H] [--latency S]``: serve until killed.

    Prints the base URL on the first line of stdout (for benchmarks that want the
    server in its own process).
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = RegistryServer(args.snapshot, args.host, latency=args.latency).start()
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
