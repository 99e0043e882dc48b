"""The job engine on PostgreSQL (procrastinate): the sweep defers one pass per shard and never
twice while one waits (queueing locks), a pass sends each contact once and a second pass of the
same instant sends nothing, a transient hand-off failure is retried with the job, a job that keeps
failing is left ``failed``, visible and replayable, and a job whose worker stopped beating is
recovered (or closed as superseded when a newer pass of its shard waits). ``amicable worker``
refuses SQLite with a message pointing at ``amicable run``.

Workers run in-process here (``run_worker_async(wait=False)``: until no job is left); the
three-process SIGKILL acceptance run is ``tests/e2e/test_workers_kill.py``.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path

import procrastinate
import psycopg
import pytest
from procrastinate import exceptions as pq_exceptions
from typer.testing import CliRunner

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.adapters.jobs import (
    JobSettings,
    WorkerDeps,
    build_job_app,
    conninfo_from_url,
    ensure_job_schema,
    list_jobs,
    recover_stalled,
    replay_job,
    shard_lock,
    sweep,
)
from amicable.adapters.jobs.engine import TASK_PASS
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.domain.errors import ChannelUnavailable, InvalidInput
from amicable.entrypoints.cli import app as cli
from amicable.service.channels import ChannelSender, OutboundMessage, SendResult
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.policies import show_version
from amicable.sim.sample import generate_sample

AS_OF = date(2026, 3, 1)
#: 14:00 UTC on a Monday: Europe's afternoon, the US east coast's morning — many sends.
AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
SETTINGS = JobSettings(shards=3, sweep_cron=None, recover_cron=None, retries=2, retry_wait=0)


@pytest.fixture
def conninfo(db_backend: str, database_url: str) -> str:
    """procrastinate's schema in the test schema, with no job, worker or event left over."""
    if db_backend != "postgres":
        pytest.skip(
            "the job engine (procrastinate) runs on PostgreSQL only; run with --db postgres"
        )
    info = conninfo_from_url(database_url)
    asyncio.run(ensure_job_schema(info))
    with psycopg.connect(info, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, procrastinate_events, "
            "procrastinate_workers RESTART IDENTITY CASCADE"
        )
    return info


@pytest.fixture
def portfolio(app: App, tmp_path: Path) -> App:
    """A 40-account sample portfolio as of 2026-03-01, imported."""
    generate_sample(tmp_path, accounts=40, seed=3, as_of=AS_OF)
    import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
    import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
    import_payments(app.uow(), read_payments(tmp_path / "payments.csv"))
    # As ``amicable worker`` does at start: the default policy is stored before passes run
    # concurrently (two passes storing it at once: one fails on the unique version, is retried).
    show_version(app.uow())
    return app


class CountingSender:
    """Counts every hand-off per dedupe key (not idempotent: a second hand-off shows) and
    answers like the recording outbox; ``fail_first`` hand-offs raise ``ChannelUnavailable``."""

    def __init__(self, clock: SimulatedClock, *, fail_first: int = 0) -> None:
        self.calls: dict[str, int] = {}
        self.failures = 0
        self._fail_first = fail_first
        self._outbox = RecordingOutboxSender(clock=clock)

    def send(self, message: OutboundMessage) -> SendResult:
        if self.failures < self._fail_first:
            self.failures += 1
            raise ChannelUnavailable(f"simulated outage #{self.failures}")
        self.calls[message.dedupe_key] = self.calls.get(message.dedupe_key, 0) + 1
        return self._outbox.send(message)


def _deps(app: App, clock: SimulatedClock, sender: ChannelSender) -> WorkerDeps:
    return WorkerDeps(make_uow=app.uow, sender=sender, clock=clock)


def _sweep(info: str, settings: JobSettings = SETTINGS, at: datetime | None = AT) -> dict:
    async def main() -> dict:
        app = build_job_app(info, settings)
        async with app.open_async():
            return (await sweep(app, settings, at=at)).to_json()

    return asyncio.run(main())


def _drain(info: str, deps: WorkerDeps, settings: JobSettings = SETTINGS) -> None:
    """Run one in-process worker until no job is waiting or running (a retry is scheduled a
    moment after the failure, so the worker is started again while one is due)."""

    async def main() -> None:
        app = build_job_app(info, settings, deps)
        async with app.open_async():
            for _ in range(100):
                await app.run_worker_async(
                    queues=[settings.queue], wait=False, install_signal_handlers=False,
                    listen_notify=False, concurrency=2,
                )  # fmt: skip
                jobs = await list_jobs(app, settings)
                if not any(j.status in ("todo", "doing") for j in jobs):
                    return
                await asyncio.sleep(0.1)
            raise AssertionError("jobs still waiting after 100 worker runs")

    asyncio.run(main())


