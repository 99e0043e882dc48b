"""The build step of the embedded intent model: ``python -m amicable.negotiation.nlu.train``.

Trains on the shipped corpus (scikit-learn, deterministic) and rewrites
``data/intent_model.json``; run it after any change to ``corpus_*.jsonl``.
"""

from __future__ import annotations

import sys

from amicable.negotiation.nlu.model import build

if __name__ == "__main__":  # pragma: no cover - a build command
    sys.stdout.write(f"wrote {build()}\n")
