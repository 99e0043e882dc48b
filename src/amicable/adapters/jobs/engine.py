"""The procrastinate app of the agent loop: shard passes, the periodic sweep, stalled-job
recovery and failed-job replay.

Work is cut into **shard passes**: the job ``amicable.run_shard(org, k, n, at)`` runs
:func:`~amicable.service.runtime.run_due` with ``shard=(k, n)`` — the accounts whose customer id
is ``k`` modulo ``n`` — at the instant ``at`` (ISO 8601), or at the worker's clock when the job
starts if ``at`` is null. Each pass job carries the same string ``amicable:<org>:pass:<k>/<n>``
as its procrastinate **queueing lock** (at most one waiting job per shard: a sweep never queues
a piece of work twice) and as its **lock** (at most one running job per shard: one account is
handled by one worker at a time).

* :func:`sweep` (also the periodic task ``amicable.sweep`` on ``JobSettings.sweep_cron``) first
  recovers stalled jobs, then defers one pass job per shard; a shard whose job is still waiting
  is reported as ``already_queued``.
* :func:`recover_stalled` (also the periodic task ``amicable.recover_stalled`` on
  ``JobSettings.recover_cron``) finds jobs left ``doing`` by a worker whose heartbeat stopped
  (killed, machine lost: procrastinate 3's ``get_stalled_jobs`` by heartbeat) and puts them back
  to ``todo`` for another worker. When a newer job of the same shard is already waiting, the
  stalled one is closed as ``failed`` instead (``superseded``): the waiting pass does its work.
* A pass that ends with errors (an account that failed, a hand-off refused for now) raises
  :class:`ShardPassIncomplete`; procrastinate retries it with exponential backoff
  (``retry_wait ** (attempt + 1)`` seconds, up to ``retries`` times), then leaves it ``failed``:
  visible with :func:`list_jobs`, replayable with :func:`replay_job`.

Why a retried pass sends nothing twice: every contact is written to the outbox with its dedupe key
and committed *before* the hand-off; the second pass finds the key taken (``add_attempt`` returns
nothing) or the attempt still ``planned`` and hands it off again under the same key, to a provider
adapter that is idempotent by it.

Invariants: the clock is read only when a job without ``at`` starts; every pass job of one
``(org, n)`` carries one lock string per shard; ``n`` must be the same for every sweeper of an
organisation (shards of different ``n`` overlap).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import procrastinate
from croniter import croniter  # type: ignore[import-untyped]
from procrastinate import exceptions as pq_exceptions
from procrastinate.jobs import Job, Status

from amicable.domain.clock import Clock, ensure_utc
from amicable.domain.errors import InvalidInput, NotFound
from amicable.service.channels import ChannelSender
from amicable.service.runtime import run_due
from amicable.service.runtime_ports import RuntimeUnitOfWork

__all__ = [
    "TASK_PASS",
    "TASK_RECOVER",
    "TASK_SWEEP",
    "JobSettings",
    "ShardPassIncomplete",
    "SweepResult",
    "WorkerDeps",
    "build_job_app",
    "job_json",
    "list_jobs",
    "recover_stalled",
    "replay_job",
    "shard_lock",
    "sweep",
]

log = logging.getLogger(__name__)

TASK_PASS: Final = "amicable.run_shard"
TASK_SWEEP: Final = "amicable.sweep"
TASK_RECOVER: Final = "amicable.recover_stalled"


class ShardPassIncomplete(Exception):
    """A shard pass ended with errors; the job is retried (nothing was sent twice)."""


@dataclass(frozen=True, slots=True)
class JobSettings:
    """How the job engine cuts and schedules the work.

    Attributes:
        org: the organisation (tenant) the passes work on.
        shards: ``n``, the number of shard passes one sweep defers.
        queue: the procrastinate queue of every amicable job.
        sweep_cron: when the periodic sweep runs (5 or 6 cron fields, the 6th is seconds);
            ``None``: no periodic sweep (``amicable worker sweep`` defers passes by hand).
        recover_cron: when stalled jobs are looked for; ``None``: only at each sweep.
        stalled_after: seconds without a worker heartbeat after which its running jobs are
            stalled (workers beat every third of it).
        retries: how many times a failed pass is retried before it is left ``failed``.
        retry_wait: exponential backoff base in seconds (``retry_wait ** (attempt + 1)``).
    """

    org: str = "default"
    shards: int = 4
    queue: str = "amicable"
    sweep_cron: str | None = "*/5 * * * *"
    recover_cron: str | None = "* * * * *"
    stalled_after: float = 30.0
    retries: int = 5
    retry_wait: int = 3

    def __post_init__(self) -> None:
        if self.shards < 1:
            raise InvalidInput(f"--shards must be at least 1, got {self.shards}")
        if self.retries < 0:
            raise InvalidInput(f"--retries must not be negative, got {self.retries}")
        if self.retry_wait < 0:
            raise InvalidInput(f"--retry-wait must not be negative, got {self.retry_wait}")
        if self.stalled_after <= 0:
            raise InvalidInput(f"--stalled-after must be positive, got {self.stalled_after}")
        for name, cron in (
            ("--sweep-cron", self.sweep_cron),
            ("--recover-cron", self.recover_cron),
        ):
            if cron is not None and not croniter.is_valid(cron):
                raise InvalidInput(f"{name} {cron!r} is not a cron expression (5 or 6 fields)")

    @property
    def heartbeat_every(self) -> float:
        """How often a worker updates its heartbeat (a third of ``stalled_after``)."""
        return self.stalled_after / 3


@dataclass(frozen=True, slots=True)
class WorkerDeps:
    """What a worker process needs to run passes: units of work on an organisation, the sender,
    the clock (read when a job without ``at`` starts) and the collector type."""

    make_uow: Callable[[str], RuntimeUnitOfWork]
    sender: ChannelSender
    clock: Clock
    collector_type: str | None = None


@dataclass(slots=True)
class SweepResult:
    """What one sweep did: pass jobs deferred (ids), shards whose job was already waiting,
    stalled jobs put back to ``todo`` and stalled jobs closed as superseded."""

    at: datetime | None
    shards: int
    enqueued: list[int] = field(default_factory=list)
    already_queued: list[int] = field(default_factory=list)
    recovered: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": None if self.at is None else self.at.isoformat(),
            "shards": self.shards,
            "enqueued": self.enqueued,
            "already_queued": self.already_queued,
            "recovered": self.recovered,
            "superseded": self.superseded,
        }


def shard_lock(org: str, k: int, n: int) -> str:
    """The lock and queueing lock of the pass job of shard ``k`` of ``n`` of ``org``."""
    return f"amicable:{org}:pass:{k}/{n}"


def build_job_app(
    conninfo: str, settings: JobSettings, deps: WorkerDeps | None = None, *, pool_size: int = 4
) -> procrastinate.App:
    """The procrastinate app with amicable's tasks; ``deps`` is needed only to *run* passes
    (a process that only sweeps or lists jobs passes ``None``)."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo, min_size=1, max_size=max(2, pool_size)
        ),
        worker_defaults={
            "update_heartbeat_interval": settings.heartbeat_every,
            "stalled_worker_timeout": settings.stalled_after,
        },
    )
    # procrastinate reads ``max_attempts=0`` as "no limit": no retries is ``retry=False``.
    retry: procrastinate.RetryStrategy | bool = (
        procrastinate.RetryStrategy(
            max_attempts=settings.retries, exponential_wait=settings.retry_wait
        )
        if settings.retries
        else False
    )

    @app.task(name=TASK_PASS, queue=settings.queue, retry=retry)
    def run_shard(org: str, k: int, n: int, at: str | None = None) -> dict[str, Any]:
        if deps is None:
            raise RuntimeError("this process was built without worker dependencies")
        now = ensure_utc(datetime.fromisoformat(at)) if at else deps.clock.now()
        report = run_due(
            deps.make_uow(org), now, sender=deps.sender, collector_type=deps.collector_type,
            shard=(k, n),
        )  # fmt: skip
        out = report.to_json()
        log.info("pass %s/%s of %s at %s: %s", k, n, org, now.isoformat(), out)
        if report.errors:
            raise ShardPassIncomplete(
                f"pass {k}/{n} of {org} at {now.isoformat()} ended with {report.errors} "
                "error(s) (see the log); it is retried, nothing already sent is sent again"
            )
        return out

    if settings.sweep_cron is not None:

        @app.periodic(cron=settings.sweep_cron, periodic_id=settings.org)
        @app.task(
            name=TASK_SWEEP, queue=settings.queue, pass_context=True,
            queueing_lock=f"amicable:{settings.org}:sweep",
        )  # fmt: skip
        async def sweep_task(context: procrastinate.JobContext, timestamp: int) -> None:
            assert context.app is not None
            result = await sweep(context.app, settings)
            log.info("sweep at %s: %s", timestamp, result.to_json())

    if settings.recover_cron is not None:

        @app.periodic(cron=settings.recover_cron, periodic_id=settings.org)
        @app.task(
            name=TASK_RECOVER, queue=settings.queue, pass_context=True,
            queueing_lock=f"amicable:{settings.org}:recover",
        )  # fmt: skip
        async def recover_task(context: procrastinate.JobContext, timestamp: int) -> None:
            assert context.app is not None
            retried, superseded = await recover_stalled(context.app, settings)
            if retried or superseded:
                log.warning("stalled jobs: retried %s, superseded %s", retried, superseded)

    return app


