"""Plan and promise keys counted by two writers at once (SQLite and PostgreSQL): the second waits
for the first to commit and takes the next key; neither fails on the unique index and nothing
is lost.

Ledger::

    invoice INV-1  400.00 USD  due 2026-01-31   (customer C1)
    invoice INV-2   50.00 USD  due 2026-01-31   (customer C2, promises only)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

from payments_helpers import RULES, invoices, plan_offer, usd

from amicable.bootstrap import App
from amicable.service import payments as svc
from amicable.service.payments_ports import PaymentsUnitOfWork

MADE_ON = date(2026, 3, 2)


def _first_holds_its_key_while_the_second_counts(
    app: App, set_up: Callable[[PaymentsUnitOfWork], str], then: Callable[[], str]
) -> tuple[str, str]:
    """``set_up`` in one transaction kept open until ``then`` (a whole second write, in another
    thread) has had time to count its key; both keys returned."""
    counted, go = threading.Event(), threading.Event()
    keys: dict[str, str] = {}
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with app.uow() as uow:
                keys["first"] = set_up(uow)
                counted.set()
                assert go.wait(10)
                uow.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            counted.set()

    def second() -> None:
        try:
            keys["second"] = then()
        except BaseException as exc:
            errors.append(exc)

    one = threading.Thread(target=first)
    one.start()
    assert counted.wait(10)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.5)  # the second writer reaches its count (and, without the lock, its insert)
    go.set()
    one.join(20)
    two.join(20)
    assert not errors, errors
    return keys["first"], keys["second"]


def test_two_promises_recorded_at_once_take_consecutive_keys(app: App) -> None:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    invoices(app, ("INV-2", "50.00", date(2026, 1, 31)), customer="C2", name="Blue Lake Cafe")
    with app.uow() as uow:
        (ref,) = [r for r in uow.reports.customer_refs().values() if r.external_id == "C1"]

    def set_up(uow: PaymentsUnitOfWork) -> str:
        return svc.set_up_promise(
            uow, ref.id, "C1", [(date(2026, 3, 6), usd("100.00"))], channel="sms",
            made_on=MADE_ON,
        ).promise.id  # fmt: skip

    def then() -> str:  # another account's (one account has one open promise at a time)
        return svc.record_promise(
            app.uow(), "C2", [(date(2026, 3, 9), usd("50.00"))], channel="email", made_on=MADE_ON
        ).promise.id

    first, second = _first_holds_its_key_while_the_second_counts(app, set_up, then)
    assert (first, second) == ("PTP-000001", "PTP-000002")
    with app.uow() as uow:
        stored = sorted((p.promise.id, p.promise.total) for p in uow.payments.promises())
    assert stored == [("PTP-000001", usd("100.00")), ("PTP-000002", usd("50.00"))]


def test_two_plans_set_up_at_once_take_consecutive_keys(app: App) -> None:
    invoices(app, ("INV-1", "400.00", date(2026, 1, 31)))
    with app.uow() as uow:
        (ref,) = uow.reports.customer_refs().values()
    offer = plan_offer((date(2026, 3, 6), "200.00"), (date(2026, 4, 6), "200.00"))

    def set_up(uow: PaymentsUnitOfWork) -> str:
        return svc.set_up_plan(uow, ref.id, "C1", offer, agreed_on=MADE_ON, rules=RULES).plan.id

    def then() -> str:
        return svc.create_plan_from_agreement(
            app.uow(), "C1", offer, agreed_on=MADE_ON, rules=RULES
        ).plan.id

    first, second = _first_holds_its_key_while_the_second_counts(app, set_up, then)
    assert (first, second) == ("PL-000001", "PL-000002")
    with app.uow() as uow:
        assert sorted(p.plan.id for p in uow.payments.plans()) == ["PL-000001", "PL-000002"]
