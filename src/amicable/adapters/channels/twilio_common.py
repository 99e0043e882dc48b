"""What the Twilio adapters share: settings, the SDK client, webhook signature checks, errors.

The SDK ``Client`` always builds ``https://api.twilio.com/...`` URLs; to point it at a local fake
(tests, offline demos) we give it its supported extension point, a custom ``http_client``
(:class:`RebasedTwilioHttpClient`), which rewrites the scheme and host of every request to
``api_base_url`` before the ordinary ``requests``-based client sends it. Nothing else changes:
authentication, form encoding and response parsing are the SDK's own.

Invariants: the auth token never appears in ``repr``; a webhook whose signature does not verify
is refused (``False``) and logged with its path only (no parameters, no query string).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from amicable.domain.errors import ChannelUnavailable, InvalidInput
from amicable.service.channels import OutboundMessage, SendResult, SendStatus

__all__ = [
    "RebasedTwilioHttpClient",
    "TwilioSettings",
    "create_on_twilio",
    "is_permanent_refusal",
    "make_twilio_client",
    "unavailable",
    "validate_twilio_request",
]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    """How to reach Twilio.

    Attributes:
        account_sid / auth_token: the account credentials (the token also signs webhooks).
        sms_from: our SMS number (E.164) or alphanumeric sender id.
        whatsapp_from: our WhatsApp sender (E.164, without the ``whatsapp:`` prefix).
        voice_from: the caller id for outbound calls (E.164).
        messaging_service_sid: optional Messaging Service used instead of ``sms_from``.
        status_callback_url: public URL Twilio posts message status callbacks to.
        voice_answer_url: public URL Twilio fetches TwiML from when a call is answered.
        voice_status_callback_url: public URL Twilio posts call status callbacks to.
        api_base_url: where the REST API is (None: Twilio itself; ``http://127.0.0.1:PORT`` for
            a local fake).
        timeout_seconds: HTTP timeout for REST calls.
    """

    account_sid: str
    auth_token: str = field(repr=False)
    sms_from: str | None = None
    whatsapp_from: str | None = None
    voice_from: str | None = None
    messaging_service_sid: str | None = None
    status_callback_url: str | None = None
    voice_answer_url: str | None = None
    voice_status_callback_url: str | None = None
    api_base_url: str | None = None
    timeout_seconds: float = 15.0

    def __post_init__(self) -> None:
        if not self.account_sid.startswith("AC"):
            raise InvalidInput(
                f"Twilio settings: account_sid {self.account_sid!r} must start with AC"
            )
        if not self.auth_token:
            raise InvalidInput("Twilio settings: auth_token is required")
        if self.api_base_url is not None:
            parts = urlsplit(self.api_base_url)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                raise InvalidInput(
                    f"Twilio settings: api_base_url {self.api_base_url!r} is not an http(s) URL"
                )


class RebasedTwilioHttpClient(TwilioHttpClient):  # type: ignore[misc]  # the SDK is untyped
    """The SDK's HTTP client, sending every request to ``base_url`` instead of Twilio's hosts."""

    def __init__(self, base_url: str, *, timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        parts = urlsplit(base_url)
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._prefix = parts.path.rstrip("/")

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        parts = urlsplit(url)
        rebased = urlunsplit(
            (self._scheme, self._netloc, self._prefix + parts.path, parts.query, parts.fragment)
        )
        return super().request(
            method,
            rebased,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


def make_twilio_client(settings: TwilioSettings) -> Client:
    """An SDK client for ``settings`` (pointed at ``api_base_url`` when one is set)."""
    http_client = (
        RebasedTwilioHttpClient(settings.api_base_url, timeout=settings.timeout_seconds)
        if settings.api_base_url
        else TwilioHttpClient(timeout=settings.timeout_seconds)
    )
    return Client(settings.account_sid, settings.auth_token, http_client=http_client)


def validate_twilio_request(
    url: str, params: Mapping[str, str], signature: str | None, auth_token: str
) -> bool:
    """Whether a webhook really comes from Twilio (``X-Twilio-Signature`` over URL + params).

    ``url`` is the full public URL Twilio called (with query string); ``params`` the POST form
    fields. A missing signature is refused. Uses the SDK's :class:`RequestValidator`.
    """
    # Logged without the query string: it carries dedupe keys, which name accounts.
    where = urlsplit(url).path
    if not signature or not auth_token:
        _log.warning("Twilio webhook refused: no signature for %s", where)
        return False
    valid = bool(RequestValidator(auth_token).validate(url, dict(params), signature))
    if not valid:
        _log.warning("Twilio webhook refused: bad signature for %s", where)
    return valid


def is_permanent_refusal(exc: TwilioRestException) -> bool:
    """A 4xx other than 429 (rate limit) and 401/403 (our credentials) is Twilio refusing *this*
    message for good; anything else may work on a retry."""
    return 400 <= exc.status < 500 and exc.status not in {401, 403, 408, 429}


def unavailable(what: str, exc: Exception) -> ChannelUnavailable:
    """The exception to raise for a transient / configuration failure talking to Twilio."""
    if isinstance(exc, TwilioRestException):
        return ChannelUnavailable(f"Twilio {what} failed: HTTP {exc.status} {exc.msg}")
    return ChannelUnavailable(f"Twilio {what} failed: {type(exc).__name__}: {exc}")


def create_on_twilio(
    provider: str,
    message: OutboundMessage,
    now: datetime,
    what: str,
    create: Callable[[], Any],
) -> SendResult:
    """Run one Twilio ``create`` call (``Messages.create``, ``Calls.create``) for ``message``.

    A permanent refusal is a REJECTED result with Twilio's code; anything that may work on a retry
    (network, 5xx, 429, our credentials) raises :class:`ChannelUnavailable`.
    """
    try:
        created = create()
    except TwilioRestException as exc:
        if is_permanent_refusal(exc):
            return SendResult(
                provider=provider,
                provider_message_id="",
                accepted_at=now,
                status=SendStatus.REJECTED,
                channel=message.channel,
                dedupe_key=message.dedupe_key,
                provider_status=str(exc.status),
                error_code=str(exc.code) if exc.code is not None else str(exc.status),
                error_message=str(exc.msg),
            )
        raise unavailable(what, exc) from exc
    except OSError as exc:  # requests' exceptions are OSErrors: refused, reset, timeout
        raise unavailable(what, exc) from exc
    return SendResult(
        provider=provider,
        provider_message_id=str(created.sid),
        accepted_at=now,
        status=SendStatus.ACCEPTED,
        channel=message.channel,
        dedupe_key=message.dedupe_key,
        provider_status=None if created.status is None else str(created.status),
    )
