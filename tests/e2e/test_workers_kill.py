"""Acceptance (issue 6): on PostgreSQL, three ``amicable worker`` processes run the agent loop on a
300-account sample portfolio over three days × three send slots; one worker is killed with
SIGKILL in the middle of a pass and restarted. At the end every due action was done exactly once:

* nothing was handed to the provider twice — the provider here is the hand-off journal the
  workers share (``--handoff-log``), which records **every** hand-off call with the pid that
  made it; a second call with a key (a retried pass re-handing an attempt the dead worker left
  ``planned``) is answered from the first record and only the dead worker's keys may see one;
* nothing was lost — the outbox (every dedupe key and its final status) and the escalations are
  exactly those of the same slots run in one process (``run_due`` on SQLite, the reference), and
  no attempt is left ``planned``;
* every attempt carries its compliance decision, and every sent one was allowed;
* the killed pass was recovered from its worker's missing heartbeat and retried.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import psycopg
import pytest
from sqlalchemy import func, select

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.db.tables_payments import escalations
from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.adapters.jobs import (
    JobSettings,
    build_job_app,
    conninfo_from_url,
    read_journal,
    sweep,
)
from amicable.adapters.jobs.engine import TASK_PASS
from amicable.bootstrap import App, bootstrap
from amicable.domain.clock import SimulatedClock
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.runtime import SEND_SLOTS, run_due
from amicable.sim.sample import generate_sample

pytestmark = pytest.mark.slow

AS_OF = date(2026, 3, 1)
AS_OF_AT = datetime.combine(AS_OF, SEND_SLOTS[0], tzinfo=UTC)
INSTANTS = [
    datetime.combine(AS_OF + timedelta(days=d), slot, tzinfo=UTC)
    for d in (1, 2, 3)
    for slot in SEND_SLOTS
]
SHARDS = 6
KILL_DURING = 1  # the sweep (index in INSTANTS) during which a worker dies
AMICABLE = str(Path(sys.executable).parent / "amicable")


def _import(app: App, folder: Path) -> None:
    import_customers(app.uow(), read_customers(folder / "customers.csv"))
    import_invoices(app.uow(), read_invoices(folder / "invoices.csv"))
    import_payments(app.uow(), read_payments(folder / "payments.csv"))


def _outcome(app: App) -> tuple[dict[str, str], int]:
    """Every attempt's dedupe key → status, and the number of escalations."""
    with app.uow() as uow:
        attempts = {a.new.dedupe_key: a.status for a in uow.runtime.attempts()}
    with app.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(escalations)).scalar_one()
    return attempts, n


