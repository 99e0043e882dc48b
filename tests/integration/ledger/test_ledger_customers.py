"""Importing customers with contacts and per-channel consent."""

from __future__ import annotations

from datetime import UTC, datetime

from ledger_helpers import count

from amicable.bootstrap import App
from amicable.domain.records import ConsentRecord, CustomerRecord
from amicable.service.imports import import_customers


def customer(**kw: object) -> CustomerRecord:
    base: dict[str, object] = {
        "line": 2,
        "external_id": "C1",
        "name": "Red Rock Diner",
        "customer_type": "business",
        "country": "US",
        "region": "CA",
        "timezone": "America/Los_Angeles",
        "emails": ("ap@redrock.example",),
        "phones": ("+14155550100",),
        "consents": (ConsentRecord("email", True, datetime(2025, 1, 1, tzinfo=UTC)),),
        "tags": ("restaurant",),
    }
    base.update(kw)
    return CustomerRecord(**base)  # type: ignore[arg-type]


def test_customers_import_with_contacts_and_consents(app: App) -> None:
    result = import_customers(app.uow(), [customer()])
    assert result.imported == 1
    assert (count(app, "contacts"), count(app, "consents")) == (2, 1)


def test_reimporting_customers_is_a_no_op(app: App) -> None:
    import_customers(app.uow(), [customer()])
    again = import_customers(app.uow(), [customer()])
    assert again.to_json() == {"imported": 0, "updated": 0, "unchanged": 1, "errors": []}
    assert count(app, "consents") == 1


def test_an_opt_out_is_appended_as_a_new_consent_record(app: App) -> None:
    import_customers(app.uow(), [customer()])
    opted_out = customer(consents=(ConsentRecord("email", False, None, "reply STOP"),))
    result = import_customers(app.uow(), [opted_out])
    assert result.updated == 1
    assert count(app, "consents") == 2
    with app.uow() as uow:
        stored = uow.ledger.customers(["C1"])["C1"].customer
    assert [(c.channel, c.granted) for c in stored.consents] == [("email", False)]


def test_a_duplicate_customer_in_one_file_refuses_the_file(app: App) -> None:
    result = import_customers(app.uow(), [customer(), customer(line=3)])
    assert [e.line for e in result.errors] == [3]
    assert count(app, "customers") == 0
