"""The composition root: wires settings, clock, engine and units of work into an :class:`App`.

Used by the CLI, the API, workers and tests. Nothing connects at import or at :func:`bootstrap`;
the first unit of work connects and, on an empty database, applies the migrations (a database
at an older revision is refused with a message to run ``amicable init``).
"""

from __future__ import annotations

from sqlalchemy import Engine

from amicable.adapters.db.engine import PoolOptions, create_engine_for, migrate, schema_state
from amicable.adapters.db.repositories import SqlOrgRepository
from amicable.adapters.db.uow import SqlUnitOfWork
from amicable.config import Settings
from amicable.domain.clock import Clock, SystemClock
from amicable.domain.errors import InvalidInput

__all__ = ["App", "bootstrap"]


class App:
    """Everything a process needs: ``app.uow(org)`` opens a unit of work on one organisation."""

    def __init__(
        self, settings: Settings, engine: Engine, clock: Clock, auto_migrate: bool
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self._auto_migrate = auto_migrate
        self._schema_checked = False
        self._org_ids: dict[str, int] = {}  # organisation name -> id, found once (see uow)

    def init(self) -> None:
        """Apply every pending migration (``amicable init``)."""
        migrate(self.engine)
        self._schema_checked = True

    def ensure_schema(self) -> None:
        """Migrate an empty database; refuse one that is behind (explicit ``init`` upgrades)."""
        if self._schema_checked:
            return
        state = schema_state(self.engine)
        if state == "empty" and self._auto_migrate:
            migrate(self.engine)
        elif state == "empty":
            raise InvalidInput("the database has no amicable schema; run: amicable init")
        elif state == "behind":
            raise InvalidInput(
                "the database schema is older than this amicable; run: amicable init"
            )
        self._schema_checked = True

    def uow(self, org: str = "default") -> SqlUnitOfWork:
        """A unit of work on organisation ``org`` (not yet open: use it in a ``with``)."""
        self.ensure_schema()
        return SqlUnitOfWork(self.engine, self.clock, org, self._org_ids)

    def create_org(self, name: str) -> int:
        self.ensure_schema()
        with self.engine.begin() as conn:
            return SqlOrgRepository(conn, self.clock.now()).create(name)

    def list_orgs(self) -> list[tuple[int, str]]:
        self.ensure_schema()
        with self.engine.connect() as conn:
            return SqlOrgRepository(conn, self.clock.now()).list()

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    database_url: str | None = None,
    *,
    clock: Clock | None = None,
    auto_migrate: bool = True,
    pool: PoolOptions | None = None,
) -> App:
    """Build the application for ``database_url`` (else ``AMICABLE_DATABASE_URL``, else the
    SQLite default); ``clock`` defaults to the system clock; ``pool`` sizes a PostgreSQL
    connection pool (the API server's), else the engine's default."""
    settings = Settings.load(database_url)
    engine = create_engine_for(settings.database_url, pool=pool)
    return App(settings, engine, clock or SystemClock(), auto_migrate)
