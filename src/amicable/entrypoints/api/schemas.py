"""Wire schemas (Pydantic v2), one family per resource: ``…Create`` in, ``…Public`` out, and
``Page[…]`` (``{"data": [...], "count": n}``) for lists.

Invariants: inbound models forbid unknown fields; money is a string on the wire both ways
(:data:`MoneyStr` refuses a JSON number, which could not be exact); instants are aware UTC;
secrets appear only in the ``…Created`` responses, once.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "AssignCreate",
    "AttemptPublic",
    "AuditProblemPublic",
    "AuditVerificationPublic",
    "ComplianceDecisionPublic",
    "ConversationStart",
    "DeliveryPublic",
    "DeliveryReportPublic",
    "EventPublic",
    "ImportResultPublic",
    "MessageCreate",
    "MoneyStr",
    "NoteCreate",
    "NoteCreated",
    "OrgPublic",
    "Page",
    "PaymentCreate",
    "PlanCancellation",
    "PlanRenegotiation",
    "PolicyProblem",
    "PolicyText",
    "PolicyValidation",
    "PolicyVersionCreate",
    "PolicyVersionPublic",
    "PolicyVersionSummary",
    "PromiseCreate",
    "PromisedPayment",
    "RefundCreate",
    "Role",
    "TokenCreate",
    "TokenCreated",
    "TokenPublic",
    "UserCreate",
    "UserPublic",
    "WebhookCreate",
    "WebhookCreated",
    "WebhookPublic",
]

Role = Literal["admin", "policy_owner", "collector", "compliance_auditor", "viewer"]
EventKind = Literal[
    "offer.made",
    "plan.accepted",
    "plan.cancelled",
    "promise.made",
    "promise.kept",
    "promise.broken",
    "payment.posted",
    "payment.reversed",
    "dispute.opened",
    "escalation.opened",
    "escalation.decided",
    "note.added",
]


_PLAIN_DECIMAL = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,18})?")


def _money_string(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError('money must be a string such as "60.00", never a JSON number')
    # Plain decimal notation only: no exponent, no spaces, NaN or Infinity, and at most 15
    # integer digits (minor units are stored as BIGINT; no real amount needs more).
    if _PLAIN_DECIMAL.fullmatch(value) is None:
        raise ValueError(
            f'{value[:40]!r} is not an amount: write it as a plain decimal such as "60.00"'
        )
    return value


MoneyStr = Annotated[str, BeforeValidator(_money_string)]
"""An amount on the wire: a decimal string; JSON numbers are refused."""


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class _In(BaseModel):
    """Inbound: unknown fields refused; NUL characters refused (PostgreSQL cannot store them, and
    SQLite must not accept what PostgreSQL refuses)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: object) -> object:
        if _has_nul(data):
            raise ValueError("NUL characters are not allowed")
        return data


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A list with its length."""

    data: list[T]
    count: int


class OrgPublic(BaseModel):
    id: int
    name: str


class UserCreate(_In):
    email: str = Field(max_length=320)
    role: Role
    password: str | None = Field(default=None, min_length=12, max_length=1024)


class UserPublic(BaseModel):
    id: int
    email: str
    role: Role
    has_password: bool
    created_at: datetime
    disabled_at: datetime | None


class TokenCreate(_In):
    role: Role
    label: str = Field(default="", max_length=200)


class TokenPublic(BaseModel):
    id: int
    role: Role
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    token: str = Field(description="The secret. Shown once; only its SHA-256 is stored.")


class ImportResultPublic(BaseModel):
    written: bool
    dry_run: bool
    imported: int
    updated: int
    unchanged: int
    errors: list[dict[str, Any]]


class NoteCreate(_In):
    body: str = Field(min_length=1, max_length=10_000)


class NoteCreated(BaseModel):
    event_id: str


class PolicyText(_In):
    yaml: str = Field(max_length=1_000_000)


class PolicyVersionCreate(PolicyText):
    """A policy to apply; its label is the file's own ``version:``."""


class PolicyProblem(BaseModel):
    path: str
    message: str


class PolicyValidation(BaseModel):
    valid: bool
    problems: list[PolicyProblem]


class PolicyVersionSummary(BaseModel):
    version: int
    label: str
    checksum: str
    created_at: datetime


