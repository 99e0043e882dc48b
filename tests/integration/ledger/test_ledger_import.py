"""The import use cases against a real database (SQLite or PostgreSQL, per ``--db``)."""

from __future__ import annotations

from datetime import date

from ledger_helpers import count, inv, invoice_balance, pay

from amicable.bootstrap import App
from amicable.domain.records import RowError
from amicable.service.imports import import_invoices, import_payments


def test_a_clean_file_imports_every_invoice_and_creates_customers_on_the_fly(app: App) -> None:
    result = import_invoices(app.uow(), [inv("I1"), inv("I2", line=3, customer="C2", name=None)])
    assert result.to_json() == {"imported": 2, "updated": 0, "unchanged": 0, "errors": []}
    assert count(app, "invoices") == 2
    assert count(app, "customers") == 2
    assert invoice_balance(app, "I1") == 10000


def test_importing_the_same_file_twice_changes_nothing(app: App) -> None:
    rows = [inv("I1"), inv("I2", line=3, open_amount="40.00")]
    import_invoices(app.uow(), rows)
    entries_before = count(app, "ledger_entries")
    again = import_invoices(app.uow(), rows)
    assert again.to_json() == {"imported": 0, "updated": 0, "unchanged": 2, "errors": []}
    assert count(app, "ledger_entries") == entries_before


def test_a_file_with_bad_rows_writes_nothing_and_lists_every_error(app: App) -> None:
    parser_error = RowError(4, "due_date", "2026-13-01", "not a date")
    rows = [inv("I1"), inv("I1", line=3), parser_error, inv("I3", line=5)]
    result = import_invoices(app.uow(), rows)
    assert result.written is False
    assert [(e.line, e.column) for e in result.errors] == [(3, "number"), (4, "due_date")]
    assert "duplicate invoice number 'I1'" in result.errors[0].message
    assert "line 2" in result.errors[0].message
    assert result.to_json()["imported"] == 0
    assert count(app, "invoices") == 0
    assert count(app, "customers") == 0
    assert count(app, "ledger_entries") == 0


def test_skip_invalid_writes_the_valid_rows_and_reports_the_rest(app: App) -> None:
    rows = [inv("I1"), RowError(3, "amount", "abc", "not a number"), inv("I3", line=4)]
    result = import_invoices(app.uow(), rows, skip_invalid=True)
    assert result.written is True
    assert result.imported == 2
    assert [e.line for e in result.errors] == [3]
    assert count(app, "invoices") == 2


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(app: App) -> None:
    result = import_invoices(app.uow(), [inv("I1"), inv("I2", line=3)], dry_run=True)
    assert (result.imported, result.written) == (2, False)
    assert count(app, "invoices") == 0


def test_a_changed_open_amount_becomes_an_adjustment_not_an_overwrite(app: App) -> None:
    import_invoices(app.uow(), [inv("I1")])
    result = import_invoices(app.uow(), [inv("I1", open_amount="25.00")])
    assert (result.updated, result.unchanged) == (1, 0)
    assert invoice_balance(app, "I1") == 2500
    assert count(app, "ledger_entries") == 2  # the original entry is still there, untouched
    # The history before the import date still shows the full amount.
    assert invoice_balance(app, "I1", as_of=date(2026, 2, 28)) == 10000


def test_a_currency_or_total_change_of_an_existing_invoice_is_refused(app: App) -> None:
    import_invoices(app.uow(), [inv("I1"), inv("I2", line=3)])
    result = import_invoices(
        app.uow(), [inv("I1", currency="EUR"), inv("I2", line=3, amount="120.00")]
    )
    assert [(e.line, e.column) for e in result.errors] == [(2, "currency"), (3, "amount")]
    assert "credit note" in result.errors[1].message
    assert invoice_balance(app, "I2") == 10000


def test_an_invoice_cannot_move_to_another_customer(app: App) -> None:
    import_invoices(app.uow(), [inv("I1")])
    result = import_invoices(app.uow(), [inv("I1", customer="C9")])
    assert result.errors[0].column == "customer"


