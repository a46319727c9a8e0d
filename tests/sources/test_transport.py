"""The lean HTTP/1.1 transport against a real loopback server that misbehaves on purpose."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from depview.config import Settings
from depview.metadata import Unavailable
from depview.sources.http import Fetcher
from depview.sources.transport import LeanTransport

# A handler gets the parsed request (method, target, headers, body) and the writer;
# it returns False to close the connection afterwards.
Handler = Callable[[str, str, dict[str, str], bytes, asyncio.StreamWriter], Awaitable[bool]]


@dataclass
class Server:
    url: str = ""
    connections: int = 0
    open_now: int = 0
    most_open: int = 0
    requests: list[str] = field(default_factory=list)


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return method, target, headers, body


@asynccontextmanager
async def serve(handler: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[Server]:
    state = Server()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        state.open_now += 1
        state.most_open = max(state.most_open, state.open_now)
        try:
            while True:
                try:
                    request = await _read_request(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                if request is None:
                    break
                method, target, headers, body = request
                state.requests.append(f"{method} {target}")
                keep = await handler(method, target, headers, body, writer)
                await writer.drain()
                if not keep:
                    break
        finally:
            state.open_now -= 1
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    state.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    async with server:
        yield state
        server.close()


def respond(status: int = 200, body: bytes = b"{}", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} OK"]
    extra = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    extra.update(headers or {})
    lines += [f"{k}: {v}" for k, v in extra.items() if v is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def ok_keepalive(
    method: str, target: str, headers: dict[str, str], body: bytes, w: asyncio.StreamWriter
) -> bool:
    w.write(respond(body=b'{"path": "%s"}' % target.encode()))
    return True


def client(limit: int = 4, **kw: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=LeanTransport(limit, **kw))  # type: ignore[arg-type]


async def test_keep_alive_reuses_one_connection() -> None:
    async with serve(ok_keepalive) as srv, client() as c:
        for i in range(5):
            r = await c.get(f"{srv.url}/p{i}")
            assert r.status_code == 200
            assert r.json() == {"path": f"/p{i}"}
        assert srv.connections == 1
        assert srv.requests == [f"GET /p{i}" for i in range(5)]


async def test_connection_limit_per_origin_is_kept() -> None:
    async def slow(
        method: str, target: str, headers: dict[str, str], body: bytes, w: asyncio.StreamWriter
    ) -> bool:
        await asyncio.sleep(0.02)
        w.write(respond())
        return True

    async with serve(slow) as srv, client(limit=3) as c:
        answers = await asyncio.gather(*(c.get(f"{srv.url}/x{i}") for i in range(20)))
        assert all(a.status_code == 200 for a in answers)
        assert srv.most_open <= 3
        assert srv.connections == 3


async def test_a_connection_closed_while_idle_is_retried_on_a_new_one() -> None:
    async def close_after_each(
        method: str, target: str, headers: dict[str, str], body: bytes, w: asyncio.StreamWriter
    ) -> bool:
        w.write(respond(body=b'"fine"'))  # no "Connection: close": the client thinks it may reuse
        return False

    async with serve(close_after_each) as srv, client() as c:
        first = await c.get(f"{srv.url}/a")
        await asyncio.sleep(0.05)  # the close reaches the client while the connection is idle
        second = await c.get(f"{srv.url}/b")
        assert (first.json(), second.json()) == ("fine", "fine")
        assert srv.connections == 2


async def test_connection_close_header_is_honoured() -> None:
    async def closing(
        method: str, target: str, headers: dict[str, str], body: bytes, w: asyncio.StreamWriter
    ) -> bool:
        w.write(respond(headers={"Connection": "close"}))
        return False

    async with serve(closing) as srv, client() as c:
        for _ in range(3):
            assert (await c.get(srv.url)).status_code == 200
        assert srv.connections == 3


async def test_chunked_gzip_and_post_bodies() -> None:
    async def chunked(
        method: str, target: str, headers: dict[str, str], body: bytes, w: asyncio.StreamWriter
    ) -> bool:
        payload = gzip.compress(b'{"got": "' + body + b'"}')
        half = len(payload) // 2
        w.write(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"%x\r\n%s\r\n" % (half, payload[:half])
            + b"%x\r\n%s\r\n" % (len(payload) - half, payload[half:])
            + b"0\r\n\r\n"
        )
        return True

    async with serve(chunked) as srv, client() as c:
        r = await c.post(f"{srv.url}/v1/querybatch", content=b"abc")
        assert r.json() == {"got": "abc"}
        r = await c.post(f"{srv.url}/v1/querybatch", content=b"second")
        assert r.json() == {"got": "second"}
        assert srv.connections == 1


async def test_truncated_body_is_a_protocol_error_the_fetcher_retries() -> None:
    calls = 0

    async def truncating(
        method: str, target: str, headers: dict[str, str], body: bytes, w: asyncio.StreamWriter
    ) -> bool:
        nonlocal calls
        calls += 1
        full = b'{"name": "x", "versions": {}}'
        w.write(respond(body=full[: len(full) // 2], headers={"Content-Length": str(len(full))}))
        return False

    async with serve(truncating) as srv, client() as c:
        with pytest.raises(httpx.RemoteProtocolError, match="complete message"):
            await c.get(srv.url)
        fetcher = Fetcher(Settings(retries=1), client=c)
        result = await fetcher.get(f"{srv.url}/x", source="npm")
        assert isinstance(result, Unavailable)
        assert result.reason == "truncated response after 2 attempts"
        assert calls == 3


async def test_stall_is_a_read_timeout_and_frees_the_slot() -> None:
    stall = asyncio.Event()

    async def stalling(
        method: str, target: str, headers: dict[str, str], body: bytes, w: asyncio.StreamWriter
    ) -> bool:
        if target == "/stall":
            await stall.wait()
            return False
        w.write(respond())
        return True

    async with serve(stalling) as srv:
        async with httpx.AsyncClient(transport=LeanTransport(1), timeout=httpx.Timeout(0.2)) as c:
            with pytest.raises(httpx.ReadTimeout):
                await c.get(f"{srv.url}/stall")
            # the only slot is free again, and the broken connection was not kept
            assert (await c.get(f"{srv.url}/ok")).status_code == 200
        stall.set()


async def test_cancelled_request_frees_the_slot() -> None:
    gate = asyncio.Event()

    async def slow_body(
        method: str, target: str, headers: dict[str, str], body: bytes, w: asyncio.StreamWriter
    ) -> bool:
        if target == "/slow":
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            await w.drain()
            await gate.wait()
            return False
        w.write(respond())
        return True

    async with serve(slow_body) as srv, client(limit=1) as c:

        async def read_slow() -> None:
            async with c.stream("GET", f"{srv.url}/slow") as r:
                await r.aread()

        task = asyncio.create_task(read_slow())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with asyncio.timeout(5):
            assert (await c.get(f"{srv.url}/after")).status_code == 200
        gate.set()


async def test_refused_connection_is_a_connect_error() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    async with client() as c:
        with pytest.raises(httpx.ConnectError):
            await c.get(f"http://127.0.0.1:{port}/")


async def test_unsupported_scheme() -> None:
    transport = LeanTransport(1)
    with pytest.raises(httpx.UnsupportedProtocol):
        await transport.handle_async_request(httpx.Request("GET", "ftp://example.org/x"))


# --------------------------------------------------------------------------- TLS / ALPN


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],  # fmt: skip
        check=True,
        capture_output=True,
    )
    return cert, key


def _server_tls(cert: Path, key: Path, alpn: list[str]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(alpn)
    return ctx


async def test_tls_http11(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    trust = ssl.create_default_context(cafile=str(cert))
    async with (
        serve(ok_keepalive, tls=_server_tls(cert, key, ["http/1.1"])) as srv,
        httpx.AsyncClient(transport=LeanTransport(2, verify=trust)) as c,
    ):
        for i in range(3):
            assert (await c.get(f"{srv.url}/t{i}")).json() == {"path": f"/t{i}"}
        assert srv.connections == 1


async def test_tls_with_an_untrusted_certificate_is_a_connect_error(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    async with (
        serve(ok_keepalive, tls=_server_tls(cert, key, ["http/1.1"])) as srv,
        client() as c,
    ):
        with pytest.raises(httpx.ConnectError, match="TLS"):
            await c.get(srv.url)


async def test_a_server_that_picks_h2_is_handed_to_the_http2_transport(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = certificate
    trust = ssl.create_default_context(cafile=str(cert))
    seen: list[str] = []

    class FakeH2(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(str(request.url))
            return httpx.Response(200, json={"via": "h2"})

    transport = LeanTransport(2, verify=trust)
    monkeypatch.setattr(transport, "_h2_transport", FakeH2)
    async with (
        serve(ok_keepalive, tls=_server_tls(cert, key, ["h2"])) as srv,
        httpx.AsyncClient(transport=transport) as c,
    ):
        assert (await c.get(f"{srv.url}/one")).json() == {"via": "h2"}
        assert (await c.get(f"{srv.url}/two")).json() == {"via": "h2"}
        assert srv.requests == []  # the ALPN probe carried no request: the origin is HTTP/2's
        assert seen == [f"{srv.url}/one", f"{srv.url}/two"]


async def test_the_registry_client_keeps_no_cookies() -> None:
    from depview.sources.http import make_client

    async def set_cookie(
        method: str, target: str, headers: dict[str, str], body: bytes, w: asyncio.StreamWriter
    ) -> bool:
        sent = headers.get("cookie", "")
        w.write(respond(body=b'"%s"' % sent.encode(), headers={"Set-Cookie": "track=1; Path=/"}))
        return True

    async with serve(set_cookie) as srv:
        c = make_client(Settings())
        try:
            assert (await c.get(f"{srv.url}/a")).json() == ""
            assert (await c.get(f"{srv.url}/b")).json() == ""  # the cookie was not kept
            assert len(c.cookies) == 0
        finally:
            await c.aclose()


# ----------------------------------------------------------------- the Fetcher's direct path


def lean_fetcher(limit: int = 4, **settings: object) -> tuple[Fetcher, LeanTransport]:
    transport = LeanTransport(limit)
    fetcher = Fetcher(Settings(retries=1, **settings), transport=transport)  # type: ignore[arg-type]
    assert fetcher._lean is transport
    return fetcher, transport


async def test_the_fetcher_talks_to_its_transport_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, str]] = []

    async def chunked(
        method: str, target: str, headers: dict[str, str], body: bytes, w: asyncio.StreamWriter
    ) -> bool:
        seen.append(headers)
        payload = gzip.compress(b'{"got": %d, "path": "%s"}' % (len(body), target.encode()))
        half = len(payload) // 2
        w.write(
            b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nETag: "e1"\r\n'
            b"Transfer-Encoding: chunked\r\n\r\n"
            + b"%x\r\n%s\r\n" % (half, payload[:half])
            + b"%x\r\n%s\r\n" % (len(payload) - half, payload[half:])
            + b"0\r\n\r\n"
        )
        return True

    def no_httpx(*args: object, **kwargs: object) -> None:
        raise AssertionError("went through httpx")

    fetcher, _ = lean_fetcher()
    monkeypatch.setattr(fetcher.client, "send", no_httpx)
    async with serve(chunked) as srv, fetcher:
        got = await fetcher.get(f"{srv.url}/a%2fb?x=1", source="npm", etag='"e0"')
        posted = await fetcher.post_json(f"{srv.url}/v1/querybatch", {"q": 1}, source="osv")
        assert srv.connections == 1
    assert not isinstance(got, Unavailable) and not isinstance(posted, Unavailable)
    assert got.data == {"got": 0, "path": "/a%2fb?x=1"} and got.etag == '"e1"'
    assert posted.data == {"got": 7, "path": "/v1/querybatch"}
    assert seen[0]["host"] == srv.url.removeprefix("http://")
    assert seen[0]["accept-encoding"] == "gzip" and seen[0]["if-none-match"] == '"e0"'
    assert seen[0]["user-agent"].startswith("depview/")
    assert seen[1]["content-length"] == "7" and seen[1]["content-type"] == "application/json"
    assert fetcher.bytes_received == len(got.body) + len(posted.body)


def _hostile_body(kind: str) -> bytes:
    if kind == "bomb":  # 70 MiB of zeros in 70 KB of gzip: inflated no further than the limit
        return gzip.compress(b"0" * (70 * 1024 * 1024), mtime=0)
    if kind == "truncated":
        return gzip.compress(b'{"a": 1}', mtime=0)[:-6]
    if kind == "not-gzip":
        return b"\x1f\x8bnot gzip"
    return b"{}"


@pytest.mark.parametrize(
    ("kind", "encoding", "reason"),
    [
        ("bomb", "gzip", "larger than"),
        ("truncated", "gzip", "DecodingError"),
        ("not-gzip", "gzip", "DecodingError"),
        ("plain", "br", "DecodingError"),  # an encoding the direct path never asks for
    ],
)
async def test_hostile_bodies_on_the_direct_path(kind: str, encoding: str, reason: str) -> None:
    body = _hostile_body(kind)
    headers = {"Content-Encoding": encoding}

    async def hostile(
        method: str, target: str, h: dict[str, str], b: bytes, w: asyncio.StreamWriter
    ) -> bool:
        w.write(respond(body=body, headers=headers))
        return True

    fetcher, _ = lean_fetcher()
    async with serve(hostile) as srv, fetcher:
        result = await fetcher.get(f"{srv.url}/x", source="npm")
    assert isinstance(result, Unavailable) and reason in result.reason


async def test_statuses_on_the_direct_path() -> None:
    async def by_path(
        method: str, target: str, h: dict[str, str], b: bytes, w: asyncio.StreamWriter
    ) -> bool:
        answers = {
            "/moved": respond(301, b"", {"Location": "/here"}),
            "/here": respond(body=b'"here"'),
            "/same": respond(304, b"", {"ETag": '"e"', "Content-Length": None}),
            "/gone": respond(404, b"{}"),
            "/busy": respond(429, b"", {"Retry-After": "100000"}),
        }
        w.write(answers.get(target, respond(418, b"")))
        return True

    fetcher, _ = lean_fetcher(deadline=5.0)
    async with serve(by_path) as srv, fetcher:
        moved = await fetcher.get(f"{srv.url}/moved", source="npm")
        same = await fetcher.get(f"{srv.url}/same", source="npm")
        gone = await fetcher.get(f"{srv.url}/gone", source="npm")
        busy = await fetcher.get(f"{srv.url}/busy", source="npm")
        teapot = await fetcher.get(f"{srv.url}/tea", source="npm")
    assert not isinstance(moved, Unavailable) and moved.data == "here"
    assert moved.url == f"{srv.url}/here"
    assert not isinstance(same, Unavailable) and (same.status, same.etag) == (304, '"e"')
    assert not isinstance(gone, Unavailable) and gone.status == 404
    assert isinstance(busy, Unavailable) and "past the run deadline" in busy.reason
    assert isinstance(teapot, Unavailable) and teapot.reason == "HTTP 418"


async def test_what_the_direct_path_leaves_to_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert Fetcher(Settings())._lean is None  # httpx routes proxies
    monkeypatch.delenv("HTTPS_PROXY")
    assert Fetcher(Settings(), client=httpx.AsyncClient())._lean is None
    transport = LeanTransport(2)
    declined = await transport.fetch("GET", "http://127.0.0.1:9/caf\u00e9", {}, None, {}, 10)
    assert declined is None  # not plain ASCII: httpx quotes it
    assert (
        await transport.fetch("GET", "http://127.0.0.1:9/x", {"A": "\u00e9"}, None, {}, 10) is None
    )


async def test_an_http2_origin_leaves_the_direct_path_for_httpx(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = certificate

    class FakeH2(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"via": "h2", "path": request.url.path})

    transport = LeanTransport(2, verify=ssl.create_default_context(cafile=str(cert)))
    monkeypatch.setattr(transport, "_h2_transport", FakeH2)
    fetcher = Fetcher(Settings(), transport=transport)
    async with serve(ok_keepalive, tls=_server_tls(cert, key, ["h2"])) as srv, fetcher:
        first = await fetcher.get(f"{srv.url}/one", source="npm")
        second = await fetcher.get(f"{srv.url}/two", source="npm")
    assert not isinstance(first, Unavailable) and first.data == {"via": "h2", "path": "/one"}
    assert not isinstance(second, Unavailable) and second.data == {"via": "h2", "path": "/two"}
    assert srv.requests == []
