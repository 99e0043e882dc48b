"""Strategy segments: the coarse groups the planner learns over (``business:low:early``).

A segment is ``f"{customer_type}:{risk}:{stage}"``:

* ``risk`` from the probability of payment within 30 days past due (the risk model):
  ``low`` (p >= 0.7), ``medium`` (0.4 <= p < 0.7), ``high`` (p < 0.4), ``unscored`` (None);
* ``stage`` from days past due: ``upcoming`` (<= 0), ``early`` (1–30), ``mid`` (31–90),
  ``late`` (91–180), ``recovery`` (> 180).

Invariants: pure, total (every input maps to exactly one segment), and the bands are contiguous
and ordered; a segment string always has three ``:``-separated parts from the tables below.
Segments are deliberately few — Thompson sampling needs enough outcomes per arm to learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from amicable.domain.errors import InvalidInput

__all__ = ["RISK_BANDS", "STAGES", "SegmentKey", "risk_band", "segment_of", "stage_of"]

RISK_BANDS: Final = ("low", "medium", "high", "unscored")
#: (name, last day past due included); the last stage is open-ended.
STAGES: Final = (("upcoming", 0), ("early", 30), ("mid", 90), ("late", 180), ("recovery", None))


def risk_band(probability: float | None) -> str:
    """``low``/``medium``/``high`` risk from P(paid within 30 days past due)."""
    if probability is None:
        return "unscored"
    if not 0 <= probability <= 1:
        raise InvalidInput(f"probability must be in [0, 1], got {probability!r}")
    if probability >= 0.7:
        return "low"
    return "medium" if probability >= 0.4 else "high"


def stage_of(days_past_due: int) -> str:
    """The collection stage of an account ``days_past_due`` days past due."""
    for name, last in STAGES:
        if last is None or days_past_due <= last:
            return name
    raise AssertionError("unreachable: the last stage is open-ended")


@dataclass(frozen=True, slots=True)
class SegmentKey:
    """The parts of a segment."""

    customer_type: str
    risk: str
    stage: str

    def __str__(self) -> str:
        return f"{self.customer_type}:{self.risk}:{self.stage}"


def segment_of(customer_type: str, probability: float | None, days_past_due: int) -> SegmentKey:
    """The segment of an account."""
    if customer_type not in ("business", "consumer"):
        raise InvalidInput(f"customer type must be business or consumer, got {customer_type!r}")
    return SegmentKey(customer_type, risk_band(probability), stage_of(days_past_due))
