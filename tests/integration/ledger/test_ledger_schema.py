"""Schema and small repositories: migrations match the table definitions; policy versions;
organisations; the unit of work rolls back unless told to commit."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from ledger_helpers import count, inv
from sqlalchemy import event

from amicable.adapters.db import tables
from amicable.bootstrap import App
from amicable.domain.errors import Conflict, NotFound
from amicable.service.imports import import_invoices

LEDGER_TABLES = {t.name for t in tables.metadata.sorted_tables if t.name in tables.__all__}


def _touches_ledger(diff: object) -> bool:
    """Whether an autogenerate diff (a tuple, or a list of tuples) is about a ledger table."""
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item:
            if isinstance(part, str) and part in LEDGER_TABLES:
                return True
            table = getattr(part, "table", part)
            if getattr(table, "name", None) in LEDGER_TABLES:
                return True
    return False


def _checked_by_triggers(diff: object, dialect: str) -> bool:
    """A key PostgreSQL enforces with triggers instead of a constraint (``ledger_0003``)."""
    return (
        dialect == "postgresql"
        and isinstance(diff, tuple)
        and diff[0] == "add_fk"
        and diff[1].name in tables.STATEMENT_CHECKED_KEYS
    )


def test_the_migrated_schema_matches_the_table_definitions(app: App) -> None:
    app.ensure_schema()
    with app.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    dialect = app.engine.dialect.name
    ours = [d for d in diffs if _touches_ledger(d) and not _checked_by_triggers(d, dialect)]
    assert ours == []


def test_policy_versions_number_themselves_and_keep_every_version(app: App) -> None:
    with app.uow() as uow:
        assert uow.policies.latest() is None
        first = uow.policies.add("first", "version: '1'\n")
        second = uow.policies.add("second", "version: '2'\n")
        uow.commit()
    assert (first.version, second.version) == (1, 2)
    assert first.checksum.startswith("sha256:") and first.checksum != second.checksum
    with app.uow() as uow:
        assert uow.policies.latest() == second
        assert uow.policies.get(1).yaml == "version: '1'\n"
        assert [p.version for p in uow.policies.list()] == [1, 2]
        with pytest.raises(NotFound):
            uow.policies.get(3)
    app.create_org("other")
    with app.uow("other") as uow:
        assert uow.policies.latest() is None


def test_an_organisation_name_is_unique(app: App) -> None:
    app.create_org("acme")
    with pytest.raises(Conflict):
        app.create_org("acme")
    assert [n for _, n in app.list_orgs()] == ["default", "acme"]


def test_an_unknown_organisation_is_refused_with_the_command_to_create_it(app: App) -> None:
    with pytest.raises(NotFound, match="amicable orgs create nowhere"), app.uow("nowhere"):
        pass


def test_a_unit_of_work_left_without_commit_writes_nothing(app: App) -> None:
    with app.uow() as uow:
        uow.ledger.add_customers([])
        uow.ledger.start_import("invoices", "x")
    assert count(app, "import_runs") == 0
    import_invoices(app.uow(), [inv("I1")])
    assert count(app, "import_runs") == 1


def test_an_organisation_id_is_read_once_per_process_and_a_missing_one_not_remembered(
    app: App,
) -> None:
    """Every unit of work (each API request, each conversation turn) read the organisation's id;
    an organisation is never renamed or deleted, so the process reads it once. A name that was
    not found is looked up again: the organisation may be created meanwhile."""
    lookups: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "FROM organisations" in statement:
            lookups.append(statement)

    event.listen(app.engine, "before_cursor_execute", note)
    try:
        for _ in range(3):
            with app.uow() as uow:
                assert uow.org_id == 1
        assert len(lookups) == 1
        with pytest.raises(NotFound), app.uow("later"):
            pass
        assert len(lookups) == 2
        other = app.create_org("later")
        lookups.clear()
        with app.uow("later") as uow:
            assert uow.org_id == other
        with app.uow("later") as uow:
            assert uow.org_id == other
        assert len(lookups) == 1  # found once, then remembered
    finally:
        event.remove(app.engine, "before_cursor_execute", note)
