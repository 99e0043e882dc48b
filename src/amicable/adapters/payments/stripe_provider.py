"""Stripe: Checkout Sessions as payment links, and the webhook that posts what Stripe reports.

* :class:`StripePaymentLinks` creates one Checkout Session per link (an installment or a balance)
  in the debtor's currency, with the account / plan / installment / invoice in the session's and
  the PaymentIntent's metadata. ``api_base`` points the SDK at another server (a local fake in
  tests); nothing here talks to the internet unless configured to.
* :func:`handle_stripe_webhook` verifies the ``Stripe-Signature`` header with the SDK
  (``stripe.Webhook.construct_event``: HMAC-SHA256 over ``"{t}.{payload}"``, timestamp tolerance)
  and applies ``checkout.session.completed``, ``payment_intent.succeeded``,
  ``payment_intent.payment_failed``, ``charge.refunded`` and ``charge.dispute.created`` once per
  event id (:func:`amicable.service.payments.apply_provider_event`). A bad signature is refused
  with :class:`PermissionDenied` before anything is read from the payload.

Invariants: Stripe amounts are integers in the currency's smallest unit — the same integer minor
units as :class:`Money` — so no conversion or rounding happens; the payment reference in the
ledger is the PaymentIntent id, so a session completion and its PaymentIntent success post once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import stripe

from amicable.domain.errors import InvalidInput, PermissionDenied
from amicable.domain.money import Money
from amicable.service.payment_links import CreatedLink, LinkRequest
from amicable.service.payments import ProviderEvent, ProviderEventOutcome, apply_provider_event
from amicable.service.payments_ports import PaymentsUnitOfWork

__all__ = ["HANDLED_EVENTS", "StripePaymentLinks", "handle_stripe_webhook", "translate_event"]

HANDLED_EVENTS = (
    "checkout.session.completed",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "charge.dispute.created",
)


class StripePaymentLinks:
    """Payment links as Stripe Checkout Sessions."""

    name = "stripe"

    def __init__(
        self,
        api_key: str,
        *,
        success_url: str,
        cancel_url: str,
        api_base: str | None = None,
    ) -> None:
        if not api_key:
            raise InvalidInput("stripe: an API key is required")
        bases: Any = {"api": api_base} if api_base else None
        self._client = stripe.StripeClient(api_key, base_addresses=bases, max_network_retries=0)
        self._success_url = success_url
        self._cancel_url = cancel_url

    def create_link(self, request: LinkRequest) -> CreatedLink:
        metadata = dict(request.metadata)
        params: Any = {
            "mode": "payment",
            "success_url": self._success_url,
            "cancel_url": self._cancel_url,
            "client_reference_id": metadata.get("plan") or metadata.get("invoice") or "",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.amount.code.lower(),
                        "unit_amount": request.amount.minor,
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
        }
        session = self._client.v1.checkout.sessions.create(params=params)
        return CreatedLink("stripe", str(session.id), session.url)


def _day(created: object) -> Any:
    if not isinstance(created, int):
        raise InvalidInput("stripe event: 'created' is not a timestamp")
    return datetime.fromtimestamp(created, UTC).date()


def _money(minor: object, code: object) -> Money:
    if not isinstance(minor, int) or isinstance(minor, bool) or not isinstance(code, str):
        raise InvalidInput("stripe event: amount or currency missing")
    return Money.from_minor(minor, code.upper())


def _meta(obj: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    raw = obj.get("metadata") or {}
    if not isinstance(raw, dict):
        raise InvalidInput("stripe event: 'metadata' is not an object")
    return tuple(sorted((str(k), str(v)) for k, v in raw.items()))


def _object_of(event: object) -> tuple[str, str, object, dict[str, Any]]:
    """``(event id, type, created, data.object)`` of an event document, or ``InvalidInput`` naming what is
    missing (a signed event can still be malformed: that is the sender's error, not ours)."""
    if not isinstance(event, dict):
        raise InvalidInput("stripe event: the payload is not a JSON object")
    event_id, kind = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id:
        raise InvalidInput("stripe event: 'id' is missing or not a string")
    if not isinstance(kind, str) or not kind:
        raise InvalidInput(f"stripe event {event_id}: 'type' is missing or not a string")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise InvalidInput(f"stripe event {event_id}: 'data.object' is missing or not an object")
    if not isinstance(obj.get("id"), str) or not obj["id"]:
        raise InvalidInput(f"stripe event {event_id}: 'data.object.id' is missing or not a string")
    return event_id, kind, event.get("created"), obj


def translate_event(event: object) -> ProviderEvent:
    """The provider-neutral :class:`ProviderEvent` for a (verified) Stripe event document.

    A document without an id, a type or a ``data.object`` with an id is ``InvalidInput``."""
    event_id, kind, created, obj = _object_of(event)
    on = _day(created)
    base = {"provider": "stripe", "event_id": event_id, "event_type": kind, "on": on}
    if kind == "checkout.session.completed":
        if obj.get("payment_status") != "paid":
            return ProviderEvent(**base, type="ignored", link_id=obj.get("id"))
        return ProviderEvent(
            **base, type="paid", payment_reference=str(obj.get("payment_intent") or obj["id"]),
            amount=_money(obj.get("amount_total"), obj.get("currency")),
            link_id=str(obj["id"]), metadata=_meta(obj),
        )  # fmt: skip
    if kind == "payment_intent.succeeded":
        return ProviderEvent(
            **base, type="paid", payment_reference=str(obj["id"]),
            amount=_money(obj.get("amount_received"), obj.get("currency")), metadata=_meta(obj),
        )  # fmt: skip
    if kind == "payment_intent.payment_failed":
        return ProviderEvent(**base, type="failed", payment_reference=str(obj["id"]),
                             metadata=_meta(obj))  # fmt: skip
    if kind == "charge.refunded":
        refunded = obj.get("amount_refunded")
        return ProviderEvent(
            **base, type="refunded", payment_reference=str(obj.get("payment_intent") or obj["id"]),
            amount=_money(refunded, obj.get("currency")), key=f"refund:{obj['id']}:{refunded}",
        )  # fmt: skip
    if kind == "charge.dispute.created":
        return ProviderEvent(
            **base, type="disputed", payment_reference=str(obj.get("payment_intent") or ""),
            amount=_money(obj.get("amount"), obj.get("currency")), key=f"dispute:{obj['id']}",
        )  # fmt: skip
    return ProviderEvent(**base, type="ignored")


def handle_stripe_webhook(
    uow: PaymentsUnitOfWork,
    payload: bytes,
    sig_header: str | None,
    secret: str,
    *,
    tolerance: int = 300,
) -> ProviderEventOutcome:
    """Verify and apply one Stripe webhook delivery (idempotent by event id)."""
    if not secret:
        raise InvalidInput("stripe webhook: no signing secret configured")
    try:
        # The SDK checks the signature only; the verified bytes are read as plain JSON here (the
        # SDK's event objects add nothing we need, and choke on documents that are not events).
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), sig_header, secret, tolerance
        )
        document = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        raise PermissionDenied(
            f"stripe webhook: signature refused ({exc.user_message or exc})"
        ) from None
    except ValueError:
        raise InvalidInput("stripe webhook: the payload is not a JSON event") from None
    return apply_provider_event(uow, translate_event(document))
