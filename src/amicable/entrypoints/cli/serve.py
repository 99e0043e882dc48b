"""``amicable serve [--host] [--port] [--no-runtime]``: the HTTP API on Uvicorn.

Settings come from the environment (``AMICABLE_DATABASE_URL``, ``AMICABLE_ENVIRONMENT``,
``AMICABLE_SECRET_KEY``, rate limits — see ``docs/api.md``); a placeholder secret outside
development stops the start with a clear message. Unless ``--no-runtime``, webhooks are
delivered by an in-process background thread.
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
        bool, typer.Option("--runtime/--no-runtime", help="deliver webhooks in-process")
    ] = True,
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
    from amicable.entrypoints.api.runtime import WebhookPump

    try:
        settings = ApiSettings()
    except ValidationError as exc:
        fail("; ".join(str(e["msg"]) for e in exc.errors()))
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with handle_errors():
        app = bootstrap(database_url or state(ctx).database_url)
        app.ensure_schema()
    transport = HttpxWebhookTransport()
    pump = WebhookPump(app, transport) if runtime else None
    if pump is not None:
        pump.start()
    try:
        # Uvicorn's access log prints raw paths (account references can be names): the API logs
        # each request itself, with the route template, through the redacting logger.
        api = create_app(app, settings=settings, transport=transport)
        uvicorn.run(api, host=host, port=port, access_log=False)
    finally:
        if pump is not None:
            pump.stop()
        transport.close()
        app.close()


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root app."""
    app.command("serve")(serve)
