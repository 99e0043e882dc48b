"""Channel adapters: real providers behind the :mod:`amicable.service.channels` port.

* :mod:`.email` — SMTP sending, IMAP polling, inbound-email webhook parsing.
* :mod:`.twilio_sms` — SMS and WhatsApp through the Twilio REST API, inbound webhooks, keywords.
* :mod:`.twilio_voice` — outbound calls, TwiML for the speech loop and voicemail, call results.
* :mod:`.outbox` — the embedded default sender that records instead of sending.

Nothing here connects at import time; every adapter is built from explicit settings.
"""
