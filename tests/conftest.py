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
