"""Routes of the audit trail (verify, export), the outcome event stream (JSON or CSV) and webhook
subscriptions with their delivery log."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status

from amicable.entrypoints.api.deps import AmicableApp, CurrentPrincipal, Uow, guard
from amicable.entrypoints.api.schemas import (
    AttemptPublic,
    AuditVerificationPublic,
    DeliveryPublic,
    DeliveryReportPublic,
    EventPublic,
    Page,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
)
from amicable.service import audit, writeback
from amicable.service.api_ports import SubscriptionRow

__all__ = ["router"]

router = APIRouter()

From = Annotated[date | None, Query(alias="from", description="first UTC date (inclusive)")]
To = Annotated[date | None, Query(alias="to", description="last UTC date (inclusive)")]
Format = Annotated[Literal["json", "csv"], Query()]
Id = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/audit/verify", tags=["audit"], **guard("audit.verify"))
def verify(uow: Uow) -> AuditVerificationPublic:
    """Recompute the organisation's hash chain; ``ok`` is false with every break listed."""
    return AuditVerificationPublic.model_validate(audit.verify(uow).to_json())


@router.get(
    "/audit/export",
    tags=["audit"],
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
    **guard("audit.export"),
)
def export(uow: Uow, start: From = None, end: To = None, format: Format = "json") -> Response:
    """Records from ``from`` to ``to`` with their hashes, for an examiner."""
    text = audit.export(uow, start=start, end=end, fmt=format)
    media = "text/csv" if format == "csv" else "application/json"
    return Response(text, media_type=media)


@router.get(
    "/events",
    tags=["write-back"],
    response_model=Page[EventPublic],
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
    **guard("events.read"),
)
def events(uow: Uow, start: From = None, end: To = None, format: Format = "json") -> object:
    """The outcome events (as JSON, or as CSV for accounting imports)."""
    if format == "csv":
        return Response(writeback.events_csv(uow, start=start, end=end), media_type="text/csv")
    lo, hi = audit.date_bounds(start, end)
    with uow:
        rows = uow.events.events(lo, hi)
    data = [
        EventPublic(
            event_id=e.event_id, kind=e.kind, created_at=e.created_at, data=json.loads(e.payload)
        )
        for e in rows
    ]
    return Page[EventPublic](data=data, count=len(data))


def _webhook(s: SubscriptionRow) -> WebhookPublic:
    return WebhookPublic(
        id=s.id, url=s.url, kinds=list(s.kinds), active=s.active, created_at=s.created_at
    )


@router.get("/webhooks", tags=["write-back"], **guard("webhooks.read"))
def list_webhooks(uow: Uow) -> Page[WebhookPublic]:
    with uow:
        rows = uow.events.subscriptions()
    return Page[WebhookPublic](data=[_webhook(s) for s in rows], count=len(rows))


@router.post(
    "/webhooks",
    status_code=status.HTTP_201_CREATED,
    tags=["write-back"],
    **guard("webhooks.manage"),
)
def create_webhook(body: WebhookCreate, uow: Uow, who: CurrentPrincipal) -> WebhookCreated:
    """Subscribe a URL to event kinds (none: all); the response carries the signing secret once."""
    sub = writeback.subscribe(uow, body.url, body.kinds, secret=body.secret, actor=who.actor)
    return WebhookCreated(**_webhook(sub).model_dump(), secret=sub.secret)


@router.get("/webhooks/{webhook_id}", tags=["write-back"], **guard("webhooks.read"))
def show_webhook(webhook_id: Id, uow: Uow) -> WebhookPublic:
    with uow:
        return _webhook(uow.events.subscription(webhook_id))


@router.delete("/webhooks/{webhook_id}", tags=["write-back"], **guard("webhooks.manage"))
def delete_webhook(webhook_id: Id, uow: Uow, who: CurrentPrincipal) -> WebhookPublic:
    """Deactivate a subscription (its delivery log is kept)."""
    writeback.unsubscribe(uow, webhook_id, actor=who.actor)
    with uow:
        return _webhook(uow.events.subscription(webhook_id))


@router.get("/webhooks/{webhook_id}/deliveries", tags=["write-back"], **guard("webhooks.read"))
def deliveries(webhook_id: Id, uow: Uow) -> Page[DeliveryPublic]:
    """The delivery log of a subscription: each event's status and every attempt."""
    with uow:
        rows = uow.events.deliveries(webhook_id)
        data = [
            DeliveryPublic(
                id=d.id,
                subscription_id=d.subscription_id,
                event_id=d.event.event_id,
                kind=d.event.kind,
                status=d.status,
                attempts=d.attempts,
                next_attempt_at=d.next_attempt_at,
                delivered_at=d.delivered_at,
                last_status_code=d.last_status_code,
                last_error=d.last_error,
                log=[
                    AttemptPublic(at=at, status_code=code, error=err)
                    for at, code, err in uow.events.attempts(d.id)
                ],
            )
            for d in rows
        ]
    return Page[DeliveryPublic](data=data, count=len(data))


@router.post("/webhooks/deliver", tags=["write-back"], **guard("webhooks.deliver"))
def deliver(request: Request, app: AmicableApp, uow: Uow) -> DeliveryReportPublic:
    """Attempt every due delivery now (the runtime also does this on its own schedule)."""
    report = writeback.deliver_pending(uow, app.clock.now(), request.app.state.webhook_transport)
    return DeliveryReportPublic(**report.to_json())
