"""The HTTP shell: one client per run, bounded concurrency, retries, a run deadline.

:meth:`Fetcher.request` never raises for a network or server problem: it
returns an :class:`HttpResult` (200, 304 or 404/410) or an
:class:`~depview.metadata.Unavailable` whose reason is one short line
("timed out after 15 s", "HTTP 503 after 4 attempts", ...).

Retried, with jittered exponential backoff: 5xx answers, network errors
(refused, reset, timeouts), truncated bodies and bodies that are not valid JSON.
A 429 waits for its ``Retry-After`` (seconds or an HTTP date) unless that is
past the run deadline. Redirects are followed by hand (at most 5) so that the
Authorization header is recomputed for every hop and never leaks to another host.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import random
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin
from urllib.request import getproxies

import httpx

from depview import __version__
from depview.config import Settings
from depview.metadata import Unavailable
from depview.sources.transport import BodyTooLarge, LeanTransport

__all__ = ["Authorizer", "Fetcher", "HttpResult", "make_client"]

Authorizer = Callable[[str], str | None]

MAX_BODY = 64 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_TIMEOUTS = 2  # attempts that timed out before giving up
BACKOFF_BASE = 0.2
BACKOFF_CAP = 5.0
USER_AGENT = f"depview/{__version__} (+supply-chain scanner)"


@dataclass(frozen=True, slots=True)
class HttpResult:
    status: int  # 200, 304, 404 or 410
    url: str
    body: bytes = field(default=b"", repr=False)
    etag: str | None = None
    last_modified: str | None = None
    data: Any = field(default=None, repr=False)  # parsed JSON when asked for

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def missing(self) -> bool:
        return self.status in (404, 410)


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None, *, timeout: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.timeout = timeout


class _Fail(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Redirect(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def _skip_missing_sniffio() -> None:
    """httpcore imports ``sniffio`` on every request; when it is not installed, each failed
    import walks ``sys.path`` (about a millisecond). Mark it absent once instead."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


class _NoCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class RegistryClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that keeps no cookies.

    Registries and OSV are stateless APIs. A cookie one of them sets (a CDN's
    tracking cookie, say) is never stored, so it is never sent back to anyone;
    and parsing ``Set-Cookie`` on every response was a tenth of a cold run's CPU.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._jar = _NoCookies()
        super().__init__(**kwargs)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        return None


def make_client(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The run's one ``httpx.AsyncClient`` (HTTP/2 where the server offers it)."""
    _skip_missing_sniffio()
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=None,
    )
    limits = httpx.Limits(
        max_connections=settings.concurrency,
        max_keepalive_connections=settings.concurrency,
    )
    if transport is None:
        transport = LeanTransport(settings.concurrency, http2=True)
    return RegistryClient(
        transport=transport,
        timeout=timeout,
        limits=limits,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        trust_env=True,
    )


def _seconds(value: float) -> str:
    return f"{round(value, 1):g} s"


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