def test_a_negative_invoice_is_stored_as_a_credit_note(app: App) -> None:
    import_invoices(app.uow(), [inv("CN1", amount="-30.00")])
    assert invoice_balance(app, "CN1") == -3000


def test_a_payment_explains_a_settlement_the_source_already_reported(app: App) -> None:
    """Invoice of 100 with 40 open at import; the payments file then brings the 60 paid on
    2026-02-10. The balance stays 40; the history now shows 40 from 2026-02-10 on."""
    import_invoices(app.uow(), [inv("I1", open_amount="40.00")])
    result = import_payments(app.uow(), [pay("P1", amount="60.00", invoice="I1")])
    assert result.imported == 1
    assert invoice_balance(app, "I1") == 4000
    assert invoice_balance(app, "I1", as_of=date(2026, 2, 9)) == 10000
    assert invoice_balance(app, "I1", as_of=date(2026, 2, 10)) == 4000


def test_a_new_payment_reduces_the_open_amount(app: App) -> None:
    import_invoices(app.uow(), [inv("I1")])
    import_payments(app.uow(), [pay("P1", amount="30.00", invoice="I1")])
    assert invoice_balance(app, "I1") == 7000


def test_a_payment_without_an_invoice_is_applied_oldest_due_first(app: App) -> None:
    import_invoices(
        app.uow(),
        [inv("NEW", due=date(2026, 2, 20)), inv("OLD", line=3, due=date(2026, 1, 10))],
    )
    import_payments(app.uow(), [pay("P1", amount="150.00")])
    assert invoice_balance(app, "OLD") == 0
    assert invoice_balance(app, "NEW") == 5000


def test_an_overpayment_leaves_an_unallocated_credit(app: App) -> None:
    import_invoices(app.uow(), [inv("I1")])
    import_payments(app.uow(), [pay("P1", amount="130.00", invoice="I1")])
    assert invoice_balance(app, "I1") == 0
    with app.engine.connect() as conn:
        from sqlalchemy import text

        credit = conn.execute(
            text("SELECT sum(amount_minor) FROM ledger_entries WHERE invoice_id IS NULL")
        ).scalar_one()
    assert credit == -3000


def test_reimporting_payments_is_a_no_op_and_a_changed_payment_is_refused(app: App) -> None:
    import_invoices(app.uow(), [inv("I1")])
    import_payments(app.uow(), [pay("P1", amount="30.00", invoice="I1")])
    again = import_payments(app.uow(), [pay("P1", amount="30.00", invoice="I1")])
    assert again.to_json() == {"imported": 0, "updated": 0, "unchanged": 1, "errors": []}
    changed = import_payments(app.uow(), [pay("P1", amount="31.00", invoice="I1")])
    assert changed.errors[0].column == "reference"
    assert invoice_balance(app, "I1") == 7000


def test_a_payment_for_an_unknown_invoice_is_refused(app: App) -> None:
    result = import_payments(app.uow(), [pay("P1", invoice="NOPE")])
    assert result.errors[0].column == "invoice_number"
    assert "import the invoices first" in result.errors[0].message
    assert count(app, "payments") == 0


def test_a_payment_in_another_currency_than_its_invoice_is_refused(app: App) -> None:
    import_invoices(app.uow(), [inv("I1")])
    result = import_payments(app.uow(), [pay("P1", currency="EUR", invoice="I1")])
    assert result.errors[0].column == "currency"


def test_imports_in_one_organisation_are_invisible_in_another(app: App) -> None:
    app.create_org("acme")
    import_invoices(app.uow("acme"), [inv("I1")])
    assert import_invoices(app.uow(), [inv("I1")]).imported == 1
    assert import_invoices(app.uow("acme"), [inv("I1")]).unchanged == 1


def test_chunk_boundaries_do_not_change_the_outcome(app: App) -> None:
    rows = [inv(f"I{i}", line=i + 2, customer=f"C{i % 3}") for i in range(25)]
    rows.append(inv("I3", line=99))
    result = import_invoices(app.uow(), rows, chunk_size=4, skip_invalid=True)
    assert (result.imported, [e.line for e in result.errors]) == (25, [99])
    assert count(app, "customers") == 3
