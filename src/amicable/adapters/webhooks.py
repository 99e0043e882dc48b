"""The HTTP transport of webhook deliveries (httpx), behind :class:`WebhookTransport`.

Invariant: :meth:`HttpxWebhookTransport.post` never raises for a network problem — it returns the
error text, which the delivery log keeps; redirects are not followed (a receiver that moved must be
re-subscribed, so a signed body never lands somewhere unexpected).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

__all__ = ["HttpxWebhookTransport"]


class HttpxWebhookTransport:
    """Posts deliveries with ``httpx`` (``timeout`` seconds per attempt)."""

    def __init__(self, client: httpx.Client | None = None, *, timeout: float = 10.0) -> None:
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self._owned = client is None

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int | None, str | None]:
        try:
            response = self._client.post(url, content=body, headers=dict(headers))
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500]
        return response.status_code, None

    def close(self) -> None:
        if self._owned:
            self._client.close()