def _jobs(info: str, status: str | None = None) -> list[procrastinate.jobs.Job]:
    async def main() -> list[procrastinate.jobs.Job]:
        app = build_job_app(info, SETTINGS)
        async with app.open_async():
            return await list_jobs(app, SETTINGS, status=status)

    return asyncio.run(main())


def _sent_keys(app: App) -> list[str]:
    with app.uow() as uow:
        return sorted(a.new.dedupe_key for a in uow.runtime.attempts(status="sent"))


def test_the_sweep_defers_one_pass_per_shard_and_never_twice_while_one_waits(
    conninfo: str,
) -> None:
    first = _sweep(conninfo)
    assert len(first["enqueued"]) == 3 and first["already_queued"] == []
    again = _sweep(conninfo, at=None)
    assert again["enqueued"] == [] and again["already_queued"] == [0, 1, 2]
    jobs = _jobs(conninfo)
    assert len(jobs) == 3
    assert sorted(j.lock or "" for j in jobs) == [shard_lock("default", k, 3) for k in range(3)]
    assert all(j.queueing_lock == j.lock for j in jobs)
    assert [j.task_kwargs for j in jobs] == [
        {"org": "default", "k": k, "n": 3, "at": AT.isoformat()} for k in range(3)
    ]


def test_a_second_waiting_job_of_a_shard_is_refused_by_its_queueing_lock(conninfo: str) -> None:
    async def main() -> None:
        app = build_job_app(conninfo, SETTINGS)
        async with app.open_async():
            task = app.tasks[TASK_PASS]
            lock = shard_lock("default", 0, 3)
            await task.configure(lock=lock, queueing_lock=lock).defer_async(
                org="default", k=0, n=3, at=None
            )
            with pytest.raises(pq_exceptions.AlreadyEnqueued):
                await task.configure(lock=lock, queueing_lock=lock).defer_async(
                    org="default", k=0, n=3, at=AT.isoformat()
                )

    asyncio.run(main())
    assert len(_jobs(conninfo)) == 1


def test_passes_send_each_contact_once_and_a_second_sweep_sends_nothing(
    conninfo: str, portfolio: App, clock: SimulatedClock
) -> None:
    sender = CountingSender(clock)
    _sweep(conninfo)
    _drain(conninfo, _deps(portfolio, clock, sender))
    assert {j.status for j in _jobs(conninfo)} == {"succeeded"}
    sent = _sent_keys(portfolio)
    assert sent, "the 14:00 pass sends reminders"
    assert sorted(sender.calls) == sent and set(sender.calls.values()) == {1}
    # The shard locks are free again: the next sweep defers, and its passes send nothing more.
    assert len(_sweep(conninfo)["enqueued"]) == 3
    _drain(conninfo, _deps(portfolio, clock, sender))
    assert set(sender.calls.values()) == {1} and _sent_keys(portfolio) == sent


def test_a_transient_hand_off_failure_is_retried_with_the_job_under_its_key(
    conninfo: str, portfolio: App, clock: SimulatedClock
) -> None:
    sender = CountingSender(clock, fail_first=1)
    _sweep(conninfo)
    _drain(conninfo, _deps(portfolio, clock, sender))
    jobs = _jobs(conninfo)
    assert {j.status for j in jobs} == {"succeeded"}
    assert sorted(j.attempts for j in jobs) == [1, 1, 2]  # the failed pass ran twice
    assert sender.failures == 1
    assert sorted(sender.calls) == _sent_keys(portfolio) and set(sender.calls.values()) == {1}


def test_the_backoff_is_exponential_and_bounded() -> None:
    settings = JobSettings(retries=4, retry_wait=3, sweep_cron=None, recover_cron=None)
    app = build_job_app("postgresql://unused", settings)
    strategy = app.tasks[TASK_PASS].retry_strategy
    assert isinstance(strategy, procrastinate.RetryStrategy)
    assert (strategy.max_attempts, strategy.exponential_wait) == (4, 3)  # waits 3, 9, 27, 81 s
    never = build_job_app("postgresql://unused", JobSettings(retries=0))
    assert never.tasks[TASK_PASS].retry_strategy is None  # not "unlimited"
    with pytest.raises(InvalidInput, match="--shards"):
        JobSettings(shards=0)
    with pytest.raises(InvalidInput, match="cron"):
        JobSettings(sweep_cron="every five minutes")


