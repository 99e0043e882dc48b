"""The http_turns benchmark's own HTTP/1.1 client: response parsing (length, chunked, split
across reads, ``Connection: close``) and one exchange with a real server over TCP."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # ``bench`` is top-level

from bench.http_turns_bench import (
    _Client,
    _Connection,
    _ResponseError,
    _Tally,
    _timed,
)


@pytest.fixture
def conn() -> Iterator[_Connection]:
    loop = asyncio.new_event_loop()
    yield _Connection(loop)
    loop.close()


def _fed(conn: _Connection, *pieces: bytes) -> list[tuple[int, bytes] | None]:
    out = []
    for piece in pieces:
        conn._buffer += piece
        out.append(conn._parse())
    return out


def test_a_response_with_a_length_is_complete_only_with_its_whole_body(conn: _Connection) -> None:
    head = b"HTTP/1.1 201 Created\r\ncontent-length: 10\r\ncontent-type: application/json\r\n\r\n"
    assert _fed(conn, head, b'{"a": ', b"1}  ") == [None, None, (201, b'{"a": 1}  ')]


def test_a_chunked_response_is_joined(conn: _Connection) -> None:
    raw = b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n4\r\n": 1\r\n1\r\n}\r\n0\r\n\r\n'
    assert _fed(conn, raw[:40], raw[40:]) == [None, (200, b'{"a": 1}')]


def test_connection_close_makes_the_connection_unusable_and_garbage_is_an_error(
    conn: _Connection,
) -> None:
    conn._buffer += b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
    assert conn._parse() == (200, b"{}") and not conn.reusable
    conn._buffer[:] = b"SSH-2.0-OpenSSH\r\n\r\n"
    with pytest.raises(_ResponseError):
        conn._parse()


def test_the_client_posts_json_with_its_token_and_checks_status_and_body() -> None:
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for answer in (b'{"ok": true}', b"not json"):
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            seen.append(head + await reader.readexactly(length))
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
            await writer.drain()
        writer.close()

    async def main() -> _Tally:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = _Client("127.0.0.1", port, "amk_x")
        tally = _Tally()
        request = client.encode("POST", "/v1/x?as_of=2026-11-01", {"text": "yes"})
        assert await _timed(client, tally, "POST x", request)
        assert not await _timed(client, tally, "POST x", request)  # a body that is not JSON
        client.close()
        server.close()
        return tally

    tally = asyncio.run(main())
    head, _, body = seen[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /v1/x?as_of=2026-11-01 HTTP/1.1\r\n")
    assert b"Authorization: Bearer amk_x" in head and b"Content-Type: application/json" in head
    assert json.loads(body) == {"text": "yes"}
    assert len(tally.latencies) == 1 and tally.errors[0].startswith("POST x: JSONDecodeError")
