"""Test configuration shared by every tier.

``--db sqlite`` (default) or ``--db postgres`` selects the database for the integration tier;
``--pg-url`` (or ``AMICABLE_TEST_PG_URL``) says where PostgreSQL is. Fixtures that give a fresh,
migrated database live in ``tests/fixtures_db.py`` and are imported here.
"""

from __future__ import annotations

import os

import pytest

# ``tests/`` is on sys.path (rootdir-relative imports, no packages), so the plugin is a top module.
pytest_plugins = ["fixtures_db"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        action="store",
        default=os.environ.get("AMICABLE_TEST_DB", "sqlite"),
        choices=("sqlite", "postgres"),
        help="database backend for integration tests",
    )
    parser.addoption(
        "--pg-url",
        action="store",
        default=os.environ.get(
            "AMICABLE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="PostgreSQL URL used with --db postgres",
    )


@pytest.fixture(scope="session")
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def pg_base_url(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--pg-url"))


#: Fixtures through which a test reaches the database the run selects (``item.fixturenames`` is
#: the whole closure, so a test using ``app`` or ``database_url`` counts).
_DATABASE_FIXTURES = frozenset({"db_backend", "pg_base_url"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``--db postgres``, run only the tests that reach a database: the others do not depend
    on ``--db`` at all, so the SQLite run already ran exactly them (CI runs both; this keeps it
    inside its time budget). ``AMICABLE_TEST_ALL=1`` runs everything anyway."""
    if config.getoption("--db") != "postgres" or os.environ.get("AMICABLE_TEST_ALL") == "1":
        return
    keep = [item for item in items if _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))]
    if len(keep) != len(items):
        kept = {id(item) for item in keep}
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in kept])
        items[:] = keep
