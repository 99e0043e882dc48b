"""Accounts touched more recently than the planner's shortest cadence are planned without reading
their history (their last contact stands for it): the loop decides exactly what it decides with
the whole history read, an account crossing into the policy's escalation the day after a touch
is still escalated, and ``last_sent`` is the last instant a contact reached each account. On
SQLite or PostgreSQL (``--db``)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from amicable.adapters.channels.outbox import RecordingOutboxSender
from amicable.adapters.db.runtime_repository import SqlRuntimeRepository
from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import App, bootstrap
from amicable.domain.clock import SimulatedClock
from amicable.service import queue
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.runtime import run_days
from amicable.sim.sample import generate_sample

AS_OF = date(2026, 3, 1)
START = date(2026, 3, 2)


def _import(app: App, folder: Path) -> None:
    import_customers(app.uow(), read_customers(folder / "customers.csv"))
    import_invoices(app.uow(), read_invoices(folder / "invoices.csv"))
    if (folder / "payments.csv").exists():
        import_payments(app.uow(), read_payments(folder / "payments.csv"))


def _record(app: App) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with app.uow() as uow:
        refs = {c: r.external_id for c, r in uow.reports.customer_refs().items()}
        attempts = sorted(
            (a.account, a.channel, a.new.action, a.status, a.new.planned_at, a.sent_at)
            for a in uow.runtime.attempts()
        )
        escalations = sorted(
            (refs[e.customer_id], e.reason, e.status, e.raised_on)
            for e in uow.payments.escalations()
        )
    return attempts, escalations


def test_the_loop_decides_the_same_without_reading_quiet_accounts_history(
    app: App, clock: SimulatedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    began = clock.now()
    generate_sample(tmp_path, accounts=40, seed=3, as_of=AS_OF)
    _import(app, tmp_path)
    until = START + timedelta(days=13)
    run_days(app.uow, clock, start=START, until=until, sender=RecordingOutboxSender(clock=clock))
    quick = _record(app)
    # the same portfolio with no account quiet: every history read in full
    monkeypatch.setattr(SqlRuntimeRepository, "last_sent", lambda self, ids: {})
    other_clock = SimulatedClock(began)
    other = bootstrap(f"sqlite:///{tmp_path / 'full.db'}", clock=other_clock)
    try:
        other.init()
        _import(other, tmp_path)
        run_days(other.uow, other_clock, start=START, until=until,
                 sender=RecordingOutboxSender(clock=other_clock))  # fmt: skip
        full = _record(other)
    finally:
        other.close()
    assert quick[0] and quick == full


def test_an_account_touched_yesterday_is_escalated_when_the_policy_says_so_today(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    due = START - timedelta(days=180)  # the standard segment today, the late stage tomorrow
    (tmp_path / "customers.csv").write_text(
        "customer_id,name,type,tier,language,country,region,timezone,emails,phones,address,"
        "postal_code,consent_email,consent_sms,consent_call,consent_whatsapp,tags\n"
        "C-LATE,Mary Johnson,consumer,standard,en,US,TX,America/Chicago,mary@mail.example,,"
        "229 Main St,78799,yes,,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "invoices.csv").write_text(
        "customer_id,customer_name,invoice_number,issue_date,due_date,currency,amount,"
        "open_amount,disputed,description\n"
        f"C-LATE,Mary Johnson,INV-LATE,{due - timedelta(days=30)},{due},USD,500.00,500.00,no,\n",
        encoding="utf-8",
    )
    _import(app, tmp_path)
    run_days(app.uow, clock, start=START, until=START, sender=RecordingOutboxSender(clock=clock))
    with app.uow() as uow:
        (cid,) = uow.reports.customer_refs()
        touched = uow.runtime.last_sent([cid])
    assert set(touched) == {cid}  # contacted today: quiet tomorrow
    run_days(app.uow, clock, start=START + timedelta(days=1), until=START + timedelta(days=1),
             sender=RecordingOutboxSender(clock=clock))  # fmt: skip
    reasons = [i.new.reason for i in queue.list_items(app.uow())]
    assert "planner:policy_escalate" in reasons


def test_last_sent_is_the_last_contact_that_reached_each_account(
    app: App, clock: SimulatedClock, tmp_path: Path
) -> None:
    generate_sample(tmp_path, accounts=40, seed=3, as_of=AS_OF)
    _import(app, tmp_path)
    run_days(app.uow, clock, start=START, until=START + timedelta(days=4),
             sender=RecordingOutboxSender(clock=clock))  # fmt: skip
    with app.uow() as uow:
        attempts = uow.runtime.attempts()
        ids = list(uow.reports.customer_refs())
        got = uow.runtime.last_sent(ids)
    expected: dict[int, object] = {}
    for a in attempts:
        if a.status in ("sent", "delivered") and a.sent_at is not None:
            cid = a.new.customer_id
            expected[cid] = max(a.sent_at, expected.get(cid, a.sent_at))  # type: ignore[type-var]
    assert got and got == expected
    assert all(at.tzinfo is not None for at in got.values())
    assert {a.status for a in attempts} - {"sent", "delivered"}  # other statuses are left out
