"""The one place that turns amicable's exceptions into HTTP problems (RFC 9457).

Every error response is ``application/problem+json``::

    {"type": "https://amicable.dev/problems/not-found", "title": "Not found", "status": 404,
     "detail": "no account 'C-9' …", "problems": [...]}      # problems: validation details

Mapping (most specific class first)::

    InvalidPolicy, InvalidScenario, InvalidMoney, UnknownCurrency, InvalidInput -> 422
    CurrencyMismatch -> 422          NotFound -> 404          AmbiguousReference -> 409
    Conflict -> 409                  PermissionDenied -> 403  ChannelUnavailable -> 503
    sqlalchemy DataError (a value the database cannot store: NUL, out of range) -> 422
    sqlalchemy IntegrityError (a concurrent duplicate) -> 409
    InvariantViolation and any other exception -> 500 (detail hidden, logged)
    request validation (FastAPI) -> 422 with every problem's location

Invariant: a 500 never carries the exception text (it may hold data); the log line does,
redacted.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from amicable.domain.errors import (
    AmbiguousReference,
    AmicableError,
    ChannelUnavailable,
    Conflict,
    CurrencyMismatch,
    InvalidInput,
    InvalidPolicy,
    NotFound,
    PermissionDenied,
)

__all__ = ["PROBLEM_JSON", "install_error_handlers", "problem"]

PROBLEM_JSON = "application/problem+json"
_BASE = "https://amicable.dev/problems/"

# (exception class, status, slug, title) — checked in order, so subclasses come first.
_MAPPING: tuple[tuple[type[AmicableError], int, str, str], ...] = (
    (InvalidInput, 422, "invalid-input", "Invalid input"),
    (CurrencyMismatch, 422, "currency-mismatch", "Currency mismatch"),
    (NotFound, 404, "not-found", "Not found"),
    (AmbiguousReference, 409, "ambiguous-reference", "Ambiguous reference"),
    (Conflict, 409, "conflict", "Conflict"),
    (PermissionDenied, 403, "forbidden", "Forbidden"),
    (ChannelUnavailable, 503, "unavailable", "Service unavailable"),
)

_HTTP_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("too-large", "Request too large"),
    429: ("rate-limited", "Too many requests"),
}


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    problems: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": _BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if problems is not None:
        body["problems"] = problems
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _problems_of(exc: AmicableError) -> list[dict[str, Any]] | None:
    if isinstance(exc, InvalidPolicy):
        out: list[dict[str, Any]] = []
        for p in exc.problems:
            to_json = getattr(p, "to_json", None)
            out.append(to_json() if callable(to_json) else {"message": str(p)})
        return out
    return None


async def _amicable_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AmicableError)
    for cls, status, slug, title in _MAPPING:
        if isinstance(exc, cls):
            return problem(status, slug, title, str(exc), problems=_problems_of(exc))
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    from amicable.entrypoints.api.app import loggable_path  # app imports this module

    logger = getattr(request.app.state, "logger", None)
    if logger is not None:
        error = f"{type(exc).__name__}: {exc}"
        logger.error("unhandled error", path=loggable_path(request), error=error)
    return problem(500, "internal", "Internal error", "an internal error occurred; it was logged")


async def _data_error(_request: Request, _exc: Exception) -> JSONResponse:
    # The driver's message may quote the value (personal data): say what kind of problem only.
    return problem(
        422,
        "invalid-input",
        "Invalid input",
        "a value in the request cannot be stored (for example a NUL character or a number "
        "out of range)",
    )


async def _integrity_error(_request: Request, _exc: Exception) -> JSONResponse:
    return problem(
        409, "conflict", "Conflict", "a concurrent change conflicted with this one; retry"
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = [
        {
            "location": ".".join(str(p) for p in err.get("loc", ())),
            "message": str(err.get("msg", "")),
        }
        for err in exc.errors()
    ]
    detail = "; ".join(f"{i['location']}: {i['message']}" for i in items[:5])
    return problem(422, "invalid-request", "Invalid request", detail, problems=items)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = _HTTP_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
    headers = dict(exc.headers) if exc.headers else None
    return problem(exc.status_code, slug, title, str(exc.detail), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(AmicableError, _amicable_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
