"""``amicable worker``: the agent loop on procrastinate workers (PostgreSQL), and its tools.

* ``amicable worker [--concurrency N] [--queues Q …] [--shards N] [--sweep-cron C]
  [--recover-cron C] [--stalled-after S] [--retries N] [--retry-wait S] [--handoff-log PATH]
  [--init]`` — runs a worker until SIGINT / SIGTERM (applies procrastinate's schema first when it
  is missing; ``--init`` applies it and exits);
* ``amicable worker sweep [--at ISO] [--json]`` — one sweep now: recover stalled jobs, defer one
  pass job per shard (queueing locks: never twice while one waits);
* ``amicable worker jobs [--status S] [--json]`` — the jobs and their status;
* ``amicable worker retry JOB_ID [--json]`` — replay a failed job.

On SQLite (the embedded default) every one of these refuses with a message pointing at
``amicable run``, which runs the same loop in-process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar

import procrastinate
import typer
from rich.console import Console
from sqlalchemy.exc import IntegrityError

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.jobs import (
    HandoffJournalSender,
    JobSettings,
    WorkerDeps,
    build_job_app,
    conninfo_from_url,
    ensure_job_schema,
    list_jobs,
    replay_job,
    sweep,
)
from amicable.adapters.jobs.engine import job_json
from amicable.bootstrap import App, bootstrap
from amicable.config import Settings
from amicable.domain.clock import ensure_utc
from amicable.entrypoints.cli._common import fail, handle_errors, print_json, state
from amicable.entrypoints.cli._db import DbOpt, JsonOpt, OrgOpt
from amicable.entrypoints.cli.runtime import CollectorOpt
from amicable.service.channels import ChannelSender
from amicable.service.policies import show_version

__all__ = ["register"]

T = TypeVar("T")

ShardsOpt = Annotated[
    int,
    typer.Option(
        "--shards",
        envvar="AMICABLE_WORKER_SHARDS",
        help="shard passes per sweep (the same for every worker of the organisation)",
    ),
]
QueueOpt = Annotated[str, typer.Option("--queue", help="procrastinate queue of amicable's jobs")]

worker_app = typer.Typer(
    help="The agent loop on procrastinate workers (PostgreSQL).",
    invoke_without_command=True,
    no_args_is_help=False,
)


def _cron(raw: str | None) -> str | None:
    return None if raw is None or raw.strip().lower() in ("", "off", "none") else raw


def _conninfo(ctx: typer.Context, database_url: str | None) -> str:
    url = Settings.load(database_url or state(ctx).database_url).database_url
    with handle_errors():
        return conninfo_from_url(url)


def _with_app(
    conninfo: str, settings: JobSettings, work: Callable[[procrastinate.App], Awaitable[T]]
) -> T:
    async def main() -> T:
        await ensure_job_schema(conninfo)
        app = build_job_app(conninfo, settings)
        async with app.open_async():
            return await work(app)

    with handle_errors():
        return asyncio.run(main())


@worker_app.callback()
def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="passes this process runs at once")
    ] = 1,
    queues: Annotated[
        list[str] | None,
        typer.Option("--queues", help="queues to take jobs from (repeatable; default: --queue)"),
    ] = None,
    queue: QueueOpt = "amicable",
    shards: ShardsOpt = 4,
    sweep_cron: Annotated[
        str,
        typer.Option(
            "--sweep-cron",
            envvar="AMICABLE_SWEEP_CRON",
            help="periodic sweep (cron, 6th field = seconds); 'off' for none",
        ),
    ] = "*/5 * * * *",
    recover_cron: Annotated[
        str,
        typer.Option("--recover-cron", help="stalled-job recovery (cron); 'off': at sweeps only"),
    ] = "* * * * *",
    stalled_after: Annotated[
        float,
        typer.Option("--stalled-after", help="seconds without heartbeat before a job is stalled"),
    ] = 30.0,
    retries: Annotated[int, typer.Option("--retries", help="retries of a failed pass")] = 5,
    retry_wait: Annotated[
        int, typer.Option("--retry-wait", help="backoff base: waits b, b², b³ … seconds")
    ] = 3,
    handoff_log: Annotated[
        Path | None,
        typer.Option(
            "--handoff-log",
            help="record hand-offs in this JSON-lines file shared by workers (default: the "
            "in-memory recording outbox of `amicable run`)",
        ),
    ] = None,
    init: Annotated[
        bool, typer.Option("--init", help="apply procrastinate's schema if missing, then exit")
    ] = False,
    collector_type: CollectorOpt = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
) -> None:
    """Run a worker: shard passes of the agent loop, the periodic sweep, stalled-job recovery."""
    if ctx.invoked_subcommand is not None:
        return
    url = database_url or state(ctx).database_url
    conninfo = _conninfo(ctx, database_url)
    if init:
        with handle_errors():
            applied = asyncio.run(ensure_job_schema(conninfo))
        Console(highlight=False).print(
            "procrastinate schema applied" if applied else "procrastinate schema already there"
        )
        return
    with handle_errors():
        settings = JobSettings(
            org=org, shards=shards, queue=queue, sweep_cron=_cron(sweep_cron),
            recover_cron=_cron(recover_cron), stalled_after=stalled_after, retries=retries,
            retry_wait=retry_wait,
        )  # fmt: skip
        amicable = bootstrap(url)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"
    )
    try:
        with handle_errors():
            _store_default_policy(amicable, org)
        sender: ChannelSender = (
            RecordingOutboxSender(clock=amicable.clock)
            if handoff_log is None
            else HandoffJournalSender(handoff_log, clock=amicable.clock)
        )
        deps = WorkerDeps(
            make_uow=amicable.uow, sender=sender, clock=amicable.clock,
            collector_type=collector_type,
        )  # fmt: skip

        async def main() -> None:
            await ensure_job_schema(conninfo)
            app = build_job_app(conninfo, settings, deps, pool_size=concurrency + 2)
            async with app.open_async():
                await app.run_worker_async(
                    queues=queues or [queue], concurrency=concurrency, wait=True
                )

        with handle_errors():
            asyncio.run(main())
    finally:
        amicable.close()


def _store_default_policy(amicable: App, org: str) -> None:
    """Store the packaged default policy now if none is stored yet, so concurrent passes do not
    race to store it (one would fail on the unique version and be retried)."""
    for _ in range(2):
        try:
            show_version(amicable.uow(org))
            return
        except IntegrityError:  # another worker stored it at the same moment
            continue


@worker_app.command("sweep")
def sweep_cmd(
    ctx: typer.Context,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="run the passes at this instant (ISO 8601, e.g. 2026-03-02T14:00:00Z; default: "
            "when each job starts)",
        ),
    ] = None,
    shards: ShardsOpt = 4,
    queue: QueueOpt = "amicable",
    json_out: JsonOpt = False,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
) -> None:
    """Recover stalled jobs and defer one pass job per shard (never twice while one waits)."""
    instant = None
    if at is not None:
        try:
            instant = ensure_utc(datetime.fromisoformat(at.replace("Z", "+00:00")))
        except ValueError:
            fail(f"--at must be an ISO 8601 instant such as 2026-03-02T14:00:00Z, got {at!r}")
    conninfo = _conninfo(ctx, database_url)
    with handle_errors():
        settings = JobSettings(org=org, shards=shards, queue=queue)

    async def work(app: procrastinate.App) -> dict[str, object]:
        return (await sweep(app, settings, at=instant)).to_json()

    out = _with_app(conninfo, settings, work)
    if json_out:
        print_json(out)
        return
    Console(highlight=False).print(
        f"enqueued {len(out['enqueued'])} pass job(s) "  # type: ignore[arg-type]
        f"of {shards}; already queued: {out['already_queued']}; "
        f"recovered: {out['recovered']}; superseded: {out['superseded']}"
    )


@worker_app.command("jobs")
def jobs_cmd(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option("--status", help="todo | doing | succeeded | failed | cancelled | aborted"),
    ] = None,
    queue: QueueOpt = "amicable",
    json_out: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """List amicable's jobs (failed ones can be replayed with `amicable worker retry ID`)."""
    conninfo = _conninfo(ctx, database_url)
    settings = JobSettings(queue=queue)

    async def work(app: procrastinate.App) -> list[dict[str, object]]:
        return [job_json(j) for j in await list_jobs(app, settings, status=status)]

    found = _with_app(conninfo, settings, work)
    if json_out:
        print_json({"jobs": found})
        return
    console = Console(highlight=False)
    for j in found:
        console.print(
            f"{j['id']:>6} {j['status']:<10} {j['task']} {j['args']} attempts={j['attempts']}"
        )


@worker_app.command("retry")
def retry_cmd(
    ctx: typer.Context,
    job_id: Annotated[int, typer.Argument(help="the failed job's id")],
    queue: QueueOpt = "amicable",
    json_out: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Replay a failed job: back to todo, taken by the next free worker."""
    conninfo = _conninfo(ctx, database_url)
    settings = JobSettings(queue=queue)

    async def work(app: procrastinate.App) -> dict[str, object]:
        return job_json(await replay_job(app, settings, job_id))

    out = _with_app(conninfo, settings, work)
    if json_out:
        print_json(out)
        return
    Console(highlight=False).print(f"job {job_id} is {out['status']} again")


def register(app: typer.Typer) -> None:
    app.add_typer(worker_app, name="worker")
