"""Pure compliance engine: contact rules as plugins, rule packs as data per jurisdiction and
collector type, the content checker, and the single `decide` entry point. Fails closed.

Public surface: :func:`decide` (and :func:`evaluate`), the context model, :func:`check_content`,
pack selection and lookup, and :func:`parse_scenario` for the dry-run format.
"""

from amicable.compliance.content import ContentFacts, check_content
from amicable.compliance.engine import decide, evaluate
from amicable.compliance.model import (
    Address,
    CallConsent,
    ChannelConsent,
    ComplianceContext,
    ComplianceDecision,
    Debt,
    Debtor,
    HistoryEvent,
    InconvenientTime,
    ProposedContact,
    Violation,
)
from amicable.compliance.packs import Pack, all_packs, find_rule, load_pack, select_packs
from amicable.compliance.scenario import parse_scenario

__all__ = [
    "Address",
    "CallConsent",
    "ChannelConsent",
    "ComplianceContext",
    "ComplianceDecision",
    "ContentFacts",
    "Debt",
    "Debtor",
    "HistoryEvent",
    "InconvenientTime",
    "Pack",
    "ProposedContact",
    "Violation",
    "all_packs",
    "check_content",
    "decide",
    "evaluate",
    "find_rule",
    "load_pack",
    "parse_scenario",
    "select_packs",
]
