"""A sample portfolio imported for a test, and an account of it that owes money (``tests/`` is
on ``sys.path``: import it as ``sample_accounts``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from amicable.adapters.importers import read_customers, read_invoices, read_payments
from amicable.bootstrap import App
from amicable.service.imports import import_customers, import_invoices, import_payments
from amicable.service.queries import accounts_list, show_account
from amicable.sim.sample import generate_sample


def import_sample(
    app: App, folder: Path, *, as_of: date, payments: bool = True, accounts: int = 15, seed: int = 3
) -> None:
    """Write a sample portfolio into ``folder`` and import its customers, invoices and (unless
    ``payments`` is False) payments."""
    generate_sample(folder, accounts=accounts, seed=seed, as_of=as_of)
    import_customers(app.uow(), read_customers(folder / "customers.csv"))
    import_invoices(app.uow(), read_invoices(folder / "invoices.csv"))
    if payments:
        import_payments(app.uow(), read_payments(folder / "payments.csv"))


def owing_account(app: App, as_of: date) -> tuple[str, str]:
    """The first account with a balance as of ``as_of``: its reference and the postal code its
    debtor verifies with."""
    ref = next(r for r in accounts_list(app.uow(), as_of) if r.balances).customer.external_id
    return ref, str(show_account(app.uow(), ref, as_of).customer["postal_code"])
