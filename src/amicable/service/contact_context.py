"""The compliance view of an account: :func:`contact_context` maps what the ledger and the outbox
know about one customer onto :class:`amicable.compliance.ComplianceContext`.

The mapping (documented in ``docs/runtime.md``):

* debtor type = the customer type (``business`` / ``consumer``); address = country, region and
  postal code; phones and time zone as stored;
* consents: the latest consent record per channel — ``granted`` becomes a
  :class:`~amicable.compliance.ChannelConsent` (given at its recorded instant; a consent imported
  without one counts as given since the epoch, i.e. before any contact we made), a refusal or
  withdrawal becomes an opt-out of that channel;
* stop flags come from customer tags: ``cease`` (cease communication), ``attorney``,
  ``bankruptcy``, ``vulnerable``, ``mental_capacity_concern``; ``time_barred`` marks every debt
  time-barred;
* debts: every invoice with an open amount, ``delinquent_since`` the day after its due date when
  that day is on or before ``as_of``;
* history: every outbox attempt that may have reached the debtor (``planned`` counts, so a crash
  between writing and sending can only make the caps stricter), outcome ``delivered`` — or
  ``failed`` for a failed hand-off; a placed call or voicemail carries its call outcome from the
  status callback (``conversation``, ``no_answer``, ``voicemail``, ``busy`` …; ``no_answer``
  until it is known) — and every inbound event, as an inbound ``delivered`` event
  (``conversation`` on the telephone); ``blocked`` attempts never left and are not history;
* collector type: the configured one, else ``first_party`` (amicable's default user is a creditor
  chasing its own invoices).

Invariants: pure (no I/O, no clock); the result only ever names channels, outcomes and types from
the compliance vocabulary; a channel without any consent record is neither consented nor opted out
(the packs decide what that means for that channel).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Final

from amicable.compliance import (
    Address,
    ChannelConsent,
    ComplianceContext,
    Debt,
    Debtor,
    HistoryEvent,
)
from amicable.compliance.model import CHANNELS as COMPLIANCE_CHANNELS
from amicable.compliance.model import COLLECTOR_TYPES
from amicable.domain.errors import InvalidInput
from amicable.service.ports import AccountInvoice, NewCustomer
from amicable.service.runtime_ports import Attempt, InboundRecord

__all__ = ["CONSENT_EPOCH", "DEFAULT_COLLECTOR_TYPE", "collector_type_of", "contact_context"]

DEFAULT_COLLECTOR_TYPE: Final = "first_party"
#: When an imported consent carries no instant: it was on record before anything we sent.
CONSENT_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_TELEPHONE: Final = frozenset({"call", "voicemail"})
_HISTORY_STATUSES: Final = {"planned": "delivered", "sent": "delivered", "delivered": "delivered",
                            "failed": "failed"}  # fmt: skip


def collector_type_of(configured: str | None) -> str:
    """The collector type in force: ``configured`` when given (validated), else first party."""
    if configured is None or not configured.strip():
        return DEFAULT_COLLECTOR_TYPE
    value = configured.strip().lower().replace("-", "_")
    if value not in COLLECTOR_TYPES:
        raise InvalidInput(
            f"collector type {configured!r} is not one of {', '.join(COLLECTOR_TYPES)}"
        )
    return value


def contact_context(
    customer: NewCustomer,
    invoices: Sequence[AccountInvoice],
    attempts: Sequence[Attempt],
    inbound: Sequence[InboundRecord],
    *,
    as_of: date,
    collector_type: str | None = None,
) -> ComplianceContext:
    """The compliance context of one account (mapping in the module docstring)."""
    tags = {t.strip().lower() for t in customer.tags}
    consents: list[ChannelConsent] = []
    opt_outs: set[str] = set()
    for record in customer.consents:
        channel = str(record.channel)
        if channel not in COMPLIANCE_CHANNELS:
            raise InvalidInput(
                f"customer {customer.external_id}: unknown consent channel {channel!r}"
            )
        if record.granted:
            consents.append(ChannelConsent(channel, record.at or CONSENT_EPOCH))
        else:
            opt_outs.add(channel)
    debtor = Debtor(
        type=customer.customer_type,
        address=Address(customer.country, customer.region, customer.postal_code),
        phones=tuple(customer.phones),
        timezone=customer.timezone,
        cease="cease" in tags,
        opt_outs=frozenset(opt_outs),
        consents=tuple(consents),
        attorney="attorney" in tags,
        bankruptcy="bankruptcy" in tags,
        vulnerable="vulnerable" in tags,
        mental_capacity_concern="mental_capacity_concern" in tags,
    )
    consumer = customer.customer_type == "consumer"
    debts = tuple(
        Debt(
            id=i.number,
            consumer=consumer,
            delinquent_since=i.due_date + timedelta(days=1)
            if i.due_date + timedelta(days=1) <= as_of
            else None,
            time_barred="time_barred" in tags,
        )
        for i in invoices
        if i.open_minor > 0
    )
    history: list[HistoryEvent] = []
    for a in attempts:
        outcome = _HISTORY_STATUSES.get(a.status)
        if outcome is None:
            continue
        if a.channel in _TELEPHONE and outcome == "delivered":
            # A placed call: its outcome once the status callback told it; until then it counts
            # as placed without a conversation (the call-frequency caps count it either way).
            outcome = a.call_outcome or "no_answer"
        history.append(
            HistoryEvent(
                at=a.sent_at or a.new.planned_at,
                channel=a.channel,
                direction="outbound",
                outcome=outcome,
                debt_ids=a.new.debt_ids,
            )
        )
    for e in inbound:
        if e.channel not in COMPLIANCE_CHANNELS or e.kind != "message":
            continue
        telephone = e.channel in ("call", "voicemail")
        history.append(
            HistoryEvent(
                at=e.received_at,
                channel=e.channel,
                direction="inbound",
                outcome="conversation" if telephone else "delivered",
                debt_ids=tuple(d.id for d in debts),
            )
        )
    return ComplianceContext(
        collector_type=collector_type_of(collector_type),
        debtor=debtor,
        debts=debts,
        history=tuple(history),
    )
