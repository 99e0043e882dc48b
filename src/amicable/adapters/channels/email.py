"""Email over real protocols: SMTP out, IMAP polling and an inbound webhook in.

Outbound (:class:`SmtpEmailSender`): one ``multipart/alternative`` message per
:class:`~amicable.service.channels.OutboundMessage` (text part, plus an HTML part when given) with

* a stable ``Message-ID`` derived from the dedupe key — a retry of the same attempt carries the
  same id, so receivers and our own inbound routing can recognise it;
* ``In-Reply-To`` / ``References`` when the message continues a thread;
* ``List-Unsubscribe`` (mailto and/or https) and, when an https URL is present,
  ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058). Settings without any
  unsubscribe target are refused: every collection email must offer a way to opt out.

Inbound: :class:`ImapPoller` reads UNSEEN messages without marking them (``BODY.PEEK[]``), hands
each parsed :class:`~amicable.service.channels.InboundEvent` to a handler and only then sets
``\\Seen`` — a crash between fetch and hand-off loses nothing, and handlers are idempotent by
event id (the Message-ID). :func:`parse_inbound_email_webhook` reads the common JSON shape of
inbound-email webhooks (documented on the function and in ``docs/channels.md``).

Invariants: the quoted earlier conversation is stripped from inbound text; every inbound event
has a non-empty event id (a message without a Message-ID gets ``sha256:<digest of the raw
message>``, stable across polls); transport failures raise
:class:`~amicable.domain.errors.ChannelUnavailable`, permanent refusals return a rejected result.
"""

from __future__ import annotations

import contextlib
import email.policy
import hashlib
import imaplib
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser
from email.utils import format_datetime, getaddresses, parseaddr
from enum import StrEnum
from html.parser import HTMLParser
from urllib.parse import quote

from amicable.domain.clock import Clock, ensure_utc
from amicable.domain.errors import ChannelUnavailable, InvalidInput
from amicable.service.channels import (
    Channel,
    InboundEvent,
    InboundKind,
    OutboundMessage,
    SendResult,
    SendStatus,
)

__all__ = [
    "ImapPollReport",
    "ImapPoller",
    "ImapSettings",
    "SmtpEmailSender",
    "SmtpSecurity",
    "SmtpSettings",
    "build_email",
    "parse_inbound_email",
    "parse_inbound_email_webhook",
    "stable_message_id",
    "strip_quoted_reply",
]

_log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# Outbound: SMTP
# --------------------------------------------------------------------------------------------


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected."""

    STARTTLS = "starttls"  # plain connect, then STARTTLS (port 587); refused if not offered
    SSL = "ssl"  # implicit TLS from the first byte (port 465)
    NONE = "none"  # no TLS: only for a relay on localhost or a test server


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send email.

    Attributes:
        host / port: the SMTP server (submission is usually 587 with STARTTLS, 465 with SSL).
        from_address: the default ``From`` (``"Acme Receivables <ar@acme.example>"``).
        security: STARTTLS (default), SSL or NONE.
        username / password: SMTP AUTH credentials; no AUTH when ``username`` is None.
        timeout_seconds: socket timeout for connect and each command.
        message_id_domain: right-hand side of generated Message-IDs (default: the From domain).
        unsubscribe_mailto: address for ``List-Unsubscribe: <mailto:…>``.
        unsubscribe_url: https URL for one-click unsubscribe; may contain ``{account_ref}`` and
            ``{dedupe_key}`` placeholders (URL-quoted when filled in).
        reply_to: optional ``Reply-To`` (for example the mailbox the IMAP poller reads).
        ssl_context: TLS context (default: the system trust store with hostname checks).
    """

    host: str
    port: int
    from_address: str
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 30.0
    message_id_domain: str | None = None
    unsubscribe_mailto: str | None = None
    unsubscribe_url: str | None = None
    reply_to: str | None = None
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "security", SmtpSecurity(self.security))
        except ValueError:
            raise InvalidInput(f"SMTP settings: unknown security {self.security!r}") from None
        if not self.host:
            raise InvalidInput("SMTP settings: host is required")
        if not 0 < self.port < 65536:
            raise InvalidInput(f"SMTP settings: port {self.port} is not a TCP port")
        if "@" not in parseaddr(self.from_address)[1]:
            raise InvalidInput(
                f"SMTP settings: from_address {self.from_address!r} is not an address"
            )
        if not self.unsubscribe_mailto and not self.unsubscribe_url:
            raise InvalidInput(
                "SMTP settings: unsubscribe_mailto or unsubscribe_url is required "
                "(every collection email offers a way to opt out)"
            )
        if self.unsubscribe_url and not self.unsubscribe_url.startswith("https://"):
            raise InvalidInput(
                f"SMTP settings: unsubscribe_url must be an https URL, got {self.unsubscribe_url!r}"
            )
        if (self.username is None) != (self.password is None):
            raise InvalidInput("SMTP settings: username and password go together")

    @property
    def domain(self) -> str:
        """The domain used for Message-IDs."""
        return self.message_id_domain or parseaddr(self.from_address)[1].rsplit("@", 1)[1]


