"""Settings: where the database is. Read from the environment once, explicitly (never at import).

Invariant: an explicit argument beats ``AMICABLE_DATABASE_URL``, which beats the default
``sqlite:///./amicable.db``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_DATABASE_URL", "PLACEHOLDER_SECRETS", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///./amicable.db"

# Secrets that are no secret: refused outside development by the API's and the providers' settings.
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "changethis", "secret", "dev"})


@dataclass(frozen=True, slots=True)
class Settings:
    """Process settings.

    Attributes:
        database_url: SQLAlchemy URL (SQLite file or PostgreSQL with psycopg 3).
    """

    database_url: str = DEFAULT_DATABASE_URL

    @classmethod
    def load(
        cls, database_url: str | None = None, env: Mapping[str, str] | None = None
    ) -> Settings:
        environ = os.environ if env is None else env
        url = database_url or environ.get("AMICABLE_DATABASE_URL") or DEFAULT_DATABASE_URL
        return cls(database_url=url)