async def sweep(
    app: procrastinate.App, settings: JobSettings, *, at: datetime | None = None
) -> SweepResult:
    """Recover stalled jobs, then defer one pass job per shard (at ``at``, else at the instant
    each job starts); a shard whose job is still waiting is left alone (queueing lock)."""
    at = None if at is None else ensure_utc(at)
    result = SweepResult(at=at, shards=settings.shards)
    result.recovered, result.superseded = await recover_stalled(app, settings)
    task = app.tasks[TASK_PASS]
    n = settings.shards
    for k in range(n):
        lock = shard_lock(settings.org, k, n)
        try:
            job_id = await task.configure(lock=lock, queueing_lock=lock).defer_async(
                org=settings.org, k=k, n=n, at=None if at is None else at.isoformat()
            )
        except pq_exceptions.AlreadyEnqueued:
            result.already_queued.append(k)
        else:
            result.enqueued.append(job_id)
    return result


async def recover_stalled(
    app: procrastinate.App, settings: JobSettings
) -> tuple[list[int], list[int]]:
    """Put the jobs of workers whose heartbeat stopped back to ``todo`` (``retried``), or close
    them as ``failed`` when a newer job of the same shard already waits (``superseded``)."""
    manager = app.job_manager
    stalled = await manager.get_stalled_jobs(
        queue=settings.queue, seconds_since_heartbeat=settings.stalled_after
    )
    retried: list[int] = []
    superseded: list[int] = []
    for job in stalled:
        assert job.id is not None
        try:
            await manager.retry_job(job)
        except pq_exceptions.UniqueViolation:
            # A newer pass of this shard waits already: it does this one's work.
            await manager.finish_job(job, status=Status.FAILED, delete_job=False)
            superseded.append(job.id)
        except pq_exceptions.ConnectorException as exc:
            # Another worker recovered it first (it is no longer ``doing``).
            log.info("stalled job %s not retried here: %s", job.id, exc)
        else:
            retried.append(job.id)
    return retried, superseded


