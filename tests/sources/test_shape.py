"""Typed getters over untrusted JSON, and the Fetcher with a mock transport."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from depview.config import Settings
from depview.metadata import Unavailable
from depview.sources._shape import parse_time, str_map, text
from depview.sources.http import Fetcher, HttpResult


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2014-08-29T21:39:31.412Z", datetime(2014, 8, 29, 21, 39, 31, 412000, tzinfo=UTC)),
        ("2020-01-01T00:00:00.123456789Z", datetime(2020, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("2020-01-01T02:00:00+02:00", datetime(2020, 1, 1, tzinfo=UTC)),
        ("2020-01-01T00:00:00", datetime(2020, 1, 1, tzinfo=UTC)),  # naive: UTC
        ("2020-01-01", datetime(2020, 1, 1, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        ("9" * 100, None),
        (1577836800, None),
        (None, None),
    ],
)
def test_parse_time(value: object, expected: datetime | None) -> None:
    assert parse_time(value) == expected


def test_parse_time_keeps_instants_across_offsets() -> None:
    moment = parse_time("2020-06-01T12:00:00-05:00")
    assert moment == datetime(2020, 6, 1, 12, tzinfo=timezone(timedelta(hours=-5)))
    assert moment is not None
    assert moment.tzinfo == UTC


def test_text_and_str_map() -> None:
    assert text("abc", 2) == "ab…"
    assert text(5) is None
    assert str_map({"a": "1", "b": 2, "c": None, "d": "4"}) == {"a": "1", "d": "4"}
    assert str_map(["a"]) == {}


def _fetcher(handler: httpx.MockTransport, **overrides: object) -> Fetcher:
    settings = Settings(retries=2, deadline=10.0, **overrides)  # type: ignore[arg-type]
    return Fetcher(settings, transport=handler)


@pytest.mark.parametrize(
    ("status", "reason"), [(401, "HTTP 401"), (403, "HTTP 403"), (418, "HTTP 418")]
)
async def test_client_errors_are_not_retried(status: int, reason: str) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(status)

    async with _fetcher(httpx.MockTransport(handler)) as fetcher:
        result = await fetcher.get("https://r.example/x", source="npm")
    assert result == Unavailable("npm", reason)
    assert len(calls) == 1


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.UnsupportedProtocol("x"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
    ],
)
async def test_transport_errors_become_unavailable(error: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    async with _fetcher(httpx.MockTransport(handler)) as fetcher:
        result = await fetcher.get("https://r.example/x", source="osv")
    assert isinstance(result, Unavailable) and result.source == "osv"
    assert "after" in result.reason


async def test_redirect_loop_and_missing_location() -> None:
    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": str(request.url) + "x"})

    async with _fetcher(httpx.MockTransport(loop)) as fetcher:
        result = await fetcher.get("https://r.example/x", source="npm")
    assert result == Unavailable("npm", "more than 5 redirects")

    def bare(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301)

    async with _fetcher(httpx.MockTransport(bare)) as fetcher:
        result = await fetcher.get("https://r.example/x", source="npm")
    assert result == Unavailable("npm", "HTTP 301 without a Location")


async def test_oversized_body_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from depview.sources import http

    monkeypatch.setattr(http, "MAX_BODY", 1000)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"[" + b"1," * 1000 + b"1]")

    async with _fetcher(httpx.MockTransport(handler)) as fetcher:
        result = await fetcher.get("https://r.example/x", source="npm")
    assert isinstance(result, Unavailable) and "larger than" in result.reason


async def test_ok_result_carries_validators_and_json() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Accept"] == "application/json"
        return httpx.Response(200, json={"a": 1}, headers={"ETag": '"e1"', "Last-Modified": "x"})

    async with _fetcher(httpx.MockTransport(handler)) as fetcher:
        result = await fetcher.get("https://r.example/x", source="npm")
    assert isinstance(result, HttpResult)
    assert result.ok and result.data == {"a": 1} and result.etag == '"e1"'
    assert fetcher.requests == 1 and fetcher.bytes_received == len(b'{"a":1}')
