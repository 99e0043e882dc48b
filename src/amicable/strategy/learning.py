"""Learning which action works for which segment: Thompson sampling, Beta-Bernoulli, bounded.

Each (segment, action) arm has a Beta(1 + successes, 1 + failures) posterior on its success rate
(a success is whatever the caller counts — typically "paid or promised within 14 days of the
touch"). :func:`choose` draws one sample per candidate and picks the largest — but exploration
is bounded and explained:

* the **greedy** arm is the one with the highest posterior mean;
* a Thompson pick that differs from the greedy arm is **exploration**; it is kept only when a
  seeded uniform draw ``u`` falls below ``bounds.max_share`` (the ceiling on the share of
  decisions that explore), otherwise the greedy arm is taken;
* with probability ``bounds.min_share`` (the floor) a uniformly chosen non-greedy arm is tried
  even when Thompson agrees with the greedy arm, so no arm is ever starved.

So the long-run exploration share lies in ``[min_share, max_share]`` (up to sampling noise) and
every :class:`Choice` carries the posterior means and samples that explain it.

Invariants: pure and deterministic — randomness comes from ``random.Random`` seeded with the
string ``f"{seed}:{segment}:{key}"`` (string seeds hash through SHA-512, identical across
processes); :class:`LearningState` is immutable, :func:`record` returns a new state, and the
state round-trips through :meth:`LearningState.to_json` / :meth:`LearningState.from_json`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from amicable.domain.errors import InvalidInput

__all__ = ["ArmStats", "Choice", "ExplorationBounds", "LearningState", "choose", "record"]


@dataclass(frozen=True, slots=True)
class ArmStats:
    """Outcomes of one (segment, action) arm: whole counts ``>= 0``."""

    successes: int = 0
    failures: int = 0

    def __post_init__(self) -> None:
        for value in (self.successes, self.failures):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInput(f"arm counts must be whole numbers >= 0, got {value!r}")

    @property
    def mean(self) -> float:
        """Posterior mean of Beta(1 + s, 1 + f)."""
        return (1 + self.successes) / (2 + self.successes + self.failures)

    @property
    def trials(self) -> int:
        return self.successes + self.failures


@dataclass(frozen=True, slots=True)
class ExplorationBounds:
    """Share of decisions that may explore: at least ``min_share``, at most ``max_share``."""

    min_share: float = 0.02
    max_share: float = 0.20

    def __post_init__(self) -> None:
        if not 0 <= self.min_share <= self.max_share <= 1:
            raise InvalidInput(
                f"exploration bounds need 0 <= min_share <= max_share <= 1, got "
                f"{self.min_share}, {self.max_share}"
            )


@dataclass(frozen=True, slots=True)
class LearningState:
    """Posterior counts per ``(segment, action)``; absent arms are Beta(1, 1)."""

    arms: Mapping[tuple[str, str], ArmStats] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "arms", MappingProxyType(dict(self.arms)))

    def stats(self, segment: str, action: str) -> ArmStats:
        return self.arms.get((segment, action), ArmStats())

    def to_json(self) -> dict[str, Any]:
        """``{"arms": [{"segment", "action", "successes", "failures"}…]}`` in a stable order."""
        return {
            "arms": [
                {"segment": s, "action": a, "successes": v.successes, "failures": v.failures}
                for (s, a), v in sorted(self.arms.items())
            ]
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LearningState:
        try:
            arms = {
                (str(r["segment"]), str(r["action"])): ArmStats(r["successes"], r["failures"])
                for r in data["arms"]
            }
        except (KeyError, TypeError) as exc:
            raise InvalidInput(f"learning state is malformed: missing {exc}") from exc
        return cls(arms)


def record(state: LearningState, segment: str, action: str, success: bool) -> LearningState:
    """The state after one more outcome of ``action`` in ``segment``."""
    old = state.stats(segment, action)
    new = ArmStats(old.successes + bool(success), old.failures + (not success))
    return LearningState({**state.arms, (segment, action): new})


@dataclass(frozen=True, slots=True)
class Choice:
    """The chosen action and why.

    Attributes:
        action: the action taken.
        greedy: the action with the highest posterior mean.
        explored: ``action != greedy``.
        reason: ``"greedy"``, ``"thompson"`` (Thompson agreed with greedy), ``"explore"``
            (Thompson's different pick kept under the ceiling), ``"explore_floor"``,
            ``"exploration_capped"`` (Thompson wanted to explore, the ceiling said no).
        means: posterior mean per candidate (the explanation).
        samples: the Thompson draw per candidate.
    """

    action: str
    greedy: str
    explored: bool
    reason: str
    means: Mapping[str, float]
    samples: Mapping[str, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "greedy": self.greedy,
            "explored": self.explored,
            "reason": self.reason,
            "means": {k: round(v, 4) for k, v in self.means.items()},
        }


def choose(
    state: LearningState,
    segment: str,
    candidates: Sequence[str],
    *,
    seed: int,
    key: str,
    bounds: ExplorationBounds | None = None,
    weights: Mapping[str, float] | None = None,
    costs: Mapping[str, float] | None = None,
) -> Choice:
    """Pick one of ``candidates`` for ``segment`` (``key`` identifies the decision, e.g. the
    account and day, so the same decision always draws the same numbers).

    ``weights`` (default 1) scale each arm's mean and sample — the caller's expected value per
    success and engagement signals — and ``costs`` (default 0) are subtracted from both, so
    learning ranks *expected value* (``rate × weight − cost``), not only success rates.
    """
    if not candidates:
        raise InvalidInput("choose needs at least one candidate action")
    bounds = bounds or ExplorationBounds()
    order = list(dict.fromkeys(candidates))
    rng = random.Random(f"{seed}:{segment}:{key}")
    w = {a: (weights or {}).get(a, 1.0) for a in order}
    c = {a: (costs or {}).get(a, 0.0) for a in order}
    means = {a: state.stats(segment, a).mean * w[a] - c[a] for a in order}
    samples = {}
    for a in order:
        s = state.stats(segment, a)
        samples[a] = rng.betavariate(1 + s.successes, 1 + s.failures) * w[a] - c[a]
    greedy = max(order, key=lambda a: (means[a], -order.index(a)))
    thompson = max(order, key=lambda a: (samples[a], -order.index(a)))
    u = rng.random()
    others = [a for a in order if a != greedy]
    if thompson != greedy:
        if u < bounds.max_share:
            return Choice(thompson, greedy, True, "explore", means, samples)
        return Choice(greedy, greedy, False, "exploration_capped", means, samples)
    if others and u < bounds.min_share:
        pick = others[rng.randrange(len(others))]
        return Choice(pick, greedy, True, "explore_floor", means, samples)
    return Choice(greedy, greedy, False, "thompson", means, samples)