def job_json(job: Job) -> dict[str, Any]:
    """One job as JSON: ``{"id", "task", "status", "queue", "lock", "args", "attempts",
    "scheduled_at"}``."""
    return {
        "id": job.id,
        "task": job.task_name,
        "status": job.status,
        "queue": job.queue,
        "lock": job.lock,
        "args": job.task_kwargs,
        "attempts": job.attempts,
        "scheduled_at": None if job.scheduled_at is None else job.scheduled_at.isoformat(),
    }


async def list_jobs(
    app: procrastinate.App, settings: JobSettings, *, status: str | None = None
) -> list[Job]:
    """amicable's jobs in ``settings.queue`` (optionally of one status), oldest first."""
    statuses = {s.value for s in Status}
    if status is not None and status not in statuses:
        raise InvalidInput(f"--status must be one of {', '.join(sorted(statuses))}; got {status!r}")
    found: Iterable[Job] = await app.job_manager.list_jobs_async(
        queue=settings.queue, status=status
    )
    return sorted(found, key=lambda j: j.id or 0)


async def replay_job(app: procrastinate.App, settings: JobSettings, job_id: int) -> Job:
    """Put the ``failed`` job ``job_id`` back to ``todo`` (its attempts go on counting)."""
    [*found] = await app.job_manager.list_jobs_async(id=job_id, queue=settings.queue)
    if not found:
        raise NotFound(f"no job {job_id} in queue {settings.queue!r}")
    job = found[0]
    if job.status != Status.FAILED.value:
        raise InvalidInput(f"job {job_id} is {job.status}, only a failed job can be replayed")
    await app.job_manager.retry_job(job)
    [*after] = await app.job_manager.list_jobs_async(id=job_id)
    return after[0]
