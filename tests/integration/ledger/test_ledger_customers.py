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


def _analyses(app: App) -> int:
    # Manual ANALYZE runs of this schema's customer table (autovacuum counts apart).
    with app.engine.connect() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT analyze_count FROM pg_stat_user_tables "
                "WHERE relname = 'customers' AND schemaname = current_schema()"
            ).scalar_one()
        )


def test_a_bulk_load_of_customers_refreshes_the_planner_statistics(
    app: App, db_backend: str
) -> None:
    from amicable.service.imports import BULK_LOAD_ROWS

    bulk = [customer(line=n + 2, external_id=f"C{n}", name=f"N{n}") for n in range(BULK_LOAD_ROWS)]
    small = [customer(line=2, external_id="S1", name="Small")]
    if db_backend == "sqlite":  # nothing to refresh: no statistics table appears
        import_customers(app.uow(), bulk)
        with app.engine.connect() as conn:
            names = conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars().all()
        assert "sqlite_stat1" not in names and count(app, "customers") == BULK_LOAD_ROWS
        return
    before = _analyses(app)
    assert import_customers(app.uow(), small).imported == 1
    assert _analyses(app) == before  # a few rows: left to autovacuum
    assert import_customers(app.uow(), bulk).imported == BULK_LOAD_ROWS
    assert _analyses(app) == before + 1
    with app.engine.connect() as conn:
        plan = "\n".join(
            conn.exec_driver_sql(
                "EXPLAIN SELECT * FROM customers WHERE org_id = 1 AND external_id = 'C7'"
            ).scalars()
        )
    assert "uq_customers_org_external_id" in plan, plan
