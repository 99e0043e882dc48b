"""``amicable serve [--host] [--port] [--workers N] [--no-runtime]``: the HTTP API on Uvicorn.

Settings come from the environment (``AMICABLE_DATABASE_URL``, ``AMICABLE_ENVIRONMENT``,
``AMICABLE_SECRET_KEY``, rate limits — see ``docs/api.md``); a placeholder secret outside
development stops the start with a clear message. Unless ``--no-runtime``, the in-process
runtime (:class:`amicable.entrypoints.api.runtime.InProcessRuntime`) runs with the server: the
agent loop every ``--loop-interval`` seconds (contacts recorded in the outbox, as ``amicable run``
does) and webhook delivery every ``--webhook-interval`` seconds; it starts and stops with the
server's lifespan.

``--workers N`` (N > 1) runs N Uvicorn processes on the one port (each request is handled in one
of them; the processes share nothing but the database): the schema is checked (or migrated) once
before they start, and each worker builds its own app from the environment
(:func:`worker_app`). It needs ``--no-runtime`` — the agent loop and webhook delivery belong in
one process of their own (one ``amicable serve`` with the runtime, or ``amicable worker``), not
once per worker. Per-process state stays sound across workers: the rate limiter's buckets are
per process (the effective limit is N times the setting; a proxy limit in front is the global
cap) and the token cache only repeats what the database said a few seconds ago.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from amicable.entrypoints.cli._common import fail, handle_errors, state

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["register", "worker_app"]

#: Where :func:`worker_app` finds the database of the server its process belongs to.
_URL_VARIABLE = "AMICABLE_DATABASE_URL"


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to bind")] = 8000,
    runtime: Annotated[
        bool,
        typer.Option(
            "--runtime/--no-runtime", help="run the agent loop and deliver webhooks in-process"
        ),
    ] = True,
    loop_interval: Annotated[
        float, typer.Option("--loop-interval", min=1.0, help="seconds between agent-loop passes")
    ] = 60.0,
    webhook_interval: Annotated[
        float, typer.Option("--webhook-interval", min=0.5, help="seconds between webhook rounds")
    ] = 5.0,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="SQLAlchemy URL")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, help="Uvicorn worker processes (more than 1 needs --no-runtime)"
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API (``/v1``, OpenAPI at ``/openapi.json``)."""
    import logging

    import uvicorn
    from pydantic import ValidationError

    from amicable.adapters.webhooks import HttpxWebhookTransport
    from amicable.bootstrap import bootstrap
    from amicable.entrypoints.api import ApiSettings, create_app
    from amicable.entrypoints.api.runtime import InProcessRuntime

    if workers > 1 and runtime:
        fail(
            "--workers above 1 needs --no-runtime: run the agent loop and webhook delivery in "
            "one process of their own (one `amicable serve` with the runtime, or "
            "`amicable worker`), not once per worker"
        )
    try:
        settings = ApiSettings()
    except ValidationError as exc:
        fail("; ".join(str(e["msg"]) for e in exc.errors()))
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    url = database_url or state(ctx).database_url
    with handle_errors():
        app = bootstrap(url, pool=settings.pool())
        app.ensure_schema()
    if workers > 1:
        app.close()  # each worker opens its own pool
        os.environ[_URL_VARIABLE] = app.settings.database_url
        uvicorn.run(
            f"{__name__}:worker_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
        )
        return
    transport = HttpxWebhookTransport()
    background = (
        InProcessRuntime(
            app, transport, loop_interval=loop_interval, webhook_interval=webhook_interval
        )
        if runtime
        else None
    )
    try:
        # Uvicorn's access log prints raw paths (account references can be names): the API logs
        # each request itself, with the route template, through the redacting logger.
        api = create_app(app, settings=settings, transport=transport, runtime=background)
        uvicorn.run(api, host=host, port=port, access_log=False)
    finally:
        transport.close()
        app.close()


def worker_app() -> FastAPI:
    """The API of one ``serve --workers N`` process (Uvicorn calls it in each worker): settings
    and the database from the environment, no in-process runtime."""
    import logging

    from amicable.bootstrap import bootstrap
    from amicable.entrypoints.api import ApiSettings, create_app

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = ApiSettings()
    app = bootstrap(os.environ[_URL_VARIABLE], pool=settings.pool())
    app.ensure_schema()
    return create_app(app, settings=settings)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root app."""
    app.command("serve")(serve)
