"""The authorisation matrix: which role may perform which action, as data.

Invariants: the matrix is the only place that grants anything; an action missing from it is
refused for every role (fail closed — :func:`allowed` raises for an unknown action so a new route
cannot ship without an entry); ``admin`` is listed explicitly like every other role, so reading a
row tells the whole truth.
"""

from __future__ import annotations

from collections.abc import Mapping

from amicable.domain.errors import InvalidInput, InvariantViolation

__all__ = ["ACTIONS", "ROLES", "allowed", "check_role"]

ADMIN = "admin"
POLICY_OWNER = "policy_owner"
COLLECTOR = "collector"
AUDITOR = "compliance_auditor"
VIEWER = "viewer"

ROLES: tuple[str, ...] = (ADMIN, POLICY_OWNER, COLLECTOR, AUDITOR, VIEWER)

_EVERYONE = frozenset(ROLES)

ACTIONS: Mapping[str, frozenset[str]] = {
    # the organisation the caller acts in
    "org.read": _EVERYONE,
    # people and machines
    "users.read": frozenset({ADMIN}),
    "users.create": frozenset({ADMIN}),
    "tokens.read": frozenset({ADMIN}),
    "tokens.create": frozenset({ADMIN}),
    "tokens.revoke": frozenset({ADMIN}),
    # the ledger
    "ledger.import": frozenset({ADMIN, COLLECTOR}),
    "ledger.read": _EVERYONE,
    "notes.create": frozenset({ADMIN, COLLECTOR}),
    # the policy table
    "policy.read": _EVERYONE,
    "policy.validate": frozenset({ADMIN, POLICY_OWNER}),
    "policy.apply": frozenset({ADMIN, POLICY_OWNER}),
    # compliance dry run
    "compliance.check": frozenset({ADMIN, POLICY_OWNER, COLLECTOR, AUDITOR}),
    # the audit trail
    "audit.verify": frozenset({ADMIN, AUDITOR}),
    "audit.export": frozenset({ADMIN, AUDITOR}),
    # write-back
    "events.read": frozenset({ADMIN, AUDITOR}),
    "webhooks.read": frozenset({ADMIN}),
    "webhooks.manage": frozenset({ADMIN}),
    "webhooks.deliver": frozenset({ADMIN}),
    # offers under the policy in force (checking one is a dry run: nothing is stored)
    "offers.read": _EVERYONE,
    "offers.check": frozenset({ADMIN, POLICY_OWNER, COLLECTOR, AUDITOR}),
    # payments and servicing: collectors record what was received; policy owners set the rules
    # but do not post money; auditors and viewers read
    "payments.record": frozenset({ADMIN, COLLECTOR}),
    "payments.refund": frozenset({ADMIN, COLLECTOR}),
    "payments.reconcile": frozenset({ADMIN, COLLECTOR}),
    "payments.assign": frozenset({ADMIN, COLLECTOR}),
    "payments.read": _EVERYONE,
    "plans.read": _EVERYONE,
    "plans.renegotiate": frozenset({ADMIN, COLLECTOR}),
    "plans.cancel": frozenset({ADMIN, COLLECTOR}),
    "promises.read": _EVERYONE,
    "promises.record": frozenset({ADMIN, COLLECTOR}),
    # conversations on the chat channel
    "conversations.talk": frozenset({ADMIN, COLLECTOR}),
    "conversations.read": _EVERYONE,
    # the human queue: every role reads it; those who work accounts decide
    "queue.read": _EVERYONE,
    "queue.decide": frozenset({ADMIN, COLLECTOR}),
    # the risk model's backtest (trains a model in memory: not for every reader)
    "risk.backtest": frozenset({ADMIN, POLICY_OWNER, AUDITOR}),
}


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`; otherwise :class:`InvalidInput` naming them."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; roles are: {', '.join(ROLES)}")
    return role


def allowed(role: str, action: str) -> bool:
    """Whether ``role`` may perform ``action`` (an unknown action is a bug, never a yes)."""
    roles = ACTIONS.get(action)
    if roles is None:
        raise InvariantViolation(f"action {action!r} is not in the authorisation matrix")
    return role in roles
