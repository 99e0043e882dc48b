"""Latency of the embedded NLU: model load time and one parse (p50, p99) over the held-out split.

Targets (issue 5 / the NLU brief): load < 2 s, p50 <= 2 ms, p99 <= 10 ms on one core. The
baseline is the cost of normalising the same messages (the floor of any parse).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(scale: float) -> dict[str, Any]:
    started = time.perf_counter()
    from amicable.negotiation.nlu import EmbeddedUnderstanding
    from amicable.negotiation.nlu.corpus import load_split
    from amicable.negotiation.nlu.lang import normalize

    nlu = EmbeddedUnderstanding()
    nlu.warm_up()
    load_seconds = time.perf_counter() - started
    messages = [ex.text for lang in ("en", "fr", "es") for ex in load_split("test", lang)]
    rounds = max(1, int(10 * scale))
    today = date(2025, 3, 12)
    samples: list[float] = []
    for _ in range(rounds):
        for text in messages:
            t0 = time.perf_counter()
            nlu.parse(text, lang=None, today=today)
            samples.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    for text in messages:
        normalize(text)
    baseline = time.perf_counter() - t0
    p50, p99 = _percentile(samples, 0.50), _percentile(samples, 0.99)
    return {
        "figure": round(p50, 3),
        "unit": "ms p50 per parse",
        "target": "load < 2 s, p50 <= 2 ms, p99 <= 10 ms",
        "met": load_seconds < 2.0 and p50 <= 2.0 and p99 <= 10.0,
        "baseline_seconds": round(baseline, 6),
        "baseline": f"normalising the {len(messages)} messages once",
        "ratio_to_baseline": round(sum(samples) / 1000 / rounds / baseline, 1)
        if baseline
        else None,
        "p99_ms": round(p99, 3),
        "load_seconds": round(load_seconds, 3),
        "parses": len(samples),
    }
