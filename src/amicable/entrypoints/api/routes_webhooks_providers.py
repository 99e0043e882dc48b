"""Public webhooks of payment providers: ``POST /v1/webhooks/stripe/{org}``.

Invariants:
* No bearer token: the provider's signature is the authentication. It is verified on the raw
  body bytes (``Stripe-Signature``, HMAC-SHA256 over ``"{t}.{body}"`` with a timestamp
  tolerance) by :func:`amicable.adapters.payments.stripe_provider.handle_stripe_webhook` before
  anything in the payload is read; the secret comes from settings — the organisation's own
  (``AMICABLE_STRIPE_WEBHOOK_SECRETS``), else the server's (``AMICABLE_STRIPE_WEBHOOK_SECRET``) —
  never from the request.
* A bad or missing signature, a payload that is not an event (including a signed event without
  ``data.object``), or an organisation without a configured secret is a ``400`` problem
  (Stripe's convention) and a warning in the log (without the body).
* The same event delivered twice answers ``200`` both times and is applied once (by event id).
* Rate-limited like every public endpoint; an unknown organisation is a ``404`` — answered only
  after the signature was verified, so the route does not reveal which organisations exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse

from amicable.adapters.payments.stripe_provider import handle_stripe_webhook
from amicable.domain.errors import InvalidInput, PermissionDenied
from amicable.entrypoints.api.deps import AmicableApp, RateLimited
from amicable.entrypoints.api.errors import problem

__all__ = ["MAX_EVENT", "router"]

router = APIRouter()

MAX_EVENT = 1024 * 1024
OrgName = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[^\x00/]+$", description="organisation")
]


def _refuse(request: Request, detail: str) -> JSONResponse:
    request.app.state.logger.warning("stripe webhook refused", reason=detail)
    return problem(400, "bad-request", "Bad request", detail)


@router.post("/webhooks/stripe/{org}", tags=["webhooks"], response_model=None)
async def stripe_webhook(
    org: OrgName,
    request: Request,
    app: AmicableApp,
    _limited: RateLimited,
    stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> dict[str, Any] | JSONResponse:
    """Apply one Stripe event (payment succeeded or failed, checkout completed, refund, dispute)
    to the organisation's ledger, once per event id. Answers ``{"event_id", "outcome"}``."""
    secret = request.app.state.settings.stripe_secret_for(org)
    if not secret:
        return _refuse(request, "stripe webhooks are not configured on this server")
    if not stripe_signature:
        return _refuse(request, "the Stripe-Signature header is missing")
    payload = await request.body()
    if len(payload) > MAX_EVENT:
        return _refuse(request, "the event is larger than 1 MiB")
    try:
        outcome = await _apply(app, org, payload, stripe_signature, secret)
    except PermissionDenied:
        return _refuse(request, "the Stripe signature does not verify")
    except InvalidInput as exc:
        return _refuse(request, str(exc))
    return {"event_id": outcome.event_id, "outcome": outcome.outcome}


async def _apply(app: AmicableApp, org: str, payload: bytes, signature: str, secret: str) -> Any:
    from starlette.concurrency import run_in_threadpool

    # The database work is synchronous: keep it off the event loop.
    return await run_in_threadpool(handle_stripe_webhook, app.uow(org), payload, signature, secret)
