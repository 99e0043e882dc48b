"""SQL persistence of the ledger: tables, migrations, repositories and the unit of work."""

from amicable.adapters.db import tables_api as _tables_api  # noqa: F401  (registers tables)
from amicable.adapters.db import tables_conversations as _tables_conversations  # noqa: F401  (registers tables)
from amicable.adapters.db import tables_payments as _tables_payments  # noqa: F401  (registers tables)
from amicable.adapters.db import tables_planning as _tables_planning  # noqa: F401  (registers tables)
from amicable.adapters.db import tables_queue as _tables_queue  # noqa: F401  (registers tables)
from amicable.adapters.db import tables_runtime as _tables_runtime  # noqa: F401  (registers tables)
from amicable.adapters.db import tables_strategy as _tables_strategy  # noqa: F401  (registers tables)
from amicable.adapters.db.engine import (
    DEFAULT_DATABASE_URL,
    create_engine_for,
    head_revision,
    migrate,
    schema_state,
)
from amicable.adapters.db.uow import SqlUnitOfWork

__all__ = [
    "DEFAULT_DATABASE_URL",
    "SqlUnitOfWork",
    "create_engine_for",
    "head_revision",
    "migrate",
    "schema_state",
]