def test_a_pass_that_keeps_failing_is_left_failed_visible_and_replayable(
    conninfo: str, portfolio: App, clock: SimulatedClock
) -> None:
    settings = JobSettings(shards=1, sweep_cron=None, recover_cron=None, retries=1, retry_wait=0)
    down = CountingSender(clock, fail_first=10**6)
    _sweep(conninfo, settings)
    _drain(conninfo, _deps(portfolio, clock, down), settings)
    [failed] = _jobs(conninfo, status="failed")
    assert failed.attempts == 2 and down.calls == {}
    with portfolio.uow() as uow:
        assert uow.runtime.attempts(status="planned"), "written, never handed off"

    async def replay() -> str | None:
        app = build_job_app(conninfo, settings)
        async with app.open_async():
            assert failed.id is not None
            return (await replay_job(app, settings, failed.id)).status

    assert asyncio.run(replay()) == "todo"
    up = CountingSender(clock)
    _drain(conninfo, _deps(portfolio, clock, up), settings)
    assert [j.status for j in _jobs(conninfo)] == ["succeeded"]
    assert sorted(up.calls) == _sent_keys(portfolio) and set(up.calls.values()) == {1}
    with portfolio.uow() as uow:
        assert uow.runtime.attempts(status="planned") == []


async def _stall_one(app: procrastinate.App, conninfo: str) -> int:
    """A worker takes a job and dies: its heartbeat is an hour old."""
    worker = await app.job_manager.register_worker()
    job = await app.job_manager.fetch_job([SETTINGS.queue], worker)
    assert job is not None and job.id is not None
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        await conn.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour' "
            "WHERE id = %s",
            (worker,),
        )
    return job.id


def test_a_job_whose_worker_stopped_beating_is_recovered_or_superseded(conninfo: str) -> None:
    settings = JobSettings(shards=1, sweep_cron=None, recover_cron=None, stalled_after=5)

    async def main() -> None:
        app = build_job_app(conninfo, settings)
        async with app.open_async():
            await sweep(app, settings, at=AT)
            stalled = await _stall_one(app, conninfo)
            # A live worker's job is not touched: only the dead worker's.
            assert await recover_stalled(app, settings) == ([stalled], [])
            [job] = await list_jobs(app, settings)
            assert (job.id, job.status) == (stalled, "todo")
            # Stalled again, while a newer pass of the shard already waits: closed as superseded.
            again = await _stall_one(app, conninfo)
            assert again == stalled
            lock = shard_lock("default", 0, 1)
            newer = (
                await app.tasks[TASK_PASS]
                .configure(lock=lock, queueing_lock=lock)
                .defer_async(org="default", k=0, n=1, at=None)
            )
            assert await recover_stalled(app, settings) == ([], [stalled])
            statuses = {j.id: j.status for j in await list_jobs(app, settings)}
            assert statuses == {stalled: "failed", newer: "todo"}

    asyncio.run(main())


def test_the_worker_refuses_sqlite_and_points_at_amicable_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    for args in (["worker"], ["worker", "sweep"], ["worker", "jobs"], ["worker", "--init"]):
        result = CliRunner().invoke(cli, [*args, "--database-url", url])
        assert result.exit_code == 2, (args, result.output)
        message = " ".join(result.stderr.split())
        assert "needs PostgreSQL" in message and "amicable run" in message


def test_the_cli_sweeps_lists_and_replays(conninfo: str, database_url: str) -> None:
    runner = CliRunner()
    db = ["--database-url", database_url]
    swept = runner.invoke(
        cli, ["worker", "sweep", "--at", "2026-03-02T14:00:00Z", "--shards", "2", "--json", *db]
    )
    assert swept.exit_code == 0, swept.output
    out = json.loads(swept.stdout)
    assert out["at"] == AT.isoformat() and out["shards"] == 2 and len(out["enqueued"]) == 2
    again = json.loads(
        runner.invoke(cli, ["worker", "sweep", "--shards", "2", "--json", *db]).stdout
    )
    assert again["enqueued"] == [] and again["already_queued"] == [0, 1]
    listed = json.loads(runner.invoke(cli, ["worker", "jobs", "--json", *db]).stdout)["jobs"]
    assert [(j["task"], j["status"], j["args"]["k"]) for j in listed] == [
        (TASK_PASS, "todo", 0),
        (TASK_PASS, "todo", 1),
    ]
    # Only a failed job can be replayed.
    refused = runner.invoke(cli, ["worker", "retry", str(listed[0]["id"]), *db])
    assert refused.exit_code == 2 and "only a failed job" in " ".join(refused.stderr.split())
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "UPDATE procrastinate_jobs SET status = 'failed' WHERE id = %s", (listed[0]["id"],)
        )
    failed = json.loads(
        runner.invoke(cli, ["worker", "jobs", "--status", "failed", "--json", *db]).stdout
    )
    assert [j["id"] for j in failed["jobs"]] == [listed[0]["id"]]
    replayed = runner.invoke(cli, ["worker", "retry", str(listed[0]["id"]), "--json", *db])
    assert replayed.exit_code == 0, replayed.output
    assert json.loads(replayed.stdout)["status"] == "todo"
    bad = runner.invoke(cli, ["worker", "sweep", "--at", "tomorrow", *db])
    assert bad.exit_code == 2 and "ISO 8601" in " ".join(bad.stderr.split())