def stable_message_id(dedupe_key: str, domain: str) -> str:
    """The Message-ID for the attempt with ``dedupe_key``: same key, same id, on every retry."""
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:40]
    return f"<amicable.{digest}@{domain}>"


def _unsubscribe_header(message: OutboundMessage, settings: SmtpSettings) -> tuple[str, bool]:
    """The ``List-Unsubscribe`` value and whether it has an https target (for one-click)."""
    targets: list[str] = []
    if settings.unsubscribe_mailto:
        subject = quote(f"unsubscribe {message.account_ref or message.to}")
        targets.append(f"<mailto:{settings.unsubscribe_mailto}?subject={subject}>")
    url = message.metadata.get("unsubscribe_url")
    if url is None and settings.unsubscribe_url:
        url = settings.unsubscribe_url.format(
            account_ref=quote(message.account_ref or "", safe=""),
            dedupe_key=quote(message.dedupe_key, safe=""),
        )
    if url is not None:
        if not url.startswith("https://"):
            raise InvalidInput(f"unsubscribe URL must be https, got {url!r}")
        targets.append(f"<{url}>")
    return ", ".join(targets), url is not None


def build_email(message: OutboundMessage, settings: SmtpSettings, *, now: datetime) -> EmailMessage:
    """Build the MIME message for ``message`` (pure: no I/O, the time is a parameter)."""
    if message.channel is not Channel.EMAIL:
        raise InvalidInput(f"the SMTP sender only sends email, not {message.channel.value}")
    to_address = parseaddr(message.to)[1]
    if "@" not in to_address:
        raise InvalidInput(f"recipient {message.to!r} is not an email address")
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = message.sender or settings.from_address
    msg["To"] = message.to
    msg["Subject"] = message.subject or ""
    msg["Date"] = format_datetime(ensure_utc(now))
    msg["Message-ID"] = stable_message_id(message.dedupe_key, settings.domain)
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    if message.thread_ref:
        # References carries the whole chain (oldest first) so clients thread even when an
        # intermediate message is missing; In-Reply-To names only the direct parent.
        chain = message.metadata.get("references", "").split()
        if message.thread_ref not in chain:
            chain.append(message.thread_ref)
        msg["In-Reply-To"] = message.thread_ref
        msg["References"] = " ".join(chain)
    unsubscribe, one_click = _unsubscribe_header(message, settings)
    msg["List-Unsubscribe"] = unsubscribe
    if one_click:
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(message.text)
    if message.html:
        msg.add_alternative(message.html, subtype="html")
    return msg


