"""A hostile loopback registry: it answers every name, whatever it is, and names OSV ids of its own.

``EchoRegistry`` serves, for ``GET /<anything>``, a packument whose ``name`` is
the decoded path (``../../x``, ``/etc/passwd``, ``..\\x`` ...), so a client that
records what it fetched (``--record``) is offered a document for every
path-traversal name; ``POST /v1/querybatch`` answers every query with the ids in
``osv_ids`` (traversal ids among them) and ``GET /v1/vulns/<id>`` an OSV record
with that id, or ``vuln_status`` when it is not 200.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["EchoRegistry"]

DEFAULT_OSV_IDS = (
    "../../../../escaped-osv",
    "/tmp/absolute-osv",
    "..\\windows-osv",
    "GHSA-good-0000-0001",
)


def packument(name: str) -> dict[str, Any]:
    return {
        "_id": name,
        "name": name,
        "dist-tags": {"latest": "1.0.0"},
        "versions": {
            "1.0.0": {
                "name": name,
                "version": "1.0.0",
                "_npmUser": {"name": "someone", "email": "someone@example.test"},
                "scripts": {"postinstall": "node x.js"},
                "dist": {"tarball": "https://example.invalid/x.tgz"},
            }
        },
        "time": {"created": "2025-01-01T00:00:00Z", "1.0.0": "2025-01-01T00:00:00Z"},
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, doc: Any) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        raw = urlsplit(self.path).path
        with self.server.lock:
            self.server.paths.append(raw)
        path = unquote(raw)
        if path.startswith("/v1/vulns/"):
            ident = path[len("/v1/vulns/") :]
            if self.server.vuln_status != 200:
                self._send(self.server.vuln_status, {"error": "no"})
                return
            self._send(
                200,
                {
                    "id": ident,
                    "modified": "2026-01-01T00:00:00Z",
                    "published": "2026-01-01T00:00:00Z",
                    "summary": "echo",
                    "affected": [{"package": {"ecosystem": "npm", "name": "nothing-at-all"}}],
                },
            )
            return
        self._send(200, packument(path.lstrip("/") or "."))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        queries = request.get("queries", [])
        vulns = [{"id": i, "modified": "2026-01-01T00:00:00Z"} for i in self.server.osv_ids]
        self._send(200, {"results": [{"vulns": vulns} for _ in queries]})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, osv_ids: Iterable[str], vuln_status: int) -> None:
        self.lock = threading.Lock()
        self.paths: list[str] = []
        self.osv_ids = tuple(osv_ids)
        self.vuln_status = vuln_status
        super().__init__((host, 0), _Handler)


class EchoRegistry:
    def __init__(
        self,
        host: str = "127.0.0.1",
        osv_ids: Iterable[str] = DEFAULT_OSV_IDS,
        vuln_status: int = 200,
    ) -> None:
        self._server = _Server(host, osv_ids, vuln_status)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> EchoRegistry:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def paths(self) -> list[str]:
        with self._server.lock:
            return list(self._server.paths)
