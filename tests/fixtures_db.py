"""Database fixtures: a fresh, migrated database per test on the backend chosen by ``--db``.

* SQLite: the migrations run once per session into a template file; each test gets a copy in its
  own ``tmp_path`` (a file copy is ~100× faster than migrating).
* PostgreSQL: each pytest-xdist worker (or the single process) migrates its own schema once; each
  test starts from ``TRUNCATE … RESTART IDENTITY`` of every table plus the default organisation.
  The URL selects the schema through ``options=-csearch_path=…``, so code under test (and a CLI
  subprocess given ``--database-url``) sees only that schema.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from amicable.adapters.db.engine import create_engine_for, migrate
from amicable.adapters.db.tables import metadata
from amicable.bootstrap import App, bootstrap
from amicable.domain.clock import SimulatedClock

__all__ = ["app", "clock", "database_url"]

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine_for(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the main file
    return path


@pytest.fixture(scope="session")
def _pg_schema_url(request: pytest.FixtureRequest, pg_base_url: str) -> Iterator[str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"t_{worker}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine_for(pg_base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_base_url else "?"
    url = f"{pg_base_url}{sep}options=-csearch_path%3D{schema}"
    engine = create_engine_for(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, db_backend: str, tmp_path: Path) -> str:
    """The URL of a fresh, migrated database holding only the default organisation."""
    if db_backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "amicable.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("_pg_schema_url")
    engine = create_engine_for(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(
            text("INSERT INTO organisations (name, created_at) VALUES ('default', :at)"),
            {"at": START},
        )
    engine.dispose()
    return url


@pytest.fixture
def clock() -> SimulatedClock:
    """A simulated clock at 2026-03-01 09:00 UTC."""
    return SimulatedClock(START)


@pytest.fixture
def app(database_url: str, clock: SimulatedClock) -> Iterator[App]:
    """The application on the fresh database, with the simulated clock."""
    application = bootstrap(database_url, clock=clock)
    yield application
    application.close()
