"""A lean HTTP/1.1 transport for httpx, handing HTTP/2 origins to httpcore.

A run makes thousands of small GETs to a handful of origins. Through httpcore's
pool each one costs about 2 ms of CPU here: the pool re-examines every
connection (``is_idle``, ``has_expired``, a ``poll`` of each socket) whenever a
request is queued or finishes, and every read and write goes through anyio.
That, not the network, bounded a cold run. :class:`LeanTransport` speaks
HTTP/1.1 with ``h11`` (the parser httpcore itself uses) straight over asyncio
streams: per origin, a list of idle keep-alive connections and a semaphore for
the connection limit, so a request costs a fraction of that.

HTTP/2 where the server offers it: TLS connections offer ``h2`` and
``http/1.1`` by ALPN; when a server picks ``h2`` the origin is handed, for the
rest of the run, to an ``httpx.AsyncHTTPTransport(http2=True)`` (one multiplexed
connection), and the probing connection is closed.

Errors are raised as httpx's own exceptions (``ConnectError``, ``ConnectTimeout``,
``ReadTimeout``, ``WriteTimeout``, ``ReadError``, ``WriteError``,
``RemoteProtocolError``), as httpx's default transport does. A kept-alive
connection that the server closed while it was idle is retried once on a fresh
connection, before any byte of an answer was read.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import h11
import httpx

__all__ = ["Answer", "BodyTooLarge", "LeanTransport"]

READ_SIZE = 256 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
_Origin = tuple[str, str, int]
_PLAIN_TARGET = re.compile(r"/[!-~]*")  # printable ASCII without spaces: sent as it is


@dataclass(frozen=True, slots=True)
class Answer:
    """A whole HTTP answer from :meth:`LeanTransport.fetch` (header names lower-case)."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class BodyTooLarge(Exception):
    """The answer's body, decoded, is larger than the caller's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"response larger than {limit} bytes")
        self.limit = limit


async def _read_whole(body: _Body, encoding: str, limit: int) -> bytes:
    """All of ``body``, decoded (gzip, the one encoding ``fetch`` asks for), at most ``limit``."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        decoder: Any = zlib.decompressobj(zlib.MAX_WBITS | 16)
    elif encoding in ("", "identity"):
        decoder = None
    else:
        raise httpx.DecodingError(f"unexpected Content-Encoding {encoding[:40]!r}")
    chunks: list[bytes] = []
    size = 0
    try:
        async for data in body:
            if decoder is not None:  # never inflate more than the limit allows
                data = decoder.decompress(data, limit + 1 - size)
                if decoder.unconsumed_tail:
                    raise BodyTooLarge(limit)
            size += len(data)
            if size > limit:
                raise BodyTooLarge(limit)
            chunks.append(data)
        if decoder is not None:
            tail = decoder.flush()
            if not decoder.eof:
                raise httpx.DecodingError("truncated gzip body")
            if size + len(tail) > limit:
                raise BodyTooLarge(limit)
            chunks.append(tail)
    except zlib.error as exc:
        raise httpx.DecodingError(f"bad gzip body ({exc})") from None
    return b"".join(chunks)


class _Connection:
    __slots__ = ("h11", "idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT)
        self.idle_since = 0.0

    def usable(self, now: float, expiry: float) -> bool:
        return (
            now - self.idle_since < expiry
            and not self.reader.at_eof()
            and not self.writer.is_closing()
        )

    def close(self) -> None:
        try:
            self.writer.close()
        except (OSError, RuntimeError):  # already closed, or the loop is gone
            pass

    async def read(self, timeout: float | None, request: httpx.Request | None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self.reader.read(READ_SIZE)
        except TimeoutError:
            raise httpx.ReadTimeout("timed out reading the response", request=request) from None
        except OSError as exc:
            raise httpx.ReadError(_os_reason(exc, "read"), request=request) from None

    async def next_event(self, timeout: float | None, request: httpx.Request | None) -> Any:
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc), request=request) from None
            if event is not h11.NEED_DATA:
                return event
            data = await self.read(timeout, request)
            self.h11.receive_data(data)


class _OriginPool:
    __slots__ = ("idle", "slots")

    def __init__(self, limit: int) -> None:
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(limit)

    def take(self, expiry: float) -> _Connection | None:
        now = time.monotonic()
        while self.idle:
            conn = self.idle.pop()
            if conn.usable(now, expiry):
                return conn
            conn.close()
        return None


