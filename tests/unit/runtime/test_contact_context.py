"""The compliance view of an account: how the ledger's customer, invoices, outbox attempts and
inbound events map onto ``ComplianceContext`` (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from amicable.compliance import ProposedContact, decide
from amicable.domain.errors import InvalidInput
from amicable.domain.records import ConsentRecord
from amicable.service.contact_context import CONSENT_EPOCH, collector_type_of, contact_context
from amicable.service.ports import AccountInvoice, NewCustomer
from amicable.service.runtime_ports import Attempt, InboundRecord, NewAttempt

AS_OF = date(2026, 3, 10)
T0 = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def _customer(**kw: object) -> NewCustomer:
    base: dict[str, object] = {
        "external_id": "C1", "name": "Jo Doe", "customer_type": "consumer", "country": "US",
        "region": "NY", "postal_code": "10001", "timezone": "America/New_York",
        "emails": ("jo@example.com",), "phones": ("+12125550100",),
    }  # fmt: skip
    base.update(kw)
    return NewCustomer(**base)  # type: ignore[arg-type]


def _invoice(number: str, due: date, open_minor: int) -> AccountInvoice:
    return AccountInvoice(1, 1, number, date(2026, 1, 1), due, "USD", 10000, open_minor, "none")


def _attempt(status: str, channel: str = "sms", at: datetime = T0) -> Attempt:
    new = NewAttempt(
        customer_id=1, channel=channel, action=channel, dedupe_key=f"k-{status}-{at}",
        planned_at=at, allowed=status != "blocked", violations=(), earliest_allowed_at=at,
        packs=("us_fdcpa_regf",), recipient="+12125550100", subject=None, text="hi", lang="en",
        debt_ids=("INV-1",), reasons=(), status=status, currency="USD", balance_minor=10000,
        segment="s",
    )  # fmt: skip
    sent = at if status in ("sent", "delivered", "failed") else None
    return Attempt(1, "C1", new, status, None, None, 1, None, None, sent, at)


def test_the_customer_maps_onto_the_debtor_with_address_zone_and_phones() -> None:
    ctx = contact_context(_customer(), [], [], [], as_of=AS_OF)
    d = ctx.debtor
    assert (d.type, d.timezone, d.phones) == ("consumer", "America/New_York", ("+12125550100",))
    assert (d.address.country, d.address.region, d.address.postal_code) == ("US", "NY", "10001")
    assert ctx.collector_type == "first_party"
    assert not (d.cease or d.attorney or d.bankruptcy or d.vulnerable)


def test_consents_become_channel_consents_and_refusals_become_opt_outs() -> None:
    given = datetime(2025, 5, 1, tzinfo=UTC)
    customer = _customer(
        consents=(
            ConsentRecord("sms", True, given),
            ConsentRecord("call", True, None),
            ConsentRecord("email", False, given),
        )
    )
    ctx = contact_context(customer, [], [], [], as_of=AS_OF)
    assert {(c.channel, c.given_at) for c in ctx.debtor.consents} == {
        ("sms", given),
        ("call", CONSENT_EPOCH),
    }
    assert ctx.debtor.opt_outs == frozenset({"email"})


def test_tags_raise_the_stop_flags() -> None:
    customer = _customer(tags=("cease", "attorney", "bankruptcy", "vulnerable", "time_barred"))
    ctx = contact_context(customer, [_invoice("INV-1", date(2026, 2, 1), 500)], [], [], as_of=AS_OF)
    d = ctx.debtor
    assert d.cease and d.attorney and d.bankruptcy and d.vulnerable
    assert all(debt.time_barred for debt in ctx.debts)


def test_debts_are_the_open_invoices_delinquent_from_the_day_after_their_due_date() -> None:
    invoices = [
        _invoice("INV-1", date(2026, 2, 1), 500),
        _invoice("INV-2", date(2026, 3, 20), 700),  # not yet due
        _invoice("INV-3", date(2026, 1, 1), 0),  # paid
        _invoice("INV-4", date(2026, 3, 9), 100),  # delinquent from the 10th: today
    ]
    ctx = contact_context(_customer(), invoices, [], [], as_of=AS_OF)
    assert [(d.id, d.delinquent_since, d.consumer) for d in ctx.debts] == [
        ("INV-1", date(2026, 2, 2), True),
        ("INV-2", None, True),
        ("INV-4", date(2026, 3, 10), True),
    ]


def test_history_holds_attempts_that_may_have_reached_the_debtor_and_inbound_messages() -> None:
    attempts = [_attempt(s) for s in ("planned", "sent", "delivered", "failed", "blocked")]
    attempts.append(_attempt("needs_approval", "email"))
    reply = InboundRecord(1, "cli", "e1", 1, "sms", "message", "hi", T0, {})
    stop = InboundRecord(2, "cli", "e2", 1, "sms", "opt_out", "STOP", T0, {})
    ctx = contact_context(_customer(), [], attempts, [reply, stop], as_of=AS_OF)
    outbound = [e.outcome for e in ctx.history if e.direction == "outbound"]
    assert sorted(outbound) == ["delivered", "delivered", "delivered", "failed"]
    inbound = [e for e in ctx.history if e.direction == "inbound"]
    assert [(e.channel, e.outcome) for e in inbound] == [("sms", "delivered")]


def test_the_history_feeds_the_contact_cap_of_the_pack() -> None:
    # first_party_b2b: at most 3 outbound contacts per 7 days.
    attempts = [_attempt("sent", "email", datetime(2026, 3, d, 15, tzinfo=UTC)) for d in (4, 5, 6)]
    customer = _customer(customer_type="business")
    ctx = contact_context(customer, [], attempts, [], as_of=AS_OF)
    decision = decide(ctx, ProposedContact(datetime(2026, 3, 9, 15, tzinfo=UTC), "email"))
    assert not decision.allowed
    assert "house.contact_cap" in {v.rule for v in decision.violations}


def test_the_collector_type_is_configurable_and_validated() -> None:
    assert collector_type_of(None) == "first_party"
    assert collector_type_of("third-party") == "third_party"
    ctx = contact_context(_customer(), [], [], [], as_of=AS_OF, collector_type="third_party")
    assert ctx.collector_type == "third_party"
    with pytest.raises(InvalidInput, match="collector type"):
        collector_type_of("agency")
