"""Fixtures of the channel tests: ``world`` (the API with channel webhooks configured, two
debtors, a fake Twilio server) lives in ``channel_webhook_world.py``."""

from channel_webhook_world import world

__all__ = ["world"]
