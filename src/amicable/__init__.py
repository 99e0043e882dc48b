"""amicable — an open-source, self-hosted collections agent for accounts receivable.

Layers, inner to outer (import-linter enforces the direction, see pyproject.toml):

    domain/       pure model: Money, ledger entries, accounts, errors, clock port
    policy/       pure: the finance-owned policy table, offer spaces, the gate, schedules
    compliance/   pure: contact-rule engine and rule packs with citations
    negotiation/  understanding, dialogue, replies, guardrails
    strategy/     risk, segmentation, next best action
    service/      use cases, unit of work, ports
    adapters/     SQLAlchemy persistence, importers, channels, payments
    entrypoints/  CLI, HTTP API, workers
    sim/          debtor-population simulator (public entry points only)
"""

__version__ = "0.1.0"
