"""The HTTP API (FastAPI): ``create_app(app)`` builds it over a bootstrapped :class:`App`.

See ``docs/api.md`` for authentication, the roles matrix, routes, errors, webhooks and the audit
trail.
"""

from amicable.entrypoints.api.app import API_PREFIX, create_app
from amicable.entrypoints.api.settings import ApiSettings

__all__ = ["API_PREFIX", "ApiSettings", "create_app"]
