"""Public webhooks of the contact channels: Twilio messaging (inbound SMS / WhatsApp, status
callbacks), Twilio Programmable Voice (answer, speech turns, call status) and inbound email.

Routes (all ``POST``, under ``/v1``; ``{org}`` is the organisation):

* ``/webhooks/twilio/{org}/sms`` — a message comes in (SMS or WhatsApp): routed to its account
  and answered with TwiML (``<Message>`` with the agent's reply; empty for STOP / START / HELP,
  which Twilio answers itself).
* ``/webhooks/twilio/{org}/status?ref=<dedupe key>`` — a message status callback.
* ``/webhooks/twilio/{org}/voice/answer?conversation=…&ref=…&purpose=call|voicemail`` — TwiML
  for an answered call: the opening ``<Gather input="speech">`` turn, the limited-content
  voicemail, or a hang-up.
* ``/webhooks/twilio/{org}/voice/turn?conversation=…&turn=N&ref=…`` — a ``SpeechResult``: one
  turn of the negotiation; TwiML with the reply (next ``<Gather>``) or a goodbye and hang-up.
* ``/webhooks/twilio/{org}/voice/status?ref=…&purpose=…`` — a call status callback.
* ``/webhooks/email/{org}`` — an inbound email (JSON, the shape of ``docs/channels.md``).

Invariants:
* No bearer token: Twilio requests must carry a valid ``X-Twilio-Signature`` (checked with the
  SDK's ``RequestValidator`` over the public URL and the form, with the organisation's auth
  token: ``AMICABLE_TWILIO_AUTH_TOKENS[org]``, else ``AMICABLE_TWILIO_AUTH_TOKEN``); email deliveries an ``Amicable-Signature`` HMAC with
  ``AMICABLE_INBOUND_EMAIL_SECRET``. A missing or bad signature, or no secret configured, is a
  ``403`` and a warning in the log naming the route template only (never a number, address,
  text or query string). Nothing in the request is used before its signature is verified.
* An unknown organisation is a ``404`` — answered only after the signature was verified.
* Every event is idempotent: messages by ``MessageSid`` / Message-ID, receipts by status order,
  speech turns by ``CallSid:turn:N``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from twilio.twiml.messaging_response import MessagingResponse

from amicable.adapters.channels.email import parse_inbound_email_webhook
from amicable.adapters.channels.twilio_common import validate_twilio_request
from amicable.adapters.channels.twilio_sms import parse_twilio_message_webhook, with_query
from amicable.adapters.channels.twilio_voice import (
    LimitedContentVoicemail,
    closing_twiml,
    gather_turn_twiml,
    parse_twilio_call_status,
    parse_twilio_speech_turn,
    turn_action_url,
)
from amicable.domain.errors import InvalidInput
from amicable.entrypoints.api.deps import AmicableApp, RateLimited
from amicable.entrypoints.api.errors import problem
from amicable.service.channel_events import (
    apply_receipt,
    call_answered,
    call_turn,
    receive_channel_event,
    route_inbound,
    verify_signed_body,
)
from amicable.service.channels import Channel, InboundKind

__all__ = ["MAX_BODY", "MAX_SILENCES", "MAX_TURNS", "router"]

router = APIRouter()

MAX_BODY: Final = 1024 * 1024
#: A call ends (politely) after this many speech turns, or this many silences in a row.
MAX_TURNS: Final = 40
MAX_SILENCES: Final = 2
_VOICE_LANG: Final = {"en": "en-US", "fr": "fr-FR", "es": "es-US", "de": "de-DE"}
_XML: Final = "application/xml"

OrgName = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[^\x00/]+$", description="organisation")
]


def _refuse(request: Request, detail: str) -> JSONResponse:
    # The route template (``/v1/webhooks/twilio/{org}/sms``), never the concrete path or query.
    route = "/v1" + str(getattr(request.scope.get("route"), "path", "(no route)"))
    request.app.state.logger.warning("channel webhook refused", route=route, reason=detail)
    return problem(403, "forbidden", "Forbidden", detail)


def _public_url(request: Request) -> str:
    """The URL the provider called, as it saw it (``public_base_url`` behind a proxy)."""
    base = str(request.app.state.settings.public_base_url).rstrip("/")
    if not base:
        return str(request.url)
    query = request.url.query
    return base + request.url.path + (f"?{query}" if query else "")


def _public_base(request: Request) -> str:
    base = str(request.app.state.settings.public_base_url).rstrip("/")
    return base or str(request.base_url).rstrip("/")


async def _twilio_form(request: Request, org: str) -> dict[str, str] | JSONResponse:
    """The verified form of a Twilio webhook to ``org``, or the 403 refusal."""
    token = request.app.state.settings.twilio_token_for(org)
    if not token:
        return _refuse(request, "Twilio webhooks are not configured on this server")
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return _refuse(request, "the request is larger than 1 MiB")
    form = await request.form()
    params = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    signature = request.headers.get("X-Twilio-Signature")
    if not validate_twilio_request(_public_url(request), params, signature, token):
        return _refuse(request, "the Twilio signature is missing or does not verify")
    return params


def _twiml(xml: str) -> Response:
    return Response(content=xml, media_type=_XML)


def _now(app: AmicableApp) -> Any:
    return app.clock.now()


@router.post("/webhooks/twilio/{org}/sms", tags=["webhooks"], response_model=None)
async def twilio_message(
    org: OrgName, request: Request, app: AmicableApp, _limited: RateLimited
) -> Response:
    """An SMS or WhatsApp message from a debtor (Twilio's "a message comes in" webhook): routed to
    its account (once per ``MessageSid``); answers TwiML with the agent's reply."""
    params = await _twilio_form(request, org)
    if isinstance(params, JSONResponse):
        return params
    event = parse_twilio_message_webhook(params, received_at=_now(app))
    if event.kind is InboundKind.DELIVERY_STATUS:
        raise InvalidInput("a status callback was posted to the inbound message webhook")
    routing = await run_in_threadpool(route_inbound, app.uow(org), event)
    response = MessagingResponse()
    result = routing.result or {}
    reply = result.get("reply")
    if routing.routed and result.get("kind") == "message" and isinstance(reply, str) and reply:
        response.message(reply)
    return _twiml(str(response.to_xml()))


@router.post("/webhooks/twilio/{org}/status", tags=["webhooks"], response_model=None)
async def twilio_message_status(
    org: OrgName,
    request: Request,
    app: AmicableApp,
    _limited: RateLimited,
    ref: str | None = None,
) -> dict[str, Any] | JSONResponse:
    """A message status callback (``MessageStatus``): updates the outbox attempt ``ref``
    (forward only). Answers ``{"event_id", "attempt_id", "applied", "status", …}``."""
    params = await _twilio_form(request, org)
    if isinstance(params, JSONResponse):
        return params
    event = parse_twilio_message_webhook(params, received_at=_now(app))
    if event.kind is not InboundKind.DELIVERY_STATUS:
        raise InvalidInput("an inbound message was posted to the status callback webhook")
    result = await run_in_threadpool(lambda: apply_receipt(app.uow(org), event, ref=ref))
    return result.to_json()


def _voicemail(request: Request) -> LimitedContentVoicemail | None:
    s = request.app.state.settings
    if not (s.voicemail_business_name and s.voicemail_contact_name and s.voicemail_callback_phone):
        return None
    return LimitedContentVoicemail(
        s.voicemail_business_name, s.voicemail_contact_name, s.voicemail_callback_phone
    )


def _turn_url(
    request: Request, org: str, conversation: str, turn: int, ref: str, silent: int
) -> str:
    base = f"{_public_base(request)}/v1/webhooks/twilio/{quote(org, safe='')}/voice/turn"
    url = turn_action_url(with_query(base, ref=ref), conversation, turn)
    return with_query(url, silent=str(silent)) if silent else url


@router.post("/webhooks/twilio/{org}/voice/answer", tags=["webhooks"], response_model=None)
async def twilio_voice_answer(
    org: OrgName,
    request: Request,
    app: AmicableApp,
    _limited: RateLimited,
    ref: str,
    conversation: str | None = None,
) -> Response:
    """TwiML for an answered call (``AnsweredBy`` from machine detection): a person with active
    artificial-voice consent hears the opening words inside ``<Gather input="speech">``; a
    machine on a voicemail attempt gets the limited-content message; anything else a hang-up."""
    params = await _twilio_form(request, org)
    if isinstance(params, JSONResponse):
        return params
    now = _now(app)
    answer = await run_in_threadpool(
        lambda: call_answered(app.uow(org), ref, answered_by=params.get("AnsweredBy"), now=now)
    )
    lang = _VOICE_LANG.get(answer.lang, "en-US")
    if answer.action == "converse" and answer.text:
        action = _turn_url(request, org, conversation or ref, 1, ref, 0)
        return _twiml(gather_turn_twiml(answer.text, action_url=action, language=lang))
    voicemail = _voicemail(request) if answer.action == "voicemail" else None
    if voicemail is not None:
        return _twiml(closing_twiml(voicemail.script(), language=lang))
    return _twiml(closing_twiml(""))


@router.post("/webhooks/twilio/{org}/voice/turn", tags=["webhooks"], response_model=None)
async def twilio_voice_turn(
    org: OrgName,
    request: Request,
    app: AmicableApp,
    _limited: RateLimited,
    ref: str,
    turn: int,
    conversation: str | None = None,
    silent: int = 0,
) -> Response:
    """One speech turn (``SpeechResult``) of the call's conversation: TwiML with the agent's
    reply and the next ``<Gather>``, or a goodbye and hang-up when the conversation ended."""
    params = await _twilio_form(request, org)
    if isinstance(params, JSONResponse):
        return params
    conv = conversation or ref
    event = parse_twilio_speech_turn(params, conversation_id=conv, turn=turn, received_at=_now(app))
    result = await run_in_threadpool(lambda: call_turn(app.uow(org), ref, event))
    lang = _VOICE_LANG.get(result.lang, "en-US")
    if result.ended:
        return _twiml(closing_twiml(result.reply or "Thank you. Goodbye.", language=lang))
    if result.reply is None:
        if silent + 1 >= MAX_SILENCES:
            return _twiml(closing_twiml("We could not hear you. Goodbye.", language=lang))
        action = _turn_url(request, org, conv, turn, ref, silent + 1)
        return _twiml(gather_turn_twiml("Sorry, could you say that again?", action_url=action,
                                        language=lang))  # fmt: skip
    if turn >= MAX_TURNS:
        return _twiml(closing_twiml(f"{result.reply} We will follow up in writing. Goodbye.",
                                    language=lang))  # fmt: skip
    action = _turn_url(request, org, conv, turn + 1, ref, 0)
    return _twiml(gather_turn_twiml(result.reply, action_url=action, language=lang))


@router.post("/webhooks/twilio/{org}/voice/status", tags=["webhooks"], response_model=None)
async def twilio_voice_status(
    org: OrgName,
    request: Request,
    app: AmicableApp,
    _limited: RateLimited,
    ref: str | None = None,
    purpose: str = "call",
) -> dict[str, Any] | JSONResponse:
    """A call status callback: the call's progress and final outcome on the outbox attempt
    ``ref`` (forward only; the outcome counts for the call-frequency rules)."""
    params = await _twilio_form(request, org)
    if isinstance(params, JSONResponse):
        return params
    if purpose not in (Channel.CALL.value, Channel.VOICEMAIL.value):
        raise InvalidInput(f"purpose must be call or voicemail, got {purpose!r}")
    event = parse_twilio_call_status(params, received_at=_now(app), purpose=Channel(purpose))
    result = await run_in_threadpool(lambda: apply_receipt(app.uow(org), event, ref=ref))
    return result.to_json()


@router.post("/webhooks/email/{org}", tags=["webhooks"], response_model=None)
async def inbound_email(
    org: OrgName,
    request: Request,
    app: AmicableApp,
    _limited: RateLimited,
    signature: Annotated[str | None, Header(alias="Amicable-Signature")] = None,
) -> dict[str, Any] | JSONResponse:
    """An inbound email (JSON: ``from``, ``to``, ``subject``, ``text`` / ``html``, ``headers``,
    ``message_id``, ``in_reply_to``) signed with ``Amicable-Signature``: a reply routed to its
    account (once per Message-ID), or a bounce applied to the attempt it is about."""
    secret = request.app.state.settings.inbound_email_secret
    if not secret:
        return _refuse(request, "inbound email webhooks are not configured on this server")
    body = await request.body()
    if len(body) > MAX_BODY:
        return _refuse(request, "the request is larger than 1 MiB")
    now = _now(app)
    if not verify_signed_body(secret, body, signature, now=now):
        return _refuse(request, "the Amicable-Signature is missing, stale or does not verify")
    try:
        payload = json.loads(body)
    except ValueError:
        raise InvalidInput("the inbound email is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidInput("the inbound email must be a JSON object")
    event = parse_inbound_email_webhook(payload, received_at=now)
    return await run_in_threadpool(receive_channel_event, app.uow(org), event)
