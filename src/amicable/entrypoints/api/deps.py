"""Request dependencies: the application, rate limiting, authentication, authorisation, the unit
of work — as ``Annotated`` aliases routes declare.

Invariants:
* Every request that reaches a route has passed the rate limiter (keyed by client address).
* Every route except ``/v1/health`` declares its action with :func:`guard`; the dependency
  authenticates the bearer token (401 without a valid one) and checks the authorisation matrix
  (403 when the role may not). The action is also published in the OpenAPI document
  (``x-amicable-action``) so tests and clients can read the matrix per route.
* The unit of work is opened on the token's organisation only: a route cannot name another one.
* A token that authenticated is remembered for a few seconds
  (:class:`~amicable.entrypoints.api.tokencache.TokenCache`, ``AMICABLE_TOKEN_CACHE_SECONDS``):
  a revocation through the API takes effect at once, one made elsewhere within that lifetime.
* The dependencies that do no I/O are coroutines (run on the event loop, not in the thread pool:
  a request used to cross into a worker thread once per dependency), and the tree under a guarded
  route is small (role check -> bearer scheme; the unit of work a leaf): FastAPI walks every node
  of it on every request. The principal is authenticated once per request and kept in the
  request's scope, where the unit of work (and ``CurrentPrincipal``) read it; a route's own
  dependencies (the guard) are solved before its parameters'. The rate limit is taken once per
  request, with the principal or by ``RateLimited``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from amicable.adapters.db.repositories_api import SqlTokenDirectory
from amicable.adapters.db.uow import SqlUnitOfWork
from amicable.bootstrap import App
from amicable.entrypoints.api.tokencache import TokenCache
from amicable.service import security
from amicable.service.authz import allowed
from amicable.service.security import Principal

__all__ = [
    "AmicableApp",
    "CurrentPrincipal",
    "RateLimited",
    "Uow",
    "guard",
]

_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer amk_…`")


async def get_app(request: Request) -> App:
    app: App = request.app.state.amicable
    return app


AmicableApp = Annotated[App, Depends(get_app)]


def _client_key(request: Request) -> str:
    if request.app.state.settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


async def rate_limit(request: Request) -> None:
    _take(request)


def _take(request: Request) -> None:
    """Take one request from the client's bucket (429 when empty), once per request however
    many dependencies ask."""
    scope = request.scope
    if scope.get(_LIMITED):
        return
    scope[_LIMITED] = True
    limiter = request.app.state.rate_limiter
    wait = limiter.take(_client_key(request))
    if wait > 0:
        raise HTTPException(
            429,
            "too many requests from this address; retry later",
            headers={"Retry-After": str(limiter.retry_after(wait))},
        )


RateLimited = Annotated[None, Depends(rate_limit)]
_LIMITED = "amicable.rate_limited"
_PRINCIPAL = "amicable.principal"
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _authenticate(app: App, secret: str) -> Principal | None:
    app.ensure_schema()
    with app.engine.begin() as conn:
        return security.authenticate(SqlTokenDirectory(conn), secret, app.clock.now())


async def get_principal(request: Request, credentials: Credentials) -> Principal:
    return await _principal(request, credentials)


async def _principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    """The request's principal: authenticated once per request (then read from the request's
    scope, where nothing from the client can put it), rate limit first."""
    scope = request.scope
    who: Principal | None = scope.get(_PRINCIPAL)
    if who is not None:
        return who
    # The rate limit and the app are taken here rather than as sub-dependencies: FastAPI walks
    # (and keys) every node of a route's dependency tree on every request.
    _take(request)
    app: App = request.app.state.amicable
    unauthorized = HTTPException(
        401, "a valid API token is required", headers={"WWW-Authenticate": "Bearer"}
    )
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized
    cache: TokenCache = request.app.state.token_cache
    key = security.hash_token(credentials.credentials)
    who = cache.get(key)
    if who is None:
        who = await run_in_threadpool(_authenticate, app, credentials.credentials)
        if who is None:
            raise unauthorized
        cache.put(key, who)
    scope[_PRINCIPAL] = who
    return who


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(action: str) -> Any:
    """A dependency refusing (403) callers whose role may not perform ``action``."""
    allowed("admin", action)  # an action missing from the matrix fails when the app is built

    async def check(request: Request, credentials: Credentials) -> Principal:
        who = await _principal(request, credentials)
        if not allowed(who.role, action):
            raise HTTPException(403, f"role {who.role!r} may not perform {action!r}")
        return who

    return check


def guard(action: str) -> dict[str, Any]:
    """Route keyword arguments: the authorisation dependency and the OpenAPI annotation."""
    return {
        "dependencies": [Depends(require(action))],
        "openapi_extra": {"x-amicable-action": action},
    }


async def get_uow(request: Request) -> SqlUnitOfWork:
    # The principal of the route's guard, solved first (a route's own dependencies come before
    # its parameters'); without a guard, authenticated here all the same.
    who = request.scope.get(_PRINCIPAL)
    if who is None:
        who = await _principal(request, await _bearer(request))
    app: App = request.app.state.amicable
    return app.uow(who.org_name)


Uow = Annotated[SqlUnitOfWork, Depends(get_uow)]