class Workers:
    """``amicable worker`` subprocesses on one database, each logging to its own file."""

    def __init__(self, url: str, journal: Path, logs: Path) -> None:
        self.url = url
        self.journal = journal
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []
        self._logs: list[IO[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker-{len(self.procs)}.log").open("wb")
        self._logs.append(log)
        proc = subprocess.Popen(
            [
                AMICABLE, "worker", "--database-url", self.url, "--shards", str(SHARDS),
                "--sweep-cron", "off", "--recover-cron", "* * * * * *", "--stalled-after", "6",
                "--retry-wait", "1", "--handoff-log", str(self.journal),
            ],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for log in self._logs:
            log.close()


def _query(conninfo: str, sql: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def _sweep(conninfo: str, at: datetime) -> dict[str, Any]:
    settings = JobSettings(shards=SHARDS, sweep_cron=None, recover_cron=None)

    async def main() -> dict[str, Any]:
        app = build_job_app(conninfo, settings)
        async with app.open_async():
            return (await sweep(app, settings, at=at)).to_json()

    return asyncio.run(main())


def _execute(conninfo: str, sql: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _wait(condition: object, what: str, timeout: float = 180.0, every: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def test_three_workers_one_killed_mid_pass_do_every_due_action_exactly_once(
    db_backend: str, database_url: str, app: App, tmp_path: Path
) -> None:
    if db_backend != "postgres":
        pytest.skip("workers (procrastinate) run on PostgreSQL only; run with --db postgres")
    sample = tmp_path / "sample"
    generate_sample(sample, accounts=300, seed=3, as_of=AS_OF)
    _import(app, sample)

    # The reference: the same slots in one process, on SQLite.
    reference = bootstrap(f"sqlite:///{tmp_path / 'reference.db'}", clock=SimulatedClock(AS_OF_AT))
    try:
        _import(reference, sample)
        for at in INSTANTS:
            run_due(reference.uow(), at, sender=RecordingOutboxSender(clock=reference.clock))
        expected, expected_escalations = _outcome(reference)
    finally:
        reference.close()
    assert Counter(expected.values())["sent"] >= 30, "the run must send enough to be a test"

    conninfo = conninfo_from_url(database_url)
    cli = [AMICABLE, "worker"]
    subprocess.run([*cli, "--init", "--database-url", database_url], check=True)
    _execute(
        conninfo,
        "TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, procrastinate_events, "
        "procrastinate_workers RESTART IDENTITY CASCADE",
    )
    journal = tmp_path / "handoffs.jsonl"
    workers = Workers(database_url, journal, tmp_path)

    def registered() -> list[int]:
        return [int(r[0]) for r in _query(conninfo, "SELECT id FROM procrastinate_workers")]  # type: ignore[call-overload]

    def unfinished() -> int:
        rows = _query(
            conninfo,
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s "
            "AND status IN ('todo', 'doing')",
            TASK_PASS,
        )
        return int(rows[0][0])  # type: ignore[call-overload]

    killed_job: int | None = None
    killed_pids: set[int] = set()
    try:
        # The victim first, so its procrastinate worker id is known; then the two others.
        victim = workers.start()
        _wait(lambda: len(registered()) == 1, "the first worker to register", timeout=60)
        [victim_id] = registered()
        workers.start()
        workers.start()
        _wait(lambda: len(registered()) == 3, "three workers", timeout=60)
        with psycopg.connect(conninfo, autocommit=True) as poll:

            def victim_mid_pass(at: datetime) -> int | None:
                """The pass job the victim runs now, once another pass of the slot is done."""
                row = poll.execute(
                    "SELECT id, (SELECT count(*) FROM procrastinate_jobs WHERE "
                    "status = 'succeeded' AND args->>'at' = %s) FROM procrastinate_jobs "
                    "WHERE status = 'doing' AND worker_id = %s AND task_name = %s",
                    (at.isoformat(), victim_id, TASK_PASS),
                ).fetchone()
                return int(row[0]) if row is not None and row[1] >= 1 else None

            for i, at in enumerate(INSTANTS):
                if i == 0:  # the first slot through the real CLI, the others in-process (faster)
                    swept = subprocess.run(
                        [*cli, "sweep", "--at", at.isoformat(), "--shards", str(SHARDS),
                         "--json", "--database-url", database_url],
                        check=True, capture_output=True, text=True,
                    )  # fmt: skip
                    assert len(json.loads(swept.stdout)["enqueued"]) == SHARDS
                else:
                    assert len(_sweep(conninfo, at)["enqueued"]) == SHARDS
                if killed_job is None and i >= KILL_DURING:
                    # Kill the victim while it runs a pass of this slot (its job is ``doing``);
                    # if the slot ends before that happens, try again at the next one.
                    deadline = time.monotonic() + 120
                    while killed_job is None and unfinished() and time.monotonic() < deadline:
                        killed_job = victim_mid_pass(at)
                        time.sleep(0.001)
                    if killed_job is not None:
                        os.kill(victim.pid, signal.SIGKILL)
                        victim.wait()
                        killed_pids.add(victim.pid)
                        known = max(registered())
                        restarted = workers.start()  # a new process, a new worker id
                        [(status,)] = _query(
                            conninfo, "SELECT status FROM procrastinate_jobs WHERE id = %s",
                            killed_job,
                        )  # fmt: skip
                        if status == "succeeded":
                            # The pass committed before the signal landed: not killed mid-pass.
                            # Aim again at the next slot, at the restarted process.
                            killed_job = None
                            victim = restarted
                            _wait(lambda known=known: max(registered()) > known,
                                  "the restarted worker", timeout=60)  # fmt: skip
                            victim_id = max(registered())
                _wait(lambda: unfinished() == 0, f"every pass at {at} to finish")
    finally:
        workers.stop()

    # The killed pass was recovered (its worker stopped beating) and run again to success.
    assert killed_job is not None
    jobs = _query(
        conninfo,
        "SELECT id, status, attempts FROM procrastinate_jobs WHERE task_name = %s",
        TASK_PASS,
    )
    assert len(jobs) == SHARDS * len(INSTANTS)
    assert {r[1] for r in jobs} == {"succeeded"}, jobs
    [(_, _, killed_attempts)] = [r for r in jobs if r[0] == killed_job]
    assert int(killed_attempts) >= 2  # type: ignore[call-overload]

    # Nothing lost, nothing extra: the outbox and escalations are those of the one-process run.
    got, got_escalations = _outcome(app)
    assert "planned" not in got.values()
    assert got == expected
    assert got_escalations == expected_escalations

    # Nothing handed to the provider twice.
    lines = read_journal(journal)
    first = Counter(line["dedupe_key"] for line in lines if not line["repeat"])
    sent = sorted(k for k, s in got.items() if s == "sent")
    assert sorted(first) == sent and set(first.values()) == {1}
    first_pid = {line["dedupe_key"]: line["pid"] for line in lines if not line["repeat"]}
    repeats = [line for line in lines if line["repeat"]]
    # Only what a killed worker had handed off without marking it sent is handed off again.
    assert {first_pid[r["dedupe_key"]] for r in repeats} <= killed_pids

    # Every attempt carries its compliance decision; everything sent was allowed.
    with app.uow() as uow:
        stored = uow.runtime.attempts()
    assert stored and all(a.new.packs and isinstance(a.new.allowed, bool) for a in stored)
    assert all(a.new.allowed for a in stored if a.status == "sent")
    print(
        f"\n{len(stored)} attempts, {len(sent)} sent, {got_escalations} escalations, "
        f"{len(lines)} hand-off calls ({len(repeats)} repeated after the kill), "
        f"killed job {killed_job} ran {killed_attempts} times"
    )
