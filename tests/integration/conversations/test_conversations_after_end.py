"""A debtor message after a conversation ended: a new conversation, or recorded in the ended one
(ceased stays ceased; escalated stays with the person), on SQLite/PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import App, bootstrap
from amicable.compliance.engine import decide
from amicable.compliance.model import ProposedContact
from amicable.domain.clock import SimulatedClock
from amicable.service.contact_context import contact_context
from amicable.service.conversations import handle_inbound, start_conversation
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.ports import NewCustomer
from amicable.service.queries import accounts_list, resolve_account, show_account
from amicable.sim.sample import generate_sample

TODAY = date(2026, 3, 1)


@pytest.fixture()
def sample(database_url: str, tmp_path: Path) -> Iterator[tuple[App, str, str]]:
    generate_sample(tmp_path, accounts=8, seed=5, as_of=TODAY)
    app = bootstrap(database_url, clock=SimulatedClock(datetime(2026, 3, 1, 10, tzinfo=UTC)))
    try:
        import_customers(app.uow(), read_customers(tmp_path / "customers.csv"))
        import_invoices(app.uow(), read_invoices(tmp_path / "invoices.csv"))
        import_payments(app.uow(), read_payments(tmp_path / "payments.csv"))
        ref = next(r for r in accounts_list(app.uow(), TODAY) if r.balances).customer.external_id
        postal = str(show_account(app.uow(), ref, TODAY).customer["postal_code"])
        yield app, ref, postal
    finally:
        app.close()


def _latest(app: App, ref: str) -> tuple[int, dict[str, int]]:
    with app.uow() as uow:
        found = uow.conversations.latest_open(resolve_account(uow, ref).id, "sms")
        assert found is not None
        return found[0], uow.conversations.counts(found[0])


def test_a_message_after_a_cease_is_only_recorded_and_the_conversation_stays_ceased(
    sample: tuple[App, str, str],
) -> None:
    app, ref, postal = sample
    start_conversation(app.uow(), ref, "sms", today=TODAY, lang="en")
    handle_inbound(app.uow(), ref, "sms", postal, today=TODAY)
    ceased = handle_inbound(app.uow(), ref, "sms", "stop contacting me", today=TODAY)
    assert ceased.state.state.value == "ceased" and ceased.reply is None
    conv, before = _latest(app, ref)
    later = handle_inbound(app.uow(), ref, "sms", "ok fine, how much do I owe?", today=TODAY)
    assert later.state.state.value == "ceased" and later.ended
    assert later.reply is None and later.offer is None
    assert "conversation_ceased" in later.reasons
    conv_after, after = _latest(app, ref)
    assert conv_after == conv  # no new conversation
    assert after["conversation_messages"] == before["conversation_messages"] + 2  # in + silent


def test_a_message_after_a_wrong_party_starts_a_new_conversation_that_verifies_again(
    sample: tuple[App, str, str],
) -> None:
    app, ref, _ = sample
    start_conversation(app.uow(), ref, "sms", today=TODAY, lang="en")
    ended = handle_inbound(app.uow(), ref, "sms", "wrong number, I don't know this person", today=TODAY)  # fmt: skip
    assert ended.state.state.value == "wrong_party" and ended.ended
    first, _ = _latest(app, ref)
    again = handle_inbound(app.uow(), ref, "sms", "hello, what is this about?", today=TODAY)
    second, counts = _latest(app, ref)
    assert second != first
    assert again.state.state.value == "verifying" and not again.ended
    assert not again.state.verified and not again.state.disclosed  # nothing disclosed
    assert again.state.turns == 1
    assert counts["conversation_messages"] == 2  # the new message and the reply


def test_a_message_after_a_pause_starts_a_new_conversation(
    sample: tuple[App, str, str],
) -> None:
    app, ref, postal = sample
    start_conversation(app.uow(), ref, "sms", today=TODAY, lang="en")
    handle_inbound(app.uow(), ref, "sms", postal, today=TODAY)
    paused = handle_inbound(app.uow(), ref, "sms", "busy now, call me later", today=TODAY)
    assert paused.state.state.value == "paused" and paused.ended
    first, _ = _latest(app, ref)
    back = handle_inbound(app.uow(), ref, "sms", "hi, I have time now", today=TODAY)
    second, _ = _latest(app, ref)
    assert second != first
    assert back.state.state.value == "verifying" and not back.state.disclosed
    assert back.reply is not None  # asks for identity again


def test_a_message_while_a_person_owns_the_case_stays_in_that_conversation(
    sample: tuple[App, str, str],
) -> None:
    app, ref, postal = sample
    start_conversation(app.uow(), ref, "sms", today=TODAY, lang="en")
    handle_inbound(app.uow(), ref, "sms", postal, today=TODAY)
    handed = handle_inbound(app.uow(), ref, "sms", "I want to speak to a real person", today=TODAY)
    assert handed.state.state.value == "escalated"
    first, before = _latest(app, ref)
    later = handle_inbound(app.uow(), ref, "sms", "can I pay 20 a week?", today=TODAY)
    second, after = _latest(app, ref)
    assert second == first
    assert later.state.state.value == "escalated" and later.offer is None
    assert later.reply is not None  # says a person has the case
    assert after["conversation_escalations"] == before["conversation_escalations"]


def _after_saying(sample: tuple[App, str, str], text: str) -> NewCustomer:
    """The customer's stored record after a verified debtor said ``text`` by SMS."""
    app, ref, postal = sample
    start_conversation(app.uow(), ref, "sms", today=TODAY, lang="en")
    handle_inbound(app.uow(), ref, "sms", postal, today=TODAY)
    handle_inbound(app.uow(), ref, "sms", text, today=TODAY)
    with app.uow() as uow:
        return uow.ledger.customers([ref])[ref].customer


def test_a_cease_said_in_conversation_is_recorded_on_the_customer_for_every_channel(
    sample: tuple[App, str, str],
) -> None:
    # The loop plans from the customer's record, not from conversations: the cease must be
    # there (its "cease" tag), so compliance refuses every later contact on every channel.
    app, ref, _ = sample
    customer = _after_saying(sample, "stop contacting me, leave me alone")
    ctx = contact_context(customer, (), (), (), as_of=TODAY)
    with app.uow() as uow:
        stops = [r for r in uow.audit.records() if r.kind == "contact.stopped"]
    assert "cease" in customer.tags and ctx.debtor.cease
    assert [r.subject for r in stops] == [f"account:{ref}"]
    for channel in ("email", "sms", "whatsapp", "call", "letter"):
        at = datetime(2026, 3, 3, 15, tzinfo=UTC)  # a Tuesday afternoon
        decision = decide(ctx, ProposedContact(at, channel, text="Friendly reminder"))
        assert not decision.allowed
        assert any("cease" in v.rule for v in decision.violations), decision.violations


def test_an_opt_out_said_in_conversation_withdraws_that_channels_consent_only(
    sample: tuple[App, str, str],
) -> None:
    customer = _after_saying(sample, "no more emails please, texts are fine")
    ctx = contact_context(customer, (), (), (), as_of=TODAY)
    assert "cease" not in customer.tags and not ctx.debtor.cease
    assert ctx.debtor.opt_outs == {"email"}
