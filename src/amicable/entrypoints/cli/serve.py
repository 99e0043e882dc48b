"""``amicable serve [--host] [--port] [--no-runtime]``: the HTTP API on Uvicorn.

Settings come from the environment (``AMICABLE_DATABASE_URL``, ``AMICABLE_ENVIRONMENT``,
``AMICABLE_SECRET_KEY``, rate limits — see ``docs/api.md``); a placeholder secret outside
development stops the start with a clear message. Unless ``--no-runtime``, the in-process
runtime (:class:`amicable.entrypoints.api.runtime.InProcessRuntime`) runs with the server: the
agent loop every ``--loop-interval`` seconds (contacts recorded in the outbox, as ``amicable run``
does) and webhook delivery every ``--webhook-interval`` seconds; it starts and stops with the
server's lifespan.
"""

from __future__ import annotations

from typing import Annotated

import typer

from amicable.entrypoints.cli._common import fail, handle_errors, state

__all__ = ["register"]


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
) -> None:
    """Serve the HTTP API (``/v1``, OpenAPI at ``/openapi.json``)."""
    import logging

    import uvicorn
    from pydantic import ValidationError

    from amicable.adapters.webhooks import HttpxWebhookTransport
    from amicable.bootstrap import bootstrap
    from amicable.entrypoints.api import ApiSettings, create_app
    from amicable.entrypoints.api.runtime import InProcessRuntime

    try:
        settings = ApiSettings()
    except ValidationError as exc:
        fail("; ".join(str(e["msg"]) for e in exc.errors()))
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with handle_errors():
        app = bootstrap(database_url or state(ctx).database_url)
        app.ensure_schema()
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


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root app."""
    app.command("serve")(serve)
