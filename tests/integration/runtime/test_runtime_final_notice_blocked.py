"""A final notice the loop could not send yet (outside the debtor's contact hours: stored as
``blocked``, the evidence of why) is still owed: the next pass inside the hours puts it to a person
for approval. A blocked record used to count as a final notice sent, so the account was never
given one (5 of 200 accounts of a sample over three weeks). A declined one is not asked for again.
On SQLite or PostgreSQL (``--db``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.importers import read_customers, read_invoices
from amicable.bootstrap import App
from amicable.domain.clock import SimulatedClock
from amicable.service import queue
from amicable.service.imports import import_customers, import_invoices
from amicable.service.runtime import run_due

CUSTOMERS = (
    "customer_id,name,type,tier,language,country,region,timezone,emails,phones,address,"
    "postal_code,consent_email,consent_sms,consent_call,consent_whatsapp,tags\n"
    "C-LA,Mary Johnson,consumer,standard,en,US,CA,America/Los_Angeles,mary@mail.example,"
    "+14155550123,229 Main St,94110,yes,,,,\n"
)
# 70 days past due on 2026-03-02: past the final-notice age (60), in a stage that negotiates
INVOICES = (
    "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,open_amount,"
    "disputed,description\n"
    "C-LA,Mary Johnson,INV-LA,2025-11-22,2025-12-22,USD,500.00,500.00,no,\n"
)
# Monday 2026-03-02: 14:00 UTC is 06:00 in Los Angeles (before 08:00), 20:00 UTC is 12:00
EARLY = datetime(2026, 3, 2, 14, tzinfo=UTC)
NOON = datetime(2026, 3, 2, 20, tzinfo=UTC)


def _final_notices(app: App) -> list[str]:
    with app.uow() as uow:
        return [a.status for a in uow.runtime.attempts() if a.new.action == "final_notice"]


def _seed(app: App, tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(CUSTOMERS, encoding="utf-8")
    (tmp_path / "i.csv").write_text(INVOICES, encoding="utf-8")
    import_customers(app.uow(), read_customers(tmp_path / "c.csv"))
    import_invoices(app.uow(), read_invoices(tmp_path / "i.csv"))


def test_a_blocked_final_notice_is_put_to_a_person_once_the_hours_allow(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    _seed(app, tmp_path)
    sender = RecordingOutboxSender(clock=clock)
    clock.set(EARLY)
    run_due(app.uow(), EARLY, sender=sender)
    assert _final_notices(app) == ["blocked"]
    assert not sender.records
    clock.set(NOON)
    run_due(app.uow(), NOON, sender=sender)
    assert _final_notices(app) == ["blocked", "needs_approval"]
    (item,) = queue.list_items(app.uow(), status="open")
    assert item.new.reason == "final_notice"
    # declined by the person: not asked for again (ordinary reminders go on)
    queue.decline(app.uow(), item.id, actor="ana", reason="not this one")
    later = datetime(2026, 3, 9, 20, tzinfo=UTC)
    clock.set(later)
    run_due(app.uow(), later, sender=sender)
    assert _final_notices(app) == ["blocked", "declined"]
    assert queue.list_items(app.uow(), status="open") == []
    assert sender.records, "ordinary reminders go on"
