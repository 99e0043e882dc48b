"""Negotiation turns per second over HTTP on PostgreSQL, 50 concurrent conversations (DESIGN.md
§9: ≥ 200 turns/s).

Set-up (not timed): a fresh PostgreSQL database, a sample portfolio imported into a new
organisation ``bench``, the day planned (``plan_day``) to pick accounts the policy negotiates with
(a postal code on file, so the debtor can verify), an admin API token, and the real API served by
``amicable serve --no-runtime`` (Uvicorn, no webhook pump) in a subprocess on 127.0.0.1 with the
rate limit raised out of the way.

Timed: :data:`CONCURRENCY` conversations at once, each on its own account and its own keep-alive
connection:
``POST /v1/accounts/{ref}/conversations`` (the agent's opening turn), then the debtor's lines
through ``POST /v1/accounts/{ref}/conversations/messages``. ``figure`` is debtor turns (message
posts) per second of wall time; ``p50_ms`` / ``p99_ms`` are per request; ``errors`` counts non-2xx
answers, failed requests and bodies that are not JSON (must be 0). The baseline is the same number
of trivial authenticated ``GET /v1/org`` requests on the same server at the same concurrency.

The client is a minimal HTTP/1.1 client on asyncio protocols (:class:`_Connection`), every request
encoded before the clock starts: it runs on the same cores as the server, and
``httpx.AsyncClient`` used 3–9 ms of CPU per turn there, about 0.4 ms now.
``client_cpu_ms_per_turn`` / ``client_cpu_ms_per_get`` are this process's CPU over the timed
phases; ``db_cpu_ms_per_turn`` / ``db_cpu_ms_per_get`` the CPU of the PostgreSQL backends serving
the run's database (those alive at the end of the phase: a backend that closed is not counted).

The server runs :data:`WORKERS` Uvicorn processes. ``server_cpu_ms_per_turn`` /
``server_cpu_ms_per_get`` are the CPU time of the server's processes (Linux ``/proc``; None
elsewhere) over the timed turns or the baseline, per debtor turn or per GET: on a shared machine
they move far less with the load than the rates do.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.data import sample_dir

TARGET = ">= 200 turns/s over HTTP on PostgreSQL, 50 concurrent conversations, 0 errors"
TARGET_TURNS_PER_SECOND = 200.0
CONCURRENCY = 50
#: Uvicorn worker processes of the served API: one per core, as docs/api.md recommends for
#: production (this machine has 2).
WORKERS = 2
FULL_ROUNDS = 6  # conversations per concurrent slot at scale 1
AS_OF = date(2026, 11, 1)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
#: One database per run (the process id): two runs at once (a smoke test while a person
#: benchmarks) never drop each other's database.
PG_BENCH_DB = f"amicable_bench_http_{os.getpid()}"
SCRIPT = ("no", "I can pay 100 a month", "yes", "yes")  # after the postal code


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(url: str, conversations: int) -> tuple[str, list[tuple[str, str]]]:
    """Import a sample portfolio into organisation ``bench``, plan it, make a token; return the
    token and ``(account, postal code)`` of ``conversations + 1`` accounts the policy negotiates
    with (the first one warms the server up)."""
    from sqlalchemy import select

    from amicable.adapters.db.tables import customers
    from amicable.adapters.db.tables_planning import daily_plans
    from amicable.adapters.importers import read_customers, read_invoice_batches, read_payments
    from amicable.bootstrap import bootstrap
    from amicable.service.imports import import_customers, import_invoices, import_payments
    from amicable.service.planning import plan_day
    from amicable.service.security import create_token

    # About a third of sample accounts end up negotiable with a postal code: seed enough.
    folder = sample_dir(max(40, (conversations + 1) * 4))
    postal: dict[str, str] = {}
    with (folder / "customers.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["postal_code"]:
                postal[row["customer_id"]] = row["postal_code"]
    app = bootstrap(url)
    try:
        app.init()
        app.create_org("bench")
        import_customers(app.uow("bench"), read_customers(folder / "customers.csv"))
        import_invoices(app.uow("bench"), read_invoice_batches(folder / "invoices.csv"))
        import_payments(app.uow("bench"), read_payments(folder / "payments.csv"))
        plan_day(app.uow("bench"), AS_OF, datetime(2026, 11, 2, 9, tzinfo=UTC))
        with app.engine.connect() as conn:
            rows = conn.execute(
                select(customers.c.external_id)
                .join(daily_plans, daily_plans.c.customer_id == customers.c.id)
                .where(daily_plans.c.policy_action == "negotiate", daily_plans.c.as_of == AS_OF)
                .order_by(customers.c.id)
            )
            refs = [(str(r[0]), postal[str(r[0])]) for r in rows if str(r[0]) in postal]
        token = create_token(app.uow("bench"), "admin", label="http bench").secret
    finally:
        app.close()
    if len(refs) < conversations + 1:
        raise RuntimeError(
            f"only {len(refs)} negotiable accounts for {conversations} conversations"
        )
    return token, refs[: conversations + 1]


def _serve(url: str, port: int, log: Path, workers: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        AMICABLE_ENVIRONMENT="development",
        AMICABLE_RATE_LIMIT_PER_MINUTE="100000000",
        AMICABLE_RATE_LIMIT_BURST="1000000",
    )
    code = "from amicable.entrypoints.cli import main; main()"
    cmd = [sys.executable, "-c", code, "serve", "--no-runtime", "--port", str(port),
           "--database-url", url, "--workers", str(workers)]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=out)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of process ``pid`` and its children (Linux ``/proc``), else None."""
    proc = Path("/proc")
    if not (proc / str(pid) / "stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _db_cpu_seconds() -> float | None:
    """User + system CPU of the PostgreSQL backends serving this run's database (Linux ``/proc``:
    a backend's command line names its database), else None. Backends that ended meanwhile are
    not counted."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    needle = f" {PG_BENCH_DB} ".encode()
    total = 0.0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "cmdline").read_bytes():
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _per(before: float | None, after: float | None, count: int) -> float | None:
    if before is None or after is None or not count:
        return None
    return round((after - before) * 1000 / count, 2)


def _wait_ready(base: str, token: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API server exited ({proc.returncode})")
        try:
            r = httpx.get(f"{base}/v1/org", headers={"Authorization": f"Bearer {token}"})
            if r.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the API server did not answer within 120 s")


class _Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.turns = 0
        self.errors: list[str] = []


class _ResponseError(Exception):
    """The connection ended, or sent what is not an HTTP/1.1 response, before a full answer."""


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time, with a minimal response parser
    (status line, ``Content-Length`` or chunked body, ``Connection: close``).

    The benchmark's client shares the server's two cores: ``httpx.AsyncClient`` spent 6–9 ms of
    CPU per turn in the client alone, which the server then did not get. This costs a fraction."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._transport: asyncio.Transport | None = None
        self.reusable = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            try:
                answer = self._parse()
            except _ResponseError as exc:
                waiter.set_exception(exc)
                return
            if answer is not None:
                waiter.set_result(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(_ResponseError(f"connection lost: {exc!r}"))

    def _parse(self) -> tuple[int, bytes] | None:
        """The complete response at the head of the buffer (removed from it), else None."""
        buffer = self._buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = bytes(buffer[:end]).split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise _ResponseError(f"not an HTTP response: {lines[0][:80]!r}")
        status = int(parts[1])
        length = 0
        chunked = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection" and value.strip().lower() == b"close":
                self.reusable = False
        start = end + 4
        if not chunked:
            if len(buffer) < start + length:
                return None
            body = bytes(buffer[start : start + length])
            del buffer[: start + length]
            return status, body
        pieces: list[bytes] = []
        at = start
        while True:
            eol = buffer.find(b"\r\n", at)
            if eol < 0:
                return None
            size = int(bytes(buffer[at:eol]).split(b";", 1)[0], 16)
            if size == 0:
                tail = buffer.find(b"\r\n\r\n", eol)  # no trailers are sent: one blank line
                if tail < 0:
                    return None
                del buffer[: tail + 4]
                return status, b"".join(pieces)
            if len(buffer) < eol + 2 + size + 2:
                return None
            pieces.append(bytes(buffer[eol + 2 : eol + 2 + size]))
            at = eol + 2 + size + 2

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send one pre-encoded request; the response's status and body."""
        assert self._transport is not None
        self._waiter = self._loop.create_future()
        self._transport.write(request)
        return await self._waiter

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class _Client:
    """A slot's connection to the server (opened on first use, reopened after the server closed
    it) and the request heads, encoded once: every request carries ``Host``, the bearer token
    and, with a body, ``Content-Type: application/json`` and its ``Content-Length``."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self._host = host
        self._port = port
        self._headers = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        self._connection: _Connection | None = None

    def encode(self, method: str, target: str, body: Any = None) -> bytes:
        head = f"{method} {target} HTTP/1.1\r\n{self._headers}"
        if body is None:
            return (head + "\r\n").encode()
        payload = json.dumps(body).encode()
        head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        return head.encode() + payload

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        connection = self._connection
        if connection is None or not connection.reusable:
            if connection is not None:
                connection.close()
            loop = asyncio.get_running_loop()
            _, connection = await loop.create_connection(
                lambda: _Connection(loop), self._host, self._port
            )
            self._connection = connection
        return await connection.exchange(request)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


async def _timed(client: _Client, tally: _Tally, label: str, request: bytes) -> bool:
    """One request: its latency, and an error unless it answered 2xx with a JSON body."""
    t0 = time.perf_counter()
    try:
        status, body = await client.exchange(request)
        json.loads(body)
    except (OSError, _ResponseError, ValueError) as exc:
        tally.errors.append(f"{label}: {type(exc).__name__} {exc}"[:300])
        client.close()
        return False
    tally.latencies.append((time.perf_counter() - t0) * 1000)
    if status >= 300:
        tally.errors.append(f"{label}: {status} {body[:200]!r}")
        return False
    return True


async def _conversations(base: str, token: str, accounts: list[tuple[str, str]]) -> _Tally:
    tally = _Tally()
    host, port = _host_port(base)
    encoder = _Client(host, port, token)
    query = f"?as_of={AS_OF.isoformat()}"
    # Every request encoded before the clock starts: (label, bytes) per conversation.
    queue: asyncio.Queue[list[tuple[str, bytes]]] = asyncio.Queue()
    for ref, postal in accounts:
        path = f"/v1/accounts/{ref}/conversations"
        requests = [("POST conversations", encoder.encode("POST", path + query, {"lang": "en"}))]
        requests += [
            ("POST messages", encoder.encode("POST", f"{path}/messages{query}", {"text": text}))
            for text in (postal, *SCRIPT)
        ]
        queue.put_nowait(requests)

    async def slot() -> None:
        client = _Client(host, port, token)
        try:
            while not queue.empty():
                (label, opening), *turns = queue.get_nowait()
                if not await _timed(client, tally, label, opening):
                    continue
                for label, request in turns:
                    if not await _timed(client, tally, label, request):
                        break
                    tally.turns += 1
        finally:
            client.close()

    await asyncio.gather(*(slot() for _ in range(min(CONCURRENCY, len(accounts)))))
    return tally


async def _plain_gets(base: str, token: str, requests: int) -> _Tally:
    tally = _Tally()
    host, port = _host_port(base)
    request = _Client(host, port, token).encode("GET", "/v1/org")
    left = [requests]

    async def slot() -> None:
        client = _Client(host, port, token)
        try:
            while left[0] > 0:
                left[0] -= 1
                if await _timed(client, tally, "GET /v1/org", request):
                    tally.turns += 1
        finally:
            client.close()

    await asyncio.gather(*(slot() for _ in range(CONCURRENCY)))
    return tally


def _host_port(base: str) -> tuple[str, int]:
    host, _, port = base.removeprefix("http://").partition(":")
    return host, int(port)


def _client_cpu_seconds() -> float:
    """User + system CPU of this process (the benchmark's client runs in it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _log_errors(log: Path, lines: int = 12) -> list[str]:
    """The server log's first lines that name an error (the API logs each failure)."""
    try:
        text = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line[:600] for line in text if "rror" in line or "xception" in line][:lines]


def run(scale: float) -> dict[str, Any]:
    # Smaller (smoke) runs keep fewer conversations, at most CONCURRENCY at once.
    conversations = max(5, round(CONCURRENCY * FULL_ROUNDS * scale))
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    proc: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        try:
            token, accounts = _seed(url, conversations)
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            proc = _serve(url, port, log, WORKERS)
            _wait_ready(base, token, proc)
            # Warm up (pools, the NLU model, the policy cache): one conversation and some GETs.
            asyncio.run(_conversations(base, token, accounts[:1]))
            asyncio.run(_plain_gets(base, token, CONCURRENCY))
            accounts = accounts[1:]
            cpu0, client0, db0 = _cpu_seconds(proc.pid), _client_cpu_seconds(), _db_cpu_seconds()
            started = time.perf_counter()
            tally = asyncio.run(_conversations(base, token, accounts))
            seconds = time.perf_counter() - started
            cpu1, client1, db1 = _cpu_seconds(proc.pid), _client_cpu_seconds(), _db_cpu_seconds()
            started = time.perf_counter()
            plain = asyncio.run(_plain_gets(base, token, tally.turns))
            baseline = time.perf_counter() - started
            cpu2, client2, db2 = _cpu_seconds(proc.pid), _client_cpu_seconds(), _db_cpu_seconds()
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        errors = len(tally.errors) + len(plain.errors)
        server_log = _log_errors(log) if errors else []
    rate = tally.turns / seconds if seconds else 0.0
    return {
        "figure": round(rate, 1),
        "unit": "turns/s",
        "target": TARGET,
        "met": rate >= TARGET_TURNS_PER_SECOND and errors == 0,
        "baseline_seconds": round(baseline, 3),
        "ratio_to_baseline": round(seconds / baseline, 1) if baseline else None,
        "baseline": f"{plain.turns} GET /v1/org at the same concurrency",
        "seconds": round(seconds, 3),
        "turns": tally.turns,
        "conversations": len(accounts),
        "concurrency": min(CONCURRENCY, len(accounts)),
        "requests": len(tally.latencies),
        "p50_ms": round(_percentile(tally.latencies, 0.50), 2),
        "p99_ms": round(_percentile(tally.latencies, 0.99), 2),
        "errors": errors,
        "workers": WORKERS,
        "server_cpu_ms_per_turn": _per(cpu0, cpu1, tally.turns),
        "server_cpu_ms_per_get": _per(cpu1, cpu2, plain.turns),
        "client_cpu_ms_per_turn": _per(client0, client1, tally.turns),
        "client_cpu_ms_per_get": _per(client1, client2, plain.turns),
        "db_cpu_ms_per_turn": _per(db0, db1, tally.turns),
        "db_cpu_ms_per_get": _per(db1, db2, plain.turns),
        "first_errors": (tally.errors + plain.errors)[:5],
        "server_log_errors": server_log,
    }
