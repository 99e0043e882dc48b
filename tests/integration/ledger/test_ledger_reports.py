"""Reports from the database: aging, DSO, accounts list/show, account facts, reference resolution.

The book used by most tests (as of 2026-03-01)::

    C1 Red Rock Diner   I1 100.00 USD due 2026-02-20 (9 days past due), 40.00 paid on 2026-02-25
                        I2  50.00 USD due 2026-03-15 (current)
    C2 Blue Bay         I3  70.00 EUR due 2025-10-01 (151 days past due), disputed
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_helpers import inv, pay

from amicable.bootstrap import App
from amicable.domain.errors import AmbiguousReference, NotFound
from amicable.service import queries
from amicable.service.imports import import_invoices, import_payments

AS_OF = date(2026, 3, 1)


@pytest.fixture
def book(app: App) -> App:
    import_invoices(app.uow(), [
        inv("I1", issued=date(2026, 1, 21), due=date(2026, 2, 20)),
        inv("I2", line=3, amount="50.00", issued=date(2026, 2, 13), due=date(2026, 3, 15)),
        inv("I3", line=4, customer="C2", name="Blue Bay", amount="70.00", currency="EUR",
            issued=date(2025, 9, 1), due=date(2025, 10, 1), disputed=True),
    ])  # fmt: skip
    import_payments(
        app.uow(), [pay("P1", amount="40.00", invoice="I1", received=date(2026, 2, 25))]
    )
    return app


def test_aging_puts_each_open_amount_in_its_bucket(book: App) -> None:
    report = queries.aging(book.uow(), AS_OF).to_json()
    assert report == {
        "as_of": "2026-03-01",
        "currencies": {
            "EUR": {"current": "0.00", "1-30": "0.00", "31-60": "0.00", "61-90": "0.00",
                    "91-120": "0.00", "120+": "70.00", "total": "70.00"},
            "USD": {"current": "50.00", "1-30": "60.00", "31-60": "0.00", "61-90": "0.00",
                    "91-120": "0.00", "120+": "0.00", "total": "110.00"},
        },
    }  # fmt: skip


def test_aging_as_of_an_earlier_date_ignores_later_entries(book: App) -> None:
    report = queries.aging(book.uow(), date(2026, 2, 21)).to_json()
    usd = report["currencies"]["USD"]  # type: ignore[index]
    assert (usd["1-30"], usd["current"]) == ("100.00", "50.00")


def test_aging_by_customer_gives_one_row_per_customer(book: App) -> None:
    data = queries.aging(book.uow(), AS_OF, by_customer=True).to_json()
    rows = data["customers"]
    assert [r["external_id"] for r in rows] == ["C1", "C2"]  # type: ignore[attr-defined, index]


def test_dso_uses_the_sales_of_the_period(book: App) -> None:
    report = queries.dso(book.uow(), AS_OF, days=90).to_json()
    usd = report["currencies"]["USD"]  # type: ignore[index]
    # AR 110.00, sales in the 90 days 150.00 -> 110 / 150 * 90 = 66.0
    assert (usd["ending_ar"], usd["credit_sales"], usd["dso"]) == ("110.00", "150.00", "66.0")
    countback = queries.dso(book.uow(), AS_OF, method="countback").to_json()
    # 1 day of March (no sales), all of February (sales 50 of AR 110), then 60/100 of January: 1 + 28 + 18.6
    assert countback["currencies"]["USD"]["dso"] == "47.6"  # type: ignore[index]


def test_accounts_list_shows_balances_and_worst_days_past_due(book: App) -> None:
    rows = [r.to_json() for r in queries.accounts_list(book.uow(), AS_OF)]
    assert rows == [
        {"external_id": "C1", "name": "Red Rock Diner", "type": "business",
         "balances": {"USD": "110.00"}, "open_invoices": 2, "max_days_past_due": 9},
        {"external_id": "C2", "name": "Blue Bay", "type": "business",
         "balances": {"EUR": "70.00"}, "open_invoices": 1, "max_days_past_due": 151},
    ]  # fmt: skip


def test_accounts_show_by_exact_name_has_invoices_payments_and_lateness(book: App) -> None:
    data = queries.show_account(book.uow(), "Red Rock Diner", AS_OF).to_json()
    assert data["balances"] == {"USD": "110.00"}
    assert [i["number"] for i in data["open_invoices"]] == ["I1", "I2"]  # type: ignore[attr-defined]
    assert data["open_invoices"][0]["open_amount"] == "60.00"  # type: ignore[index]
    assert data["payments"][0]["allocations"] == [  # type: ignore[index]
        {"invoice": "I1", "amount": "40.00", "days_late": 5}
    ]
    assert data["days_late"]["average_days_late"] == "5.0"  # type: ignore[index]


def test_account_facts_carry_what_the_policy_needs(book: App) -> None:
    facts = queries.account_facts(book.uow(), "C2", AS_OF)
    assert facts.open_dispute is True
    assert facts.max_days_past_due == 151
    assert facts.currency == "EUR"
    assert facts.balance is not None and facts.balance.amount_str() == "70.00"
    assert facts.payments.settlements == 0


def test_an_unknown_or_ambiguous_reference_is_refused(book: App) -> None:
    with pytest.raises(NotFound):
        queries.show_account(book.uow(), "Nobody", AS_OF)
    import_invoices(book.uow(), [inv("I9", customer="C3", name="Blue Bay")])
    with pytest.raises(AmbiguousReference, match="C2, C3"):
        queries.show_account(book.uow(), "Blue Bay", AS_OF)
    assert queries.show_account(book.uow(), "C3", AS_OF).facts.external_id == "C3"


_orgs = itertools.count()

invoice_st = st.tuples(
    st.integers(1, 10**6),  # amount minor
    st.integers(0, 100),  # open percent
    st.integers(0, 200),  # issue day offset
    st.integers(0, 90),  # terms
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(invoice_st, min_size=1, max_size=8), st.integers(0, 400))
def test_reimport_is_a_no_op_and_aging_totals_equal_the_entries_up_to_the_date(
    app: App, raw: list[tuple[int, int, int, int]], offset: int
) -> None:
    org = f"prop{next(_orgs)}"
    app.create_org(org)
    base = date(2025, 6, 1)
    records = []
    for n, (minor, pct, start, terms) in enumerate(raw):
        issued = date.fromordinal(base.toordinal() + start)
        amount = f"{minor // 100}.{minor % 100:02d}"
        open_minor = minor * pct // 100
        records.append(inv(f"I{n}", line=n + 2, customer=f"C{n % 3}", amount=amount,
                           open_amount=f"{open_minor // 100}.{open_minor % 100:02d}",
                           issued=issued, due=date.fromordinal(issued.toordinal() + terms)))  # fmt: skip
    first = import_invoices(app.uow(org), records)
    assert first.imported == len(records)
    again = import_invoices(app.uow(org), records)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, len(records))
    as_of = date.fromordinal(base.toordinal() + offset)
    with app.uow(org) as uow:
        from sqlalchemy import text

        expected = uow.connection.execute(  # type: ignore[attr-defined]
            text("SELECT coalesce(sum(amount_minor), 0) FROM ledger_entries "
                 "WHERE org_id = :o AND effective_on <= :d"), {"o": uow.org_id, "d": as_of}
        ).scalar_one()  # fmt: skip
    report = queries.aging(app.uow(org), as_of)
    total = report.report.currencies["USD"].total.minor if report.report.currencies else 0
    assert total == expected
