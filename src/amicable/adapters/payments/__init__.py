"""Payment provider adapters (Stripe); the embedded manual provider lives in the service port."""
