"""The payment-link port: a provider that turns an amount owed into a link the debtor can pay.

:class:`PaymentLinkProvider` is implemented by the embedded :class:`ManualPaymentLinks` (no
provider: payments are recorded through the CLI or API, so everything works offline) and by the
Stripe adapter (``amicable.adapters.payments.stripe_provider``: a Checkout Session per link).
:func:`create_payment_link` picks the amount — one installment of a plan, or the balance of an
invoice or of the whole account — in the debtor's currency, asks the provider for a link carrying
the account / plan / installment / invoice in its metadata, and stores it.

Invariants: a link is always for a positive amount in one currency; the metadata is what a
provider webhook later uses to post the payment to the right account, plan and invoice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from amicable.domain.errors import InvalidInput, NotFound
from amicable.domain.money import Money
from amicable.service.payments_ports import PaymentLinkRow, PaymentsUnitOfWork
from amicable.service.queries import resolve_account

__all__ = [
    "CreatedLink",
    "LinkRequest",
    "ManualPaymentLinks",
    "PaymentLinkProvider",
    "create_payment_link",
]


@dataclass(frozen=True, slots=True)
class LinkRequest:
    """What to collect: ``amount`` with a human ``description`` and provider ``metadata``."""

    amount: Money
    description: str
    metadata: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CreatedLink:
    """The provider's answer: its id for the link and the URL to send (None: no URL)."""

    provider: str
    provider_id: str
    url: str | None


class PaymentLinkProvider(Protocol):
    """A payment provider able to create a payable link."""

    @property
    def name(self) -> str: ...

    def create_link(self, request: LinkRequest) -> CreatedLink: ...


class ManualPaymentLinks:
    """The embedded default: no provider, no URL — the debtor pays by transfer quoting the
    reference, and the payment is recorded with ``amicable payments record`` or reconciled."""

    name = "manual"

    def create_link(self, request: LinkRequest) -> CreatedLink:
        return CreatedLink("manual", f"manual-{uuid.uuid4().hex[:16]}", None)


def create_payment_link(
    uow: PaymentsUnitOfWork,
    provider: PaymentLinkProvider,
    account_ref: str,
    *,
    as_of: date,
    plan_key: str | None = None,
    installment: int | None = None,
    invoice_number: str | None = None,
    currency_code: str | None = None,
) -> PaymentLinkRow:
    """Create and store a link for one plan installment (default: the next unpaid one), one
    invoice's open amount, or the account's balance in ``currency_code``. Commits."""
    with uow:
        customer = resolve_account(uow, account_ref)
        meta: dict[str, str] = {"account": customer.external_id}
        if plan_key is not None:
            plan = uow.payments.plan(plan_key).plan
            open_items = [i for i in plan.installments if i.paid < i.amount
                          and i.status.value != "waived"]  # fmt: skip
            chosen = (
                next((i for i in open_items if i.number == installment), None)
                if installment is not None
                else (open_items[0] if open_items else None)
            )
            if chosen is None:
                raise NotFound(f"plan {plan_key!r} has no unpaid installment {installment or ''}")
            amount = chosen.amount - chosen.paid
            meta |= {"plan": plan.id, "installment": str(chosen.number)}
            if plan.reference:
                meta["reference"] = plan.reference
            description = f"Installment {chosen.number} of plan {plan.id}"
            installment = chosen.number
        elif invoice_number is not None:
            found = [i for i in uow.reports.invoice_balances(as_of, customer.id)
                     if i.number == invoice_number]  # fmt: skip
            if not found:
                raise NotFound(f"account {account_ref!r} has no invoice {invoice_number!r}")
            amount = Money.from_minor(found[0].open_minor, found[0].currency)
            meta["invoice"] = invoice_number
            description = f"Invoice {invoice_number}"
        else:
            rows = [i for i in uow.reports.invoice_balances(as_of, customer.id) if i.open_minor > 0]
            codes = {i.currency for i in rows} if currency_code is None else {currency_code}
            if len(codes) != 1:
                raise InvalidInput(f"account {account_ref!r} owes in {sorted(codes)}; name one")
            code = codes.pop()
            amount = Money.from_minor(sum(i.open_minor for i in rows if i.currency == code), code)
            description = f"Balance of account {customer.external_id}"
        if not amount.is_positive():
            raise InvalidInput(f"nothing is owed for this link ({amount})")
        created = provider.create_link(
            LinkRequest(amount, description, tuple(sorted(meta.items())))
        )
        link_id = uow.payments.add_link(
            customer.id, created.provider, created.provider_id, created.url, amount.code,
            amount.minor, plan_key=plan_key, installment=installment,
            invoice_number=invoice_number,
        )  # fmt: skip
        uow.commit()
        return PaymentLinkRow(link_id, customer.id, created.provider, created.provider_id,
                              created.url, amount.code, amount.minor, plan_key, installment,
                              invoice_number, "open")  # fmt: skip
