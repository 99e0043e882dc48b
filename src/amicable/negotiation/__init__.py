"""Negotiation: understanding debtor messages (NLU), the governed dialogue, replies and guardrails."""