class Fetcher:
    """Bounded, retrying, deadline-aware GET/POST of JSON documents."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        on_bytes: Callable[[int], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self._own_client = client is None
        if client is None and transport is None:
            transport = LeanTransport(settings.concurrency, http2=True)
        self.client = client if client is not None else make_client(settings, transport)
        # Plain requests go to our own transport directly, without httpx's request and
        # response objects (half the CPU of a request); not through a proxy, which httpx
        # routes (HTTP_PROXY and friends), nor with a caller's client or transport.
        self._lean = (
            transport
            if client is None and isinstance(transport, LeanTransport) and not getproxies()
            else None
        )
        self._timeouts = self.client.timeout.as_dict()
        self._semaphore = asyncio.Semaphore(max(1, settings.concurrency))
        self._deadline = time.monotonic() + settings.deadline
        self._on_bytes = on_bytes
        self._rng = rng or random.Random()
        self.requests = 0
        self.bytes_received = 0

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def remaining(self) -> float:
        return self._deadline - time.monotonic()

    async def get(
        self,
        url: str,
        *,
        source: str,
        accept: str = "application/json",
        etag: str | None = None,
        last_modified: str | None = None,
        authorize: Authorizer | None = None,
        parse_json: bool = True,
    ) -> HttpResult | Unavailable:
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self.request(
            "GET", url, source=source, headers=headers, authorize=authorize, parse_json=parse_json
        )

    async def post_json(
        self, url: str, payload: Any, *, source: str, authorize: Authorizer | None = None
    ) -> HttpResult | Unavailable:
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        return await self.request(
            "POST", url, source=source, headers=headers, content=body, authorize=authorize
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        source: str,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        authorize: Authorizer | None = None,
        parse_json: bool = True,
    ) -> HttpResult | Unavailable:
        attempts = max(0, self.settings.retries) + 1
        attempt = 0
        timeouts = 0
        redirects = 0
        reason = "no attempt made"
        while True:
            remaining = self.remaining()
            if remaining <= 0:
                return Unavailable(
                    source,
                    f"run deadline of {_seconds(self.settings.deadline)} reached ({reason})"
                    if attempt
                    else f"run deadline of {_seconds(self.settings.deadline)} reached",
                )
            wait: float | None = None
            try:
                async with self._semaphore:
                    result = await self._once(
                        method, url, headers or {}, content, authorize, parse_json, remaining
                    )
                # The slot is free: let the request waiting for it go out before the caller
                # spends CPU on this answer, so the connections stay busy while it is parsed.
                await asyncio.sleep(0)
                return result
            except _Redirect as hop:
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    return Unavailable(source, f"more than {MAX_REDIRECTS} redirects")
                url = hop.url
                continue
            except _Fail as fail:
                return Unavailable(source, fail.reason)
            except _Retry as retry:
                reason, wait = retry.reason, retry.wait
                timeouts += retry.timeout
            attempt += 1
            # A server that stalled twice will stall again: do not spend the deadline on it.
            if attempt >= attempts or timeouts >= MAX_TIMEOUTS:
                suffix = f" after {attempt} attempts" if attempt > 1 else ""
                return Unavailable(source, f"{reason}{suffix}")
            remaining = self.remaining()
            if wait is not None:
                if wait >= remaining:
                    return Unavailable(
                        source, f"{reason}; Retry-After {_seconds(wait)} is past the run deadline"
                    )
                delay = wait
            else:
                ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
                delay = ceiling * (0.5 + 0.5 * self._rng.random())
            await asyncio.sleep(max(0.0, min(delay, remaining)))

    async def _once(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes | None,
        authorize: Authorizer | None,
        parse_json: bool,
        remaining: float,
    ) -> HttpResult:
        send_headers = dict(headers)
        token = authorize(url) if authorize is not None else None
        if token:
            send_headers["Authorization"] = token
        limit = min(remaining, self.settings.connect_timeout + 2 * self.settings.read_timeout)
        self.requests += 1
        try:
            async with asyncio.timeout(limit):
                return await self._exchange(method, url, send_headers, content, parse_json)
        except TimeoutError:
            raise _Retry(f"timed out after {_seconds(limit)}", timeout=True) from None
        except httpx.TimeoutException as exc:
            which = (
                self.settings.connect_timeout
                if isinstance(exc, httpx.ConnectTimeout)
                else self.settings.read_timeout
            )
            raise _Retry(f"timed out after {_seconds(which)}", timeout=True) from None
        except httpx.ConnectError:
            raise _Retry("connection failed") from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            text = str(exc).lower()
            if "incomplete" in text or "complete message" in text:
                raise _Retry("truncated response") from None
            raise _Retry("connection reset") from None
        except httpx.TransportError as exc:
            raise _Retry(f"network error ({type(exc).__name__})") from None
        except httpx.InvalidURL:
            raise _Fail("invalid URL") from None
        except httpx.HTTPError as exc:  # e.g. a body that does not decode (Content-Encoding)
            raise _Retry(f"bad response ({type(exc).__name__})") from None

    async def _exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes | None,
        parse_json: bool,
    ) -> HttpResult:
        if self._lean is not None:
            try:
                answer = await self._lean.fetch(
                    method,
                    url,
                    {"User-Agent": USER_AGENT, **headers},
                    content,
                    self._timeouts,
                    MAX_BODY,
                )
            except BodyTooLarge:
                raise _Fail(_TOO_LARGE) from None
            if answer is not None:
                early = _before_body(answer.status, answer.header, url)
                if early is not None:
                    return early
                return self._result(url, answer.body, answer.header, parse_json)
        request = self.client.build_request(method, url, headers=headers, content=content)
        response = await self.client.send(request, stream=True)
        try:
            early = _before_body(response.status_code, response.headers.get, url)
            if early is not None:
                return early
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > MAX_BODY:
                raise _Fail(_TOO_LARGE)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_BODY:
                    raise _Fail(_TOO_LARGE)
                chunks.append(chunk)
        finally:
            await response.aclose()
        return self._result(str(response.url), b"".join(chunks), response.headers.get, parse_json)

    def _result(
        self, url: str, body: bytes, header: Callable[[str], str | None], parse_json: bool
    ) -> HttpResult:
        """A 200 answer's result: its body counted, parsed when asked."""
        self.bytes_received += len(body)
        if self._on_bytes is not None:
            self._on_bytes(len(body))
        data: Any = None
        if parse_json:
            try:
                data = json.loads(body)
            except (UnicodeDecodeError, ValueError, RecursionError):
                raise _Retry("invalid JSON in response") from None
        return HttpResult(
            200,
            url,
            body,
            etag=header("ETag"),
            last_modified=header("Last-Modified"),
            data=data,
        )


_TOO_LARGE = f"response larger than {MAX_BODY // (1024 * 1024)} MiB"


def _before_body(status: int, header: Callable[[str], str | None], url: str) -> HttpResult | None:
    """What a status means before the body is read: a result, an exception, or None for 200."""
    if status in (301, 302, 303, 307, 308):
        location = header("Location")
        if not location:
            raise _Fail(f"HTTP {status} without a Location")
        raise _Redirect(urljoin(url, location))
    if status == 304:
        return HttpResult(304, url, etag=header("ETag"), last_modified=header("Last-Modified"))
    if status in (404, 410):
        return HttpResult(status, url)
    if status == 429:
        raise _Retry("rate limited (HTTP 429)", retry_after(header("Retry-After")))
    if status >= 500:
        raise _Retry(f"HTTP {status}")
    if status != 200:
        raise _Fail(f"HTTP {status}")
    return None
