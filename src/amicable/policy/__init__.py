"""Pure policy engine: the finance-owned policy table, offer spaces, the offer gate, offer
optimisation, installment schedules, fees and interest. No I/O, no wall clock.

The public surface is re-exported here (pinned by a test); ``docs/policy.md`` documents it.
"""

from amicable.policy.evaluate import Limit, OfferSpace, Reason, evaluate
from amicable.policy.facts import AccountFacts
from amicable.policy.gate import GateDecision, Outcome, Violation, check
from amicable.policy.load import Problem, load_default_policy, load_policy, validate_text
from amicable.policy.model import Action, Frequency, Policy
from amicable.policy.offer import Offer, OfferKind, Payment
from amicable.policy.optimise import HeuristicRisk, Optimisation, RiskPort, optimise
from amicable.policy.report import check_report, diff_policies, offers_report, parse_offer

__all__ = [
    "AccountFacts",
    "Action",
    "Frequency",
    "GateDecision",
    "HeuristicRisk",
    "Limit",
    "Offer",
    "OfferKind",
    "OfferSpace",
    "Optimisation",
    "Outcome",
    "Payment",
    "Policy",
    "Problem",
    "Reason",
    "RiskPort",
    "Violation",
    "check",
    "check_report",
    "diff_policies",
    "evaluate",
    "load_default_policy",
    "load_policy",
    "offers_report",
    "optimise",
    "parse_offer",
    "validate_text",
]
