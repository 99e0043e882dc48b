"""Adapters: persistence (SQLAlchemy), importers, channels, payment providers, LLM clients."""
