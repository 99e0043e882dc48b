"""The real channel providers, built from settings (``AMICABLE_SMTP_*``, ``AMICABLE_TWILIO_*``).

``amicable run --provider live`` sends through these instead of the recording outbox: email over
SMTP, SMS and WhatsApp through Twilio's REST API. Each channel is wired only when its settings are
complete; the agent loop then plans contacts only on the channels wired
(``run_due(channels=…)``), and a configuration that wires none is refused — nothing is ever sent
some other way than configured.

Settings (environment, read when the command runs, never at import):

* email: ``AMICABLE_SMTP_HOST``, ``AMICABLE_SMTP_PORT`` (587), ``AMICABLE_SMTP_FROM``,
  ``AMICABLE_SMTP_SECURITY`` (``starttls`` | ``ssl`` | ``none``), ``AMICABLE_SMTP_USERNAME``,
  ``AMICABLE_SMTP_PASSWORD``, ``AMICABLE_SMTP_REPLY_TO``, and ``AMICABLE_SMTP_UNSUBSCRIBE_MAILTO``
  or ``AMICABLE_SMTP_UNSUBSCRIBE_URL`` (one is required: every collection email offers an opt-out);
* SMS / WhatsApp: ``AMICABLE_TWILIO_ACCOUNT_SID``, ``AMICABLE_TWILIO_AUTH_TOKEN``,
  ``AMICABLE_TWILIO_SMS_FROM``, ``AMICABLE_TWILIO_WHATSAPP_FROM``,
  ``AMICABLE_TWILIO_MESSAGING_SERVICE_SID``, ``AMICABLE_TWILIO_STATUS_CALLBACK_URL``,
  ``AMICABLE_TWILIO_API_BASE_URL`` (a local fake in tests; Twilio itself when unset).

Secrets left at a placeholder (``changeme`` …) are refused, as in the API settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic_settings import BaseSettings, SettingsConfigDict

from amicable.adapters.channels.email import SmtpEmailSender, SmtpSettings
from amicable.adapters.channels.twilio_common import TwilioSettings
from amicable.adapters.channels.twilio_sms import TwilioMessagingSender
from amicable.config import PLACEHOLDER_SECRETS
from amicable.domain.clock import Clock
from amicable.domain.errors import InvalidInput
from amicable.service.channels import Channel, ChannelRouter, ChannelSender

__all__ = ["LiveProviders", "ProviderSettings", "live_providers"]


class ProviderSettings(BaseSettings):
    """The providers' settings (see the module docstring for the variable names)."""

    model_config = SettingsConfigDict(env_prefix="AMICABLE_", extra="ignore")

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_from: str = ""
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_reply_to: str = ""
    smtp_unsubscribe_mailto: str = ""
    smtp_unsubscribe_url: str = ""
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_sms_from: str = ""
    twilio_whatsapp_from: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_status_callback_url: str = ""
    twilio_api_base_url: str = ""


@dataclass(frozen=True, slots=True)
class LiveProviders:
    """The sender to hand attempts to and the channels it can deliver."""

    sender: ChannelSender
    channels: frozenset[str]


def _secret(name: str, value: str) -> str:
    if value.strip().lower() in PLACEHOLDER_SECRETS:
        raise InvalidInput(f"AMICABLE_{name.upper()} is empty or a placeholder; set the real one")
    return value


def live_providers(settings: ProviderSettings, *, clock: Clock) -> LiveProviders:
    """A router over every channel whose settings are complete; refuses when there is none, or
    when a channel's settings are half there (a typo must not silently switch a channel off)."""
    senders: dict[Channel, ChannelSender] = {}
    s = settings
    if s.smtp_host or s.smtp_from:
        if not (s.smtp_host and s.smtp_from):
            raise InvalidInput("email: AMICABLE_SMTP_HOST and AMICABLE_SMTP_FROM are both needed")
        senders[Channel.EMAIL] = SmtpEmailSender(
            SmtpSettings(
                host=s.smtp_host,
                port=s.smtp_port,
                from_address=s.smtp_from,
                security=s.smtp_security,  # type: ignore[arg-type]  # validated by SmtpSettings
                username=s.smtp_username or None,
                password=_secret("smtp_password", s.smtp_password) if s.smtp_username else None,
                reply_to=s.smtp_reply_to or None,
                unsubscribe_mailto=s.smtp_unsubscribe_mailto or None,
                unsubscribe_url=s.smtp_unsubscribe_url or None,
            ),
            clock=clock,
        )
    if s.twilio_account_sid or s.twilio_auth_token:
        if not (s.twilio_account_sid and s.twilio_auth_token):
            raise InvalidInput(
                "SMS/WhatsApp: AMICABLE_TWILIO_ACCOUNT_SID and AMICABLE_TWILIO_AUTH_TOKEN are "
                "both needed"
            )
        twilio = TwilioSettings(
            account_sid=s.twilio_account_sid,
            auth_token=_secret("twilio_auth_token", s.twilio_auth_token),
            sms_from=s.twilio_sms_from or None,
            whatsapp_from=s.twilio_whatsapp_from or None,
            messaging_service_sid=s.twilio_messaging_service_sid or None,
            status_callback_url=s.twilio_status_callback_url or None,
            api_base_url=s.twilio_api_base_url or None,
        )
        messaging = TwilioMessagingSender(twilio, clock=clock)
        if twilio.sms_from or twilio.messaging_service_sid:
            senders[Channel.SMS] = messaging
        if twilio.whatsapp_from:
            senders[Channel.WHATSAPP] = messaging
        if not (Channel.SMS in senders or Channel.WHATSAPP in senders):
            raise InvalidInput(
                "Twilio: set AMICABLE_TWILIO_SMS_FROM (or _MESSAGING_SERVICE_SID) and/or "
                "AMICABLE_TWILIO_WHATSAPP_FROM"
            )
    if not senders:
        raise InvalidInput(
            "--provider live: no channel is configured; set AMICABLE_SMTP_HOST/_FROM and/or "
            "AMICABLE_TWILIO_ACCOUNT_SID/_AUTH_TOKEN/_SMS_FROM (see docs/channels.md)"
        )
    router = ChannelRouter(senders)
    return LiveProviders(router, frozenset(c.value for c in router.channels))