class PolicyVersionPublic(PolicyVersionSummary):
    yaml: str


class ComplianceViolationPublic(BaseModel):
    rule: str
    message: str
    citation: str


class ComplianceDecisionPublic(BaseModel):
    allowed: bool
    violations: list[ComplianceViolationPublic]
    earliest_allowed_at: str | None
    packs: list[str]


class AuditProblemPublic(BaseModel):
    code: str
    seq: int
    record_id: int | None
    message: str


class AuditHead(BaseModel):
    seq: int
    hash: str


class AuditVerificationPublic(BaseModel):
    ok: bool
    records: int
    head: AuditHead
    problems: list[AuditProblemPublic]


class EventPublic(BaseModel):
    event_id: str
    kind: str
    created_at: datetime
    data: dict[str, Any]


class WebhookCreate(_In):
    url: str = Field(max_length=2000)
    kinds: list[EventKind] = Field(default_factory=list)
    secret: str | None = Field(default=None, min_length=24, max_length=200)


class WebhookPublic(BaseModel):
    id: int
    url: str
    kinds: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="The signing secret. Shown once.")


class AttemptPublic(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None


class DeliveryPublic(BaseModel):
    id: int
    subscription_id: int
    event_id: str
    kind: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    log: list[AttemptPublic]


class DeliveryReportPublic(BaseModel):
    enqueued: int
    attempted: int
    delivered: int
    retrying: int
    failed: int


# -- payments, conversations (issue 8: routes over the payments and negotiation use cases) ------

PaymentRef = Annotated[str, Field(min_length=1, max_length=200)]


class PaymentCreate(_In):
    """A payment received: ``reference`` is the idempotency key (the same payment recorded again
    posts nothing; the same reference with other details is a 409)."""

    reference: PaymentRef
    amount: MoneyStr
    currency: str = Field(min_length=3, max_length=3)
    received_on: date | None = Field(default=None, description="default: today (UTC)")
    invoice: str | None = Field(default=None, min_length=1, max_length=200)
    plan: str | None = Field(default=None, min_length=1, max_length=60)


class PromisedPayment(_In):
    """One promised payment: the day it is promised for and its amount."""

    due_date: date
    amount: MoneyStr


class PromiseCreate(_In):
    """A promise to pay a person took: every promised payment (dates increasing, none before
    ``made_on``), in ``currency``; ``channel`` where it was made (``call``, ``letter``, …)."""

    payments: list[PromisedPayment] = Field(min_length=1, max_length=60)
    currency: str = Field(min_length=3, max_length=3)
    channel: str = Field(default="call", min_length=1, max_length=40)
    made_on: date | None = Field(default=None, description="default: today (UTC)")


class PlanRenegotiation(_In):
    """A new schedule for what a plan still owes, agreed with the debtor by a person: every new
    installment (in the plan's currency), adding up to what it still owes."""

    payments: list[PromisedPayment] = Field(min_length=1, max_length=60)
    on: date | None = Field(default=None, description="the day it is agreed; default: today")


class PlanCancellation(_In):
    """A person ends an active plan: why (recorded in the audit trail and the plan's event)."""

    reason: str = Field(min_length=1, max_length=500)
    on: date | None = Field(default=None, description="the day it is cancelled; default: today")


class RefundCreate(_In):
    """A refund (or chargeback) of a recorded payment; ``amount`` defaults to all that is left
    (in the payment's currency); ``key`` (a refund or dispute id) makes it idempotent."""

    amount: MoneyStr | None = None
    on: date | None = Field(default=None, description="default: today (UTC)")
    chargeback: bool = False
    key: str | None = Field(default=None, min_length=1, max_length=200)


class AssignCreate(_In):
    """The open item a queued bank credit pays: ``invoice:<number>`` or
    ``installment:<plan key>#<n>``."""

    candidate: str = Field(min_length=3, max_length=260)


class ConversationStart(_In):
    channel: Literal["chat"] = "chat"
    lang: Literal["en", "fr", "es"] | None = None
    inbound: bool = Field(default=False, description="the debtor speaks first (silent opening)")


class MessageCreate(_In):
    text: str = Field(min_length=1, max_length=4000)