class _Body(httpx.AsyncByteStream):
    """The response body; closing it gives the connection back (or closes it) and frees the slot."""

    def __init__(
        self,
        conn: _Connection,
        request: httpx.Request | None,
        read_timeout: float | None,
        done: Callable[[_Connection, bool], None],
    ) -> None:
        self._conn = conn
        self._request = request
        self._timeout = read_timeout
        self._done: Callable[[_Connection, bool], None] | None = done
        self._complete = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self._conn
        while not self._complete:
            event = await conn.next_event(self._timeout, self._request)
            if type(event) is h11.Data:
                yield bytes(event.data)
            elif type(event) is h11.EndOfMessage:
                self._complete = True
            else:  # pragma: no cover - h11 only yields Data / EndOfMessage here
                raise httpx.RemoteProtocolError(
                    f"unexpected {type(event).__name__}", request=self._request
                )

    async def aclose(self) -> None:
        done, self._done = self._done, None
        if done is not None:
            done(self._conn, self._complete)


class LeanTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 keep-alive pools per origin (at most ``limit`` connections each); HTTP/2 by ALPN."""

    def __init__(
        self,
        limit: int,
        *,
        http2: bool = True,
        verify: ssl.SSLContext | bool = True,
        trust_env: bool = True,
        keepalive_expiry: float = 5.0,
    ) -> None:
        self._limit = max(1, limit)
        self._http2 = http2
        self._expiry = keepalive_expiry
        self._ssl: ssl.SSLContext | None = None
        self._verify = verify
        self._trust_env = trust_env
        self._pools: dict[_Origin, _OriginPool] = {}
        self._h2_origins: set[_Origin] = set()
        self._probed: set[_Origin] = set()
        self._probe_locks: dict[_Origin, asyncio.Lock] = {}
        self._h2: httpx.AsyncHTTPTransport | None = None
        self._closed = False

    # -- TLS and HTTP/2 --------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:  # loading the CA bundle takes ~80 ms: only for https runs
            ctx = (
                self._verify
                if isinstance(self._verify, ssl.SSLContext)
                else httpx.create_ssl_context(verify=self._verify, trust_env=self._trust_env)
            )
            ctx.set_alpn_protocols(["h2", "http/1.1"] if self._http2 else ["http/1.1"])
            self._ssl = ctx
        return self._ssl

    def _h2_transport(self) -> httpx.AsyncHTTPTransport:
        if self._h2 is None:
            self._h2 = httpx.AsyncHTTPTransport(
                verify=self._ssl_context(),
                http2=True,
                limits=httpx.Limits(
                    max_connections=self._limit,
                    max_keepalive_connections=self._limit,
                    keepalive_expiry=self._expiry,
                ),
            )
        return self._h2

    # -- connections -----------------------------------------------------------

    async def _connect(
        self, origin: _Origin, timeout: float | None, request: httpx.Request | None
    ) -> tuple[_Connection, bool]:
        """A new connection, and whether the server chose HTTP/2 for it."""
        scheme, host, port = origin
        tls = self._ssl_context() if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None, limit=READ_SIZE
                )
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out connecting", request=request) from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(_os_reason(exc, "connect"), request=request) from None
        h2 = False
        if tls is not None:
            sslobj = writer.get_extra_info("ssl_object")
            h2 = sslobj is not None and sslobj.selected_alpn_protocol() == "h2"
        return _Connection(reader, writer), h2

    async def _send(
        self,
        conn: _Connection,
        head: h11.Request,
        body: bytes,
        timeout: float | None,
        request: httpx.Request | None,
    ) -> None:
        try:
            data = conn.h11.send(head) or b""
            if body:
                data += conn.h11.send(h11.Data(data=body)) or b""
            data += conn.h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from None
        try:
            async with asyncio.timeout(timeout):
                conn.writer.write(data)
                await conn.writer.drain()
        except TimeoutError:
            raise httpx.WriteTimeout("timed out sending the request", request=request) from None
        except OSError as exc:
            raise httpx.WriteError(_os_reason(exc, "write"), request=request) from None

    async def _probe(
        self,
        origin: _Origin,
        pool: _OriginPool,
        timeout: float | None,
        request: httpx.Request | None,
    ) -> None:
        """The first connection to an https origin, alone: does the server speak HTTP/2?

        Without this, the first burst of requests would each open (and drop) a connection.
        """
        lock = self._probe_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin in self._probed:
                return
            async with pool.slots:
                conn, h2 = await self._connect(origin, timeout, request)
                if h2:
                    conn.close()
                    self._h2_origins.add(origin)
                else:
                    conn.idle_since = time.monotonic()
                    pool.idle.append(conn)
            self._probed.add(origin)

    # -- the transport API -----------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        url = request.url
        scheme = url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"unsupported scheme {scheme!r}", request=request)
        origin: _Origin = (scheme, url.host, url.port or _DEFAULT_PORTS[scheme])
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        body = await request.aread()
        head = h11.Request(method=request.method, target=url.raw_path, headers=request.headers.raw)
        opened = await self._open_exchange(origin, head, body, timeouts, request)
        if opened is None:  # an HTTP/2 origin
            return await self._h2_transport().handle_async_request(request)
        conn, event, pool = opened
        return httpx.Response(
            event.status_code,
            headers=event.headers.raw_items(),
            stream=_Body(conn, request, timeouts.get("read"), partial(self._release, pool)),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": bytes(event.reason)},
        )

    async def fetch(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeouts: Mapping[str, float | None],
        max_body: int,
    ) -> Answer | None:
        """One HTTP/1.1 exchange without httpx's request and response objects.

        The Fetcher's path for plain requests: the same pools, connections, limits,
        timeouts and errors as :meth:`handle_async_request`, for about half the CPU.
        The body is read whole, gzip decoded here, at most ``max_body`` bytes after
        decoding (else :class:`BodyTooLarge`). None when this path does not apply (an
        HTTP/2 origin, a URL or header that is not plain ASCII): send it through httpx.
        """
        if self._closed:
            raise RuntimeError("the transport is closed")
        try:
            split = urlsplit(url)
            port = split.port
            host = split.hostname
            netloc = split.netloc.rpartition("@")[2].encode("ascii")
            target = (split.path or "/") + (f"?{split.query}" if split.query else "")
            raw = [(b"Host", netloc), (b"Accept-Encoding", b"gzip")]
            raw += [(k.encode("ascii"), v.encode("ascii")) for k, v in headers.items()]
        except (ValueError, UnicodeError):
            return None
        scheme = split.scheme
        if scheme not in _DEFAULT_PORTS or not host or not _PLAIN_TARGET.fullmatch(target):
            return None
        if body:
            raw.append((b"Content-Length", str(len(body)).encode("ascii")))
        origin: _Origin = (scheme, host, port or _DEFAULT_PORTS[scheme])
        head = h11.Request(method=method, target=target.encode("ascii"), headers=raw)
        opened = await self._open_exchange(origin, head, body or b"", timeouts)
        if opened is None:
            return None
        conn, event, pool = opened
        answer = {name.decode("latin-1"): v.decode("latin-1") for name, v in event.headers}
        stream = _Body(conn, None, timeouts.get("read"), partial(self._release, pool))
        try:
            whole = await _read_whole(stream, answer.get("content-encoding", ""), max_body)
        finally:
            await stream.aclose()
        return Answer(event.status_code, answer, whole)

    async def _open_exchange(
        self,
        origin: _Origin,
        head: h11.Request,
        body: bytes,
        timeouts: Mapping[str, float | None],
        request: httpx.Request | None = None,
    ) -> tuple[_Connection, h11.Response, _OriginPool] | None:
        """Send a request on a pooled connection and read the head of the answer.

        Holds one of the origin's slots until :meth:`_release`. None when the origin
        speaks HTTP/2 (nothing was sent). ``request`` only labels httpx's exceptions.
        """
        if origin in self._h2_origins:
            return None
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = _OriginPool(self._limit)
        if origin[0] == "https" and origin not in self._probed:
            await self._probe(origin, pool, timeouts.get("connect"), request)
            if origin in self._h2_origins:
                return None
        await pool.slots.acquire()
        conn: _Connection | None = None
        try:
            while True:
                conn = pool.take(self._expiry)
                reused = conn is not None
                if conn is None:
                    conn, h2 = await self._connect(origin, timeouts.get("connect"), request)
                    if h2:
                        conn.close()
                        conn = None
                        self._h2_origins.add(origin)
                        pool.slots.release()
                        return None
                try:
                    await self._send(conn, head, body, timeouts.get("write"), request)
                    event = await conn.next_event(timeouts.get("read"), request)
                    while type(event) is h11.InformationalResponse:
                        event = await conn.next_event(timeouts.get("read"), request)
                except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                    conn.close()
                    conn = None
                    if reused:  # closed by the server while idle: once more, on a new connection
                        continue
                    raise
                break
        except BaseException:
            if conn is not None:
                conn.close()
            pool.slots.release()
            raise
        if not isinstance(event, h11.Response):  # pragma: no cover - h11 guarantees a Response
            conn.close()
            pool.slots.release()
            raise httpx.RemoteProtocolError("no response", request=request)
        return conn, event, pool

    def _release(self, pool: _OriginPool, used: _Connection, complete: bool) -> None:
        """The exchange is over: keep the connection for the next one, or close it; free the slot."""
        if (
            complete
            and not self._closed
            and used.h11.our_state is h11.DONE
            and used.h11.their_state is h11.DONE
        ):
            used.h11.start_next_cycle()
            used.idle_since = time.monotonic()
            pool.idle.append(used)
        else:
            used.close()
        pool.slots.release()

    async def aclose(self) -> None:
        self._closed = True
        for pool in self._pools.values():
            while pool.idle:
                pool.idle.pop().close()
        if self._h2 is not None:
            await self._h2.aclose()


def _os_reason(exc: BaseException, action: str) -> str:
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error ({exc.reason or type(exc).__name__})"
    return f"{action} failed ({type(exc).__name__})"