class SmtpEmailSender:
    """A :class:`~amicable.service.channels.ChannelSender` for email over SMTP.

    One connection per message: collection volumes per second are small, and a fresh connection
    never inherits a half-failed session.
    """

    provider = "smtp"

    def __init__(self, settings: SmtpSettings, *, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        context = s.ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.security is SmtpSecurity.SSL:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
        try:
            smtp.ehlo()
            if s.security is SmtpSecurity.STARTTLS:
                if not smtp.has_extn("starttls"):
                    # Fail closed: never fall back to sending credentials and mail in clear.
                    raise ChannelUnavailable(
                        f"SMTP server {s.host}:{s.port} does not offer STARTTLS"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username is not None and s.password is not None:
                smtp.login(s.username, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _rejected(self, message: OutboundMessage, code: int, text: str) -> SendResult:
        return SendResult(
            provider=self.provider,
            provider_message_id="",
            accepted_at=self._clock.now(),
            status=SendStatus.REJECTED,
            channel=Channel.EMAIL,
            dedupe_key=message.dedupe_key,
            provider_status=str(code),
            error_code=str(code),
            error_message=text,
        )

    def send(self, message: OutboundMessage) -> SendResult:
        now = self._clock.now()
        mime = build_email(message, self._settings, now=now)
        recipient = parseaddr(message.to)[1]
        envelope_from = parseaddr(str(mime["From"]))[1]
        where = f"{self._settings.host}:{self._settings.port}"
        try:
            with self._connect() as smtp:
                smtp.send_message(mime, from_addr=envelope_from, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
            if 400 <= code < 500:
                raise ChannelUnavailable(
                    f"SMTP {where} deferred {recipient}: {code} {text}"
                ) from exc
            return self._rejected(message, code, text)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raw_error: bytes | str = exc.smtp_error
            text = (
                raw_error.decode("utf-8", "replace") if isinstance(raw_error, bytes) else raw_error
            )
            if 400 <= exc.smtp_code < 500:
                raise ChannelUnavailable(f"SMTP {where} deferred: {exc.smtp_code} {text}") from exc
            return self._rejected(message, exc.smtp_code, text)
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelUnavailable(f"SMTP {where} refused the credentials") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelUnavailable(f"SMTP {where} failed: {exc}") from exc
        return SendResult(
            provider=self.provider,
            provider_message_id=str(mime["Message-ID"]),
            accepted_at=now,
            status=SendStatus.ACCEPTED,
            channel=Channel.EMAIL,
            dedupe_key=message.dedupe_key,
            provider_status="250",
        )


# --------------------------------------------------------------------------------------------
# Inbound: parsing
# --------------------------------------------------------------------------------------------

# Lines that open the quoted earlier conversation in the reply styles of common clients
# (Gmail / Apple Mail / Thunderbird in several languages, Outlook's separators).
_ATTRIBUTION = re.compile(
    r"^\s*(on\b.{0,200}\bwrote:"
    r"|le\b.{0,200}\ba écrit\s?:"
    r"|el\b.{0,200}\bescribió:"
    r"|am\b.{0,200}\bschrieb\b.{0,200}:"
    r"|-{2,}\s*original message\s*-{2,}"
    r"|-{2,}\s*message d'origine\s*-{2,}"
    r"|_{10,})\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*(from|de|von)\s*:\s*\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*(sent|date|envoyé|gesendet|to|à|an)\s*:", re.IGNORECASE)


def strip_quoted_reply(text: str) -> str:
    """The new part of a reply: drop the attribution line and everything quoted after it.

    Removes ``>``-quoted lines, cuts at an attribution (``On … wrote:``, ``Le … a écrit :``,
    Outlook's ``-----Original Message-----`` or ``From: … / Sent: …`` block) and at the
    ``-- `` signature delimiter. Never returns more than it was given.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        joined = line + " " + lines[index + 1] if index + 1 < len(lines) else line
        if _ATTRIBUTION.match(line) or (
            # Gmail wraps long attributions: "On Mon, … <a@b.example>" / "wrote:".
            line.lower().lstrip().startswith("on ") and _ATTRIBUTION.match(joined)
        ):
            break
        if line.rstrip() == "--":
            break
        if (
            _OUTLOOK_FROM.match(line)
            and index + 1 < len(lines)
            and _OUTLOOK_NEXT.match(lines[index + 1])
        ):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML body, with block elements turned into line breaks."""

    _BLOCKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head"}:
            self._skip += 1
        if tag == "blockquote":
            # A blockquote in a reply is the quoted earlier message.
            self._quote += 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head"} and self._skip:
            self._skip -= 1
        if tag == "blockquote" and self._quote:
            self._quote -= 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._quote:
            self.parts.append(data)


def _html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def _body_text(msg: Message) -> str:
    if not isinstance(msg, EmailMessage):  # pragma: no cover - parsers below build EmailMessage
        return ""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None or not isinstance(part, EmailMessage):
        return ""
    content = part.get_content()
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return _html_to_text(content)
    return content


def _first_id(value: object) -> str | None:
    """The first ``<…>`` message id in a header value (or the bare value)."""
    if value is None:
        return None
    text = str(value).strip()
    found = re.search(r"<[^<>\s]+>", text)
    if found:
        return found.group(0)
    return f"<{text}>" if text else None


def _last_id(value: object) -> str | None:
    if value is None:
        return None
    found: list[str] = re.findall(r"<[^<>\s]+>", str(value))
    return found[-1] if found else None


def _address(value: object) -> str:
    pairs = getaddresses([str(value)]) if value is not None else []
    return pairs[0][1].lower() if pairs and pairs[0][1] else ""


def _bounce(msg: EmailMessage) -> tuple[str, str | None] | None:
    """``(status, original Message-ID)`` when ``msg`` is a delivery status notification."""
    if msg.get_content_type() != "multipart/report":
        return None
    if str(msg.get_param("report-type", "")).lower() != "delivery-status":
        return None
    status = "bounced"
    original: str | None = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            text = part.as_string()
            if re.search(r"^Action:\s*delayed", text, re.IGNORECASE | re.MULTILINE):
                status = "delayed"
        elif ctype in {"message/rfc822", "text/rfc822-headers"}:
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                original = _first_id(payload[0].get("Message-ID"))
            elif isinstance(payload, str):
                headers = HeaderParser().parsestr(payload)
                original = _first_id(headers.get("Message-ID"))
    return status, original


def parse_inbound_email(
    raw: bytes, *, received_at: datetime, provider: str = "imap"
) -> InboundEvent:
    """Turn one raw RFC 5322 message into an :class:`InboundEvent`.

    A delivery status notification (bounce) becomes a ``delivery_status`` event about the
    original message; anything else is a ``message`` with the quoted history stripped. Auto
    replies (``Auto-Submitted`` other than ``no``) are marked ``metadata["auto_reply"] = "true"``.
    """
    msg = BytesParser(policy=email.policy.default).parsebytes(raw)
    if not isinstance(msg, EmailMessage):  # pragma: no cover - policy.default builds EmailMessage
        raise InvalidInput("could not parse the email message")
    event_id = _first_id(msg.get("Message-ID"))
    if event_id is None:
        event_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    subject = str(msg.get("Subject", "")) or None
    metadata: dict[str, str] = {}
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    if auto != "no" or msg.get("X-Autoreply") is not None:
        metadata["auto_reply"] = "true"
    bounce = _bounce(msg)
    if bounce is not None:
        status, original = bounce
        return InboundEvent(
            provider=provider,
            event_id=event_id,
            channel=Channel.EMAIL,
            kind=InboundKind.DELIVERY_STATUS,
            sender=_address(msg.get("From")),
            recipient=_address(msg.get("To")),
            text="",
            received_at=received_at,
            thread_ref=original,
            status=status,
            subject=subject,
            metadata=metadata,
        )
    return InboundEvent(
        provider=provider,
        event_id=event_id,
        channel=Channel.EMAIL,
        kind=InboundKind.MESSAGE,
        sender=_address(msg.get("From")),
        recipient=_address(msg.get("To")),
        text=strip_quoted_reply(_body_text(msg)),
        received_at=received_at,
        thread_ref=_first_id(msg.get("In-Reply-To")) or _last_id(msg.get("References")),
        subject=subject,
        metadata=metadata,
    )


def _headers_lookup(headers: object) -> Callable[[str], str | None]:
    if headers is None:
        return lambda name: None
    if isinstance(headers, str):
        parsed = HeaderParser().parsestr(headers)
        return lambda name: None if parsed.get(name) is None else str(parsed.get(name))
    if isinstance(headers, Mapping):
        lowered = {str(k).lower(): v for k, v in headers.items()}

        def lookup(name: str) -> str | None:
            value = lowered.get(name.lower())
            if value is None:
                return None
            if not isinstance(value, str):
                raise InvalidInput(f"inbound email webhook: header {name!r} must be a string")
            return value

        return lookup
    raise InvalidInput("inbound email webhook: 'headers' must be a string or an object")


def _field(payload: Mapping[str, object], name: str, *, required: bool) -> str | None:
    value = payload.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInput(f"inbound email webhook: field {name!r} is required")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"inbound email webhook: field {name!r} must be a string")
    return value


def parse_inbound_email_webhook(
    payload: Mapping[str, object], *, received_at: datetime, provider: str = "email_webhook"
) -> InboundEvent:
    """Turn an inbound-email webhook payload into an :class:`InboundEvent`.

    The accepted shape (the common one of inbound-parse services)::

        {
          "from": "Dana Debtor <dana@example.com>",   # required
          "to": "ar@acme.example",                      # required
          "subject": "Re: Invoice 1042",                # optional
          "text": "I can pay half now…",                # text or html required
          "html": "<p>I can pay half now…</p>",
          "headers": "Message-ID: <…>\\r\\nIn-Reply-To: <…>"   # raw block, or {"Message-ID": …}
          "message_id": "<…>", "in_reply_to": "<…>"    # optional, override the headers
        }

    The event id is the Message-ID; without one it is ``sha256:`` of sender, recipient, subject
    and body (the same delivery posted twice is still recognised).
    """
    if not isinstance(payload, Mapping):
        raise InvalidInput("inbound email webhook: the payload must be a JSON object")
    header = _headers_lookup(payload.get("headers"))
    sender_raw = _field(payload, "from", required=True)
    recipient_raw = _field(payload, "to", required=True)
    subject = _field(payload, "subject", required=False)
    text = _field(payload, "text", required=False)
    html = _field(payload, "html", required=False)
    if text is None and html is None:
        raise InvalidInput("inbound email webhook: field 'text' or 'html' is required")
    body = text if text is not None else _html_to_text(html or "")
    sender = _address(sender_raw)
    if "@" not in sender:
        raise InvalidInput(f"inbound email webhook: 'from' {sender_raw!r} is not an address")
    recipient = _address(recipient_raw)
    event_id = _first_id(_field(payload, "message_id", required=False) or header("Message-ID"))
    if event_id is None:
        digest = hashlib.sha256(
            "\x00".join([sender, recipient, subject or "", body]).encode("utf-8")
        ).hexdigest()
        event_id = "sha256:" + digest
    thread_ref = _first_id(
        _field(payload, "in_reply_to", required=False) or header("In-Reply-To")
    ) or _last_id(header("References"))
    return InboundEvent(
        provider=provider,
        event_id=event_id,
        channel=Channel.EMAIL,
        kind=InboundKind.MESSAGE,
        sender=sender,
        recipient=recipient,
        text=strip_quoted_reply(body),
        received_at=received_at,
        thread_ref=thread_ref,
        subject=subject,
    )


# --------------------------------------------------------------------------------------------
# Inbound: IMAP polling
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImapSettings:
    """Where replies are read from.

    Attributes:
        host / port: the IMAP server (993 with SSL, 143 plain).
        username / password: LOGIN credentials.
        mailbox: the folder to poll.
        use_ssl: implicit TLS (IMAPS); when False the connection is plain (tests, localhost).
        timeout_seconds: socket timeout.
        ssl_context: TLS context (default: the system trust store with hostname checks).
    """

    host: str
    port: int
    username: str
    password: str = field(repr=False)
    mailbox: str = "INBOX"
    use_ssl: bool = True
    timeout_seconds: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.host:
            raise InvalidInput("IMAP settings: host is required")
        if not 0 < self.port < 65536:
            raise InvalidInput(f"IMAP settings: port {self.port} is not a TCP port")
        if not (self.username.isascii() and self.password.isascii()):
            # IMAP LOGIN takes 7-bit strings; imaplib cannot send anything else.
            raise InvalidInput("IMAP settings: username and password must be ASCII for LOGIN")


@dataclass(frozen=True, slots=True)
class ImapPollReport:
    """What one poll did.

    Attributes:
        handled: event ids handed to the handler and then marked ``\\Seen``.
        failed: ``(sequence number, reason)`` for messages left unseen (retried next poll).
    """

    handled: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]


class ImapPoller:
    """Poll one mailbox for UNSEEN messages and hand them on as :class:`InboundEvent`.

    A message is marked ``\\Seen`` only after the handler returned; if the handler raises, the
    message stays unseen and is offered again on the next poll (handlers are idempotent by event
    id, so offering twice is harmless, losing is not).
    """

    provider = "imap"

    def __init__(self, settings: ImapSettings, *, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock

    def _connect(self) -> imaplib.IMAP4:
        s = self._settings
        if s.use_ssl:
            return imaplib.IMAP4_SSL(
                s.host,
                s.port,
                ssl_context=s.ssl_context or ssl.create_default_context(),
                timeout=s.timeout_seconds,
            )
        return imaplib.IMAP4(s.host, s.port, timeout=s.timeout_seconds)

    def poll(self, handle: Callable[[InboundEvent], object]) -> ImapPollReport:
        """Fetch every UNSEEN message, hand each to ``handle``, mark the handled ones seen."""
        s = self._settings
        where = f"{s.host}:{s.port}/{s.mailbox}"
        handled: list[str] = []
        failed: list[tuple[str, str]] = []
        logged_out = False
        try:
            conn = self._connect()
        except OSError as exc:
            raise ChannelUnavailable(f"IMAP {where}: cannot connect: {exc}") from exc
        try:
            try:
                conn.login(s.username, s.password)
            except imaplib.IMAP4.error as exc:
                raise ChannelUnavailable(f"IMAP {where}: login refused") from exc
            status, _ = conn.select(_quote_mailbox(s.mailbox))
            if status != "OK":
                raise ChannelUnavailable(f"IMAP {where}: cannot select the mailbox")
            status, data = conn.search(None, "UNSEEN")
            if status != "OK":
                raise ChannelUnavailable(f"IMAP {where}: SEARCH UNSEEN failed")
            numbers = [n.decode("ascii") for n in _search_numbers(data)]
            for number in numbers:
                try:
                    raw = _fetch_raw(conn, number)
                    event = parse_inbound_email(
                        raw, received_at=self._clock.now(), provider=self.provider
                    )
                    handle(event)
                except (imaplib.IMAP4.abort, OSError):
                    raise
                except Exception as exc:  # the message stays unseen; the poll goes on
                    _log.warning("IMAP message %s in %s not handled: %s", number, where, exc)
                    failed.append((number, f"{type(exc).__name__}: {exc}"))
                    continue
                status, _ = conn.store(number, "+FLAGS", "(\\Seen)")
                if status != "OK":
                    failed.append((number, "STORE \\Seen refused"))
                    continue
                handled.append(event.event_id)
            logged_out = True
            conn.logout()
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ChannelUnavailable(f"IMAP {where} failed: {exc}") from exc
        finally:
            if not logged_out:
                with contextlib.suppress(OSError):
                    conn.shutdown()
        return ImapPollReport(handled=tuple(handled), failed=tuple(failed))


def _quote_mailbox(name: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./-]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _search_numbers(data: Iterable[object]) -> list[bytes]:
    numbers: list[bytes] = []
    for line in data:
        if isinstance(line, bytes):
            numbers.extend(line.split())
    return numbers


def _fetch_raw(conn: imaplib.IMAP4, number: str) -> bytes:
    # BODY.PEEK[] leaves \Seen alone (FETCH RFC822 would set it): we mark seen ourselves, after
    # the handler took the message.
    status, data = conn.fetch(number, "(BODY.PEEK[])")
    if status != "OK":
        raise ChannelUnavailable(f"IMAP FETCH {number} failed")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    raise InvalidInput(f"IMAP FETCH {number} returned no message body")
