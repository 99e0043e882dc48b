"""The distributed job engine: the agent loop on procrastinate workers (PostgreSQL only).

* :mod:`~amicable.adapters.jobs.connection` — the PostgreSQL connection string for procrastinate
  and its schema, applied idempotently;
* :mod:`~amicable.adapters.jobs.engine` — the procrastinate app: the shard pass task, the
  periodic sweep that enqueues it under queueing locks, stalled-job recovery, failed-job replay;
* :mod:`~amicable.adapters.jobs.journal` — a hand-off journal: a recording provider shared by
  processes through one file (offline runs and the exactly-once tests).
"""

from amicable.adapters.jobs.connection import conninfo_from_url, ensure_job_schema
from amicable.adapters.jobs.engine import (
    JobSettings,
    SweepResult,
    WorkerDeps,
    build_job_app,
    list_jobs,
    recover_stalled,
    replay_job,
    shard_lock,
    sweep,
)
from amicable.adapters.jobs.journal import HandoffJournalSender, read_journal

__all__ = [
    "HandoffJournalSender",
    "JobSettings",
    "SweepResult",
    "WorkerDeps",
    "build_job_app",
    "conninfo_from_url",
    "ensure_job_schema",
    "list_jobs",
    "read_journal",
    "recover_stalled",
    "replay_job",
    "shard_lock",
    "sweep",
]
