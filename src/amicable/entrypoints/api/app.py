"""The FastAPI application factory: ``create_app(app) -> FastAPI``.

Invariants: no global state and no connection at import — everything hangs off the returned
application's ``state`` (the amicable :class:`App`, settings, rate limiter, webhook transport,
logger); every route is under ``/v1``; the OpenAPI document is at ``/openapi.json``; each request
is logged once (method, route template, status, milliseconds) through the redacting logger.
"""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from starlette.datastructures import URL
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amicable.bootstrap import App
from amicable.entrypoints.api import (
    routes_admin,
    routes_audit,
    routes_channels,
    routes_conversations,
    routes_ledger,
    routes_offers,
    routes_payments,
    routes_policy,
    routes_queue,
    routes_risk,
    routes_webhooks_providers,
)
from amicable.entrypoints.api.errors import install_error_handlers
from amicable.entrypoints.api.logs import make_logger
from amicable.entrypoints.api.ratelimit import RateLimiter
from amicable.entrypoints.api.runtime import InProcessRuntime, lifespan
from amicable.entrypoints.api.settings import ApiSettings
from amicable.entrypoints.api.tokencache import TokenCache
from amicable.service.conversations import embedded_understanding
from amicable.service.writeback import WebhookTransport

__all__ = ["API_PREFIX", "RequestLogMiddleware", "create_app"]

API_PREFIX = "/v1"


def loggable_path(request: Request) -> str:
    """The route template of a request (``/v1/accounts/{ref}``), never a concrete value that may
    be personal data; ``(no route)`` for a path that matched nothing."""
    return _loggable_path(request.scope)


def _loggable_path(scope: Scope) -> str:
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return "(no route)"
    if "{" not in template:
        return URL(scope=scope).path
    if not template.startswith(API_PREFIX + "/"):
        template = API_PREFIX + template  # routers report their path without the prefix
    return template


#: The collector's young-generation threshold once the server runs (Python's default: 700). A
#: request allocates thousands of short-lived containers that reference counting frees; a young
#: collection every 700 of them was ~3 % of the server's CPU a conversation turn. The older
#: generations keep Python's ratios (10, 10), so a long-running server still collects cycles.
_GC_YOUNG = 50_000


def _freeze_startup_objects() -> None:
    """Collect once, then move every object alive into the collector's permanent generation:
    the long-lived start-up objects are no longer walked by each full collection. From then on
    the young generation is collected every :data:`_GC_YOUNG` allocations."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(_GC_YOUNG, older, oldest)


def _lifespan(threads: int, runtime: InProcessRuntime | None) -> Callable[[Any], Any]:
    """The server's lifespan: the thread pool that runs requests' database work is sized to the
    connection pool (``db_pool_size``: a thread never waits for a connection, see
    :class:`ApiSettings`); the embedded NLU model is loaded before the server takes requests
    (about a second of CPU: otherwise each worker process's first conversation turns wait for
    it, and a model that cannot load stops the server at start instead of failing turns); what
    is alive then (modules, the model, the app) is frozen out of the garbage collector's full
    collections (``gc.freeze``: each one walked all of it, 120 ms a time, 0.3 ms of CPU a
    conversation turn in-process, 0.1 ms frozen); and ``runtime``, if any, starts and stops
    with the server."""

    @asynccontextmanager
    async def _run(api: Any) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        await anyio.to_thread.run_sync(embedded_understanding().warm_up)
        _freeze_startup_objects()
        if runtime is None:
            yield
            return
        async with lifespan(runtime)(api):
            yield

    return _run


class RequestLogMiddleware:
    """Log each HTTP request once through the app's redacting logger: ``request`` with method,
    route template, status and milliseconds (from the request's arrival to its response sent).

    A pure ASGI middleware: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware("http")``)
    ran every request through a second task and a memory stream. As before, a request whose
    handling raised (an unhandled error: the 500 is answered, and logged, outside) is not
    logged here."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, send_and_note)
        if status is not None:
            self.api.state.logger.info(
                "request",
                method=scope["method"],
                path=_loggable_path(scope),
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )


def create_app(
    app: App,
    *,
    settings: ApiSettings | None = None,
    transport: WebhookTransport | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    runtime: InProcessRuntime | None = None,
) -> FastAPI:
    """The HTTP API over ``app`` (settings default to the environment; webhooks over httpx).

    With ``runtime``, the server's lifespan starts it and stops it (``amicable serve``)."""
    settings = settings or ApiSettings()
    if transport is None:
        from amicable.adapters.webhooks import HttpxWebhookTransport

        transport = HttpxWebhookTransport()
    api = FastAPI(
        title="amicable",
        version="1",
        summary="Collections agent for accounts receivable: exact, explainable, inside the rules.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=_lifespan(settings.db_pool_size, runtime),
    )
    api.state.amicable = app
    api.state.settings = settings
    api.state.rate_limiter = RateLimiter(
        settings.rate_limit_per_minute, settings.rate_limit_burst, monotonic
    )
    api.state.token_cache = TokenCache(settings.token_cache_seconds, monotonic)
    api.state.webhook_transport = transport
    api.state.logger = make_logger()
    install_error_handlers(api)
    # Routers are matched in this order, each route of each router tried in turn (no two
    # match the same request, so the order decides nothing else): the conversations come first
    # because every debtor turn is one of their requests — seventh, a message post spent
    # ~150 us of a server's CPU finding its route, ~10 us first.
    for module in (
        routes_conversations,
        routes_admin,
        routes_ledger,
        routes_policy,
        routes_audit,
        routes_offers,
        routes_payments,
        routes_queue,
        routes_risk,
        routes_webhooks_providers,
        routes_channels,
    ):
        api.include_router(module.router, prefix=API_PREFIX)

    # The route template, never the concrete path: account references can be names.
    api.add_middleware(RequestLogMiddleware, api=api)
    return api
