"""Negotiation turns per second over HTTP on PostgreSQL, 50 concurrent conversations (DESIGN.md
§9: ≥ 200 turns/s).

Set-up (not timed): a fresh PostgreSQL database, a sample portfolio imported into a new
organisation ``bench``, the day planned (``plan_day``) to pick accounts the policy negotiates with
(a postal code on file, so the debtor can verify), an admin API token, and the real API served by
``amicable serve --no-runtime`` (Uvicorn, no webhook pump) in a subprocess on 127.0.0.1 with the
rate limit raised out of the way.

Timed: :data:`CONCURRENCY` conversations at once (``httpx.AsyncClient``), each on its own account:
``POST /v1/accounts/{ref}/conversations`` (the agent's opening turn), then the debtor's lines
through ``POST /v1/accounts/{ref}/conversations/messages``. ``figure`` is debtor turns (message
posts) per second of wall time; ``p50_ms`` / ``p99_ms`` are per request; ``errors`` counts non-2xx
answers and failed requests (must be 0). The baseline is the same number of trivial authenticated
``GET /v1/org`` requests on the same server at the same concurrency.

The server runs :data:`WORKERS` Uvicorn processes. ``server_cpu_ms_per_turn`` /
``server_cpu_ms_per_get`` are the CPU time of the server's processes (Linux ``/proc``; None
elsewhere) over the timed turns or the baseline, per debtor turn or per GET: on a shared machine
they move far less with the load than the rates do.
"""

from __future__ import annotations

import asyncio
import csv
import os
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


async def _timed(client: httpx.AsyncClient, tally: _Tally, method: str, path: str,
                 **kw: Any) -> bool:  # fmt: skip
    t0 = time.perf_counter()
    try:
        r = await client.request(method, path, **kw)
    except httpx.HTTPError as exc:
        tally.errors.append(f"{method} {path}: {type(exc).__name__}")
        return False
    tally.latencies.append((time.perf_counter() - t0) * 1000)
    if r.status_code >= 300:
        tally.errors.append(f"{method} {path}: {r.status_code} {r.text[:200]}")
        return False
    return True


async def _conversations(base: str, token: str, accounts: list[tuple[str, str]]) -> _Tally:
    tally = _Tally()
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in accounts:
        queue.put_nowait(item)
    params = {"as_of": AS_OF.isoformat()}

    async def slot(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            ref, postal = queue.get_nowait()
            path = f"/v1/accounts/{ref}/conversations"
            if not await _timed(client, tally, "POST", path, params=params, json={"lang": "en"}):
                continue
            for text in (postal, *SCRIPT):
                ok = await _timed(client, tally, "POST", f"{path}/messages", params=params,
                                  json={"text": text})  # fmt: skip
                if not ok:
                    break
                tally.turns += 1

    async with _client(base, token) as client:
        await asyncio.gather(*(slot(client) for _ in range(min(CONCURRENCY, len(accounts)))))
    return tally


async def _plain_gets(base: str, token: str, requests: int) -> _Tally:
    tally = _Tally()
    left = [requests]

    async def slot(client: httpx.AsyncClient) -> None:
        while left[0] > 0:
            left[0] -= 1
            if await _timed(client, tally, "GET", "/v1/org"):
                tally.turns += 1

    async with _client(base, token) as client:
        await asyncio.gather(*(slot(client) for _ in range(CONCURRENCY)))
    return tally


def _client(base: str, token: str) -> httpx.AsyncClient:
    # Idle connections expire before Uvicorn's 5 s keep-alive timeout closes them server-side
    # (reusing one the server is closing fails with a ReadError that is not the API's).
    limits = httpx.Limits(
        max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY, keepalive_expiry=2.0
    )
    return httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"},
                             limits=limits, timeout=120)  # fmt: skip


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
            cpu0 = _cpu_seconds(proc.pid)
            started = time.perf_counter()
            tally = asyncio.run(_conversations(base, token, accounts))
            seconds = time.perf_counter() - started
            cpu1 = _cpu_seconds(proc.pid)
            started = time.perf_counter()
            plain = asyncio.run(_plain_gets(base, token, tally.turns))
            baseline = time.perf_counter() - started
            cpu2 = _cpu_seconds(proc.pid)
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
        "first_errors": (tally.errors + plain.errors)[:5],
        "server_log_errors": server_log,
    }
