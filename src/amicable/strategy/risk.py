"""The risk model: P(an invoice is paid within 30 days past due) and the expected days to pay.

Features (:data:`FEATURES`) describe one open invoice at an observation date ``at`` using only
what was known on ``at`` (payments received on or before ``at``; customer history settled or
overdue by ``at``) — no look-ahead, a test checks it by truncating the future away. The label of
a snapshot is whether the invoice was fully paid by ``due_date + 30``; a snapshot is a training
example only once that label is known (``due_date + 30 <= cutoff``).

The model is scikit-learn's ``HistGradientBoostingClassifier`` (native missing values, so a
customer without history simply has ``NaN`` history features) wrapped in
``CalibratedClassifierCV`` (isotonic, 3 folds) so that the probabilities are calibrated, plus a
``HistGradientBoostingRegressor`` for the days from the observation date to full payment
(unpaid invoices count as paid on the history's as-of date: a censored, hence optimistic,
estimate — documented in ``docs/strategy.md``). Everything is seeded (``random_state=0``) and the
fitted object round-trips through :meth:`RiskModel.to_bytes` / :meth:`RiskModel.from_bytes`.

Cold start (:func:`heuristic_probability`) — used when fewer than :data:`MIN_TRAINING_ROWS`
labelled snapshots or a single outcome exist::

    p = clamp(0.90 − 0.006 × max(0, dpd), 0.05, 0.99)
    p = p × (0.4 + 0.6 × on_time_share)       when the customer has paid invoices before
    p = p × 0.85 ^ overdue_over_30            other invoices more than 30 days overdue
    p = clamp(p, 0.02, 0.99)

The baseline of the backtest is the days-past-due heuristic alone (score ``−dpd``).
"""

from __future__ import annotations

import math
import pickle
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final

import numpy as np

from amicable.domain.errors import InvalidInput
from amicable.policy.facts import AccountFacts
from amicable.strategy.history import CustomerProfile, InvoiceHistory, LedgerHistory

__all__ = [
    "CATEGORICAL",
    "FEATURES",
    "GRACE_DAYS",
    "MIN_TRAINING_ROWS",
    "CustomerStats",
    "ModelRiskEstimator",
    "Prediction",
    "RiskModel",
    "Snapshot",
    "backtest",
    "customer_stats",
    "features_at",
    "heuristic_probability",
    "snapshots",
    "train",
]

#: The label: fully paid within this many days past the due date.
GRACE_DAYS: Final = 30
#: Below this many labelled snapshots the model falls back to the cold-start heuristic.
MIN_TRAINING_ROWS: Final = 200
#: Observation points of an invoice, in days relative to the due date (plus the issue date).
CHECKPOINTS: Final = (0, 10, 20)
_CAL_BINS: Final = 10

FEATURES: Final = (
    "days_past_due",
    "log_amount",
    "open_share",
    "invoice_age",
    "terms",
    "hist_paid_count",
    "hist_late_mean",
    "hist_late_median",
    "hist_late_p90",
    "hist_on_time_share",
    "hist_within_grace_share",
    "hist_partial_count",
    "overdue_count",
    "overdue_over_30",
    "max_other_dpd",
    "log_balance",
    "customer_type",
    "tier",
    "country",
)
CATEGORICAL: Final = ("customer_type", "tier", "country")


@dataclass(frozen=True, slots=True)
class CustomerStats:
    """What a customer's history says on a date (every figure from events on or before it).

    Attributes:
        paid_count: invoices fully paid by the date.
        late_mean, late_median, late_p90: days from due date to full payment over those
            (negative = early); ``None`` without history.
        on_time_share: share of them paid on or before the due date; ``None`` without history.
        within_grace_share: of invoices whose 30-day grace ended by the date, the share fully paid
            within it; ``None`` when none has.
        partial_count: invoices that received a payment that did not settle them.
        overdue_count: other invoices open and past due on the date.
        overdue_over_30: other invoices open more than 30 days past due.
        max_other_dpd: the largest days past due among those (0 when none).
        balance_minor: open minor units over the customer's invoices on the date.
    """

    paid_count: int
    late_mean: float | None
    late_median: float | None
    late_p90: float | None
    on_time_share: float | None
    within_grace_share: float | None
    partial_count: int
    overdue_count: int
    overdue_over_30: int
    max_other_dpd: int
    balance_minor: int


def _p90(values: Sequence[int]) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)])


def customer_stats(
    invoices: Iterable[InvoiceHistory], at: date, *, exclude: str | None = None
) -> CustomerStats:
    """The customer's history as known on ``at`` (invoice ``exclude`` left out of the "other"
    counts, not of the balance)."""
    lateness: list[int] = []
    grace_known = grace_kept = partial = overdue = over30 = 0
    max_dpd = 0
    balance = 0
    for inv in invoices:
        if inv.issue_date > at:
            continue  # not issued yet on ``at``: the future
        paid = inv.paid_by(at)
        open_minor = max(0, inv.amount_minor - paid)
        balance += open_minor
        settled = inv.settled_on()
        if settled is not None and settled <= at:
            lateness.append((settled - inv.due_date).days)
        elif paid > 0:
            partial += 1
        grace_end = inv.due_date + timedelta(days=GRACE_DAYS)
        if grace_end <= at:
            grace_known += 1
            grace_kept += inv.paid_by(grace_end) >= inv.amount_minor
        if inv.number == exclude or open_minor == 0:
            continue
        dpd = (at - inv.due_date).days
        if dpd > 0:
            overdue += 1
            over30 += dpd > GRACE_DAYS
            max_dpd = max(max_dpd, dpd)
    has = bool(lateness)
    return CustomerStats(
        paid_count=len(lateness),
        late_mean=statistics.fmean(lateness) if has else None,
        late_median=float(statistics.median(lateness)) if has else None,
        late_p90=_p90(lateness) if has else None,
        on_time_share=sum(d <= 0 for d in lateness) / len(lateness) if has else None,
        within_grace_share=grace_kept / grace_known if grace_known else None,
        partial_count=partial,
        overdue_count=overdue,
        overdue_over_30=over30,
        max_other_dpd=max_dpd,
        balance_minor=balance,
    )


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _row(
    customer: CustomerProfile,
    stats: CustomerStats,
    *,
    days_past_due: int,
    amount_minor: int,
    open_minor: int,
    invoice_age: int,
    terms: int,
) -> dict[str, Any]:
    return {
        "days_past_due": days_past_due,
        "log_amount": math.log10(max(amount_minor, 1)),
        "open_share": open_minor / amount_minor if amount_minor else 1.0,
        "invoice_age": invoice_age,
        "terms": terms,
        "hist_paid_count": stats.paid_count,
        "hist_late_mean": _nan(stats.late_mean),
        "hist_late_median": _nan(stats.late_median),
        "hist_late_p90": _nan(stats.late_p90),
        "hist_on_time_share": _nan(stats.on_time_share),
        "hist_within_grace_share": _nan(stats.within_grace_share),
        "hist_partial_count": stats.partial_count,
        "overdue_count": stats.overdue_count,
        "overdue_over_30": stats.overdue_over_30,
        "max_other_dpd": stats.max_other_dpd,
        "log_balance": math.log10(max(stats.balance_minor, 1)),
        "customer_type": customer.customer_type,
        "tier": customer.tier,
        "country": customer.country,
    }


def features_at(
    invoice: InvoiceHistory,
    customer: CustomerProfile,
    siblings: Iterable[InvoiceHistory],
    at: date,
) -> dict[str, Any]:
    """The feature row of ``invoice`` observed on ``at`` (``siblings``: all the customer's
    invoices, this one included). Reads only events dated on or before ``at``."""
    if at < invoice.issue_date:
        raise InvalidInput(f"invoice {invoice.number} is not issued yet on {at}")
    stats = customer_stats(siblings, at, exclude=invoice.number)
    return _row(
        customer,
        stats,
        days_past_due=(at - invoice.due_date).days,
        amount_minor=invoice.amount_minor,
        open_minor=max(0, invoice.amount_minor - invoice.paid_by(at)),
        invoice_age=(at - invoice.issue_date).days,
        terms=(invoice.due_date - invoice.issue_date).days,
    )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One invoice observed on one date, with its outcome when known.

    Attributes:
        invoice: the invoice number.
        at: the observation date.
        features: the feature row (see :data:`FEATURES`).
        label: fully paid by ``due + 30``; ``None`` when the history ends before that.
        days_to_pay: days from ``at`` to full payment (censored at the history's as-of date).
    """

    invoice: str
    at: date
    features: Mapping[str, Any]
    label: bool | None
    days_to_pay: int


def _observation_dates(inv: InvoiceHistory) -> list[date]:
    points = {inv.issue_date}
    points.update(inv.due_date + timedelta(days=d) for d in CHECKPOINTS)
    return sorted(p for p in points if p >= inv.issue_date)


def snapshots(
    history: LedgerHistory,
    *,
    observed_from: date | None = None,
    observed_before: date | None = None,
    issued_from: date | None = None,
) -> list[Snapshot]:
    """Snapshots of every invoice at its issue date and at due + 0/10/20 days, while still open.

    Filters: observation date in ``[observed_from, observed_before)``, invoice issued on or after
    ``issued_from``. Only dates up to the history's as-of date are observed.
    """
    by_customer: dict[str, list[InvoiceHistory]] = defaultdict(list)
    for inv in history.invoices:
        by_customer[inv.customer].append(inv)
    out: list[Snapshot] = []
    for key in sorted(by_customer):
        siblings = by_customer[key]
        customer = history.customer(key)
        for inv in sorted(siblings, key=lambda i: (i.issue_date, i.number)):
            if issued_from is not None and inv.issue_date < issued_from:
                continue
            settled = inv.settled_on()
            grace_end = inv.due_date + timedelta(days=GRACE_DAYS)
            label: bool | None
            if settled is not None and settled <= grace_end:
                label = True
            elif grace_end <= history.as_of:
                label = False
            else:
                label = None
            for at in _observation_dates(inv):
                if at > history.as_of:
                    break
                if observed_from is not None and at < observed_from:
                    continue
                if observed_before is not None and at >= observed_before:
                    break
                if settled is not None and settled <= at:
                    break  # already paid: nothing to predict
                end = settled if settled is not None else history.as_of
                out.append(
                    Snapshot(
                        invoice=inv.number,
                        at=at,
                        features=features_at(inv, customer, siblings, at),
                        label=label,
                        days_to_pay=max(0, (end - at).days),
                    )
                )
    return out


def heuristic_probability(features: Mapping[str, Any]) -> float:
    """The documented cold-start formula (module docstring) on a feature row."""
    p = 0.90 - 0.006 * max(0, int(features["days_past_due"]))
    p = min(0.99, max(0.05, p))
    on_time = features.get("hist_on_time_share")
    if on_time is not None and not math.isnan(on_time):
        p *= 0.4 + 0.6 * float(on_time)
    p *= 0.85 ** int(features.get("overdue_over_30") or 0)
    return min(0.99, max(0.02, p))


def _heuristic_days(features: Mapping[str, Any]) -> float:
    late = features.get("hist_late_median")
    typical = 15.0 if late is None or math.isnan(late) else float(late)
    # Days until the customer's typical lateness after due; at least a week when already past it.
    return max(7.0, typical - float(features["days_past_due"]))


class _Encoder:
    """Features -> a float matrix; categories get stable integer codes (unknown -> NaN)."""

    def __init__(self, vocab: Mapping[str, Sequence[str]]) -> None:
        self.vocab = {k: {v: i for i, v in enumerate(vs)} for k, vs in vocab.items()}

    @classmethod
    def fit(cls, rows: Sequence[Mapping[str, Any]]) -> _Encoder:
        vocab = {
            name: sorted({str(r[name]) for r in rows if r[name] is not None})
            for name in CATEGORICAL
        }
        return cls(vocab)

    def vocabulary(self) -> dict[str, list[str]]:
        return {k: sorted(v, key=v.__getitem__) for k, v in self.vocab.items()}

    def matrix(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray[Any, Any]:
        out = np.empty((len(rows), len(FEATURES)), dtype=np.float64)
        for i, r in enumerate(rows):
            for j, name in enumerate(FEATURES):
                value = r[name]
                if name in self.vocab:
                    code = self.vocab[name].get(str(value)) if value is not None else None
                    out[i, j] = math.nan if code is None else float(code)
                else:
                    out[i, j] = math.nan if value is None else float(value)
        return out


@dataclass(frozen=True, slots=True)
class Prediction:
    """A risk score: P(paid within 30 days past due), expected days to pay, and its source."""

    probability: float
    expected_days: float
    source: str  # "model" or "heuristic"


class RiskModel:
    """A fitted risk model (or the cold-start heuristic when there was too little history).

    Attributes:
        kind: ``"model"`` or ``"heuristic"``.
        trained_rows: labelled snapshots it was fitted on.
        trained_until: the cutoff: nothing after this date was used.
    """

    def __init__(
        self,
        *,
        kind: str,
        trained_rows: int,
        trained_until: date,
        encoder: _Encoder | None = None,
        classifier: Any = None,
        regressor: Any = None,
    ) -> None:
        self.kind = kind
        self.trained_rows = trained_rows
        self.trained_until = trained_until
        self._encoder = encoder
        self._classifier = classifier
        self._regressor = regressor

    def predict(self, rows: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        """Score feature rows (see :data:`FEATURES`; missing history may be ``NaN``/``None``)."""
        if not rows:
            return []
        if self.kind == "heuristic" or self._encoder is None:
            return [
                Prediction(heuristic_probability(r), _heuristic_days(r), "heuristic") for r in rows
            ]
        x = self._encoder.matrix(rows)
        probs = self._classifier.predict_proba(x)[:, 1]
        days = self._regressor.predict(x)
        return [
            Prediction(float(p), max(0.0, float(d)), "model")
            for p, d in zip(probs, days, strict=True)
        ]

    def to_bytes(self) -> bytes:
        """Serialise (pickle) for storage; read back with :meth:`from_bytes`."""
        return pickle.dumps(
            {
                "format": 1,
                "kind": self.kind,
                "trained_rows": self.trained_rows,
                "trained_until": self.trained_until.isoformat(),
                "vocabulary": self._encoder.vocabulary() if self._encoder else None,
                "classifier": self._classifier,
                "regressor": self._regressor,
            },
            protocol=pickle.HIGHEST_PROTOCOL,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> RiskModel:
        """Load a model written by :meth:`to_bytes` (only load models this installation stored:
        the format is pickle-based)."""
        try:
            blob = pickle.loads(data)  # only blobs this installation stored (see docstring)
        except Exception as exc:  # a truncated or foreign blob: say what it is, fail closed
            raise InvalidInput(f"stored risk model cannot be read: {exc}") from exc
        if not isinstance(blob, dict) or blob.get("format") != 1:
            raise InvalidInput("stored risk model has an unknown format")
        vocab = blob["vocabulary"]
        return cls(
            kind=blob["kind"],
            trained_rows=blob["trained_rows"],
            trained_until=date.fromisoformat(blob["trained_until"]),
            encoder=_Encoder(vocab) if vocab is not None else None,
            classifier=blob["classifier"],
            regressor=blob["regressor"],
        )


def train(history: LedgerHistory, *, cutoff: date | None = None) -> RiskModel:
    """Fit on what was known before ``cutoff`` (default: the day after the history's as-of
    date): the history is truncated to ``cutoff − 1`` first, so no later payment, invoice or
    outcome can leak in. The heuristic when too little history."""
    known = history if cutoff is None else history.truncated(cutoff - timedelta(days=1))
    rows = [s for s in snapshots(known) if s.label is not None]
    return fit(rows, known.as_of + timedelta(days=1))


def fit(rows: Sequence[Snapshot], cutoff: date) -> RiskModel:
    """Fit the calibrated classifier and the days regressor on labelled snapshots."""
    # scikit-learn (with SciPy) takes 2-3 s to import: only the commands that train pay for it
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    labels = [bool(s.label) for s in rows]
    if (
        len(rows) < MIN_TRAINING_ROWS
        or len(set(labels)) < 2
        or min(sum(labels), len(labels) - sum(labels)) < 10
    ):
        return RiskModel(kind="heuristic", trained_rows=len(rows), trained_until=cutoff)
    feats = [s.features for s in rows]
    encoder = _Encoder.fit(feats)
    x = encoder.matrix(feats)
    y = np.array(labels, dtype=np.int64)
    cat_mask = [name in CATEGORICAL for name in FEATURES]
    base = HistGradientBoostingClassifier(
        max_iter=80,
        learning_rate=0.1,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        categorical_features=cat_mask,
        random_state=0,
    )
    classifier = CalibratedClassifierCV(base, method="isotonic", cv=3)
    classifier.fit(x, y)
    regressor = HistGradientBoostingRegressor(
        max_iter=80, max_leaf_nodes=15, categorical_features=cat_mask, random_state=0
    )
    regressor.fit(x, np.array([float(s.days_to_pay) for s in rows]))
    return RiskModel(
        kind="model",
        trained_rows=len(rows),
        trained_until=cutoff,
        encoder=encoder,
        classifier=classifier,
        regressor=regressor,
    )


def _round(value: float, places: int = 4) -> float:
    return round(value, places)


def _calibration(probs: Sequence[float], labels: Sequence[bool]) -> list[dict[str, Any]]:
    bins: list[list[int]] = [[] for _ in range(_CAL_BINS)]
    for i, p in enumerate(probs):
        bins[min(_CAL_BINS - 1, int(p * _CAL_BINS))].append(i)
    out: list[dict[str, Any]] = []
    for b, members in enumerate(bins):
        if not members:
            continue
        out.append(
            {
                "bin": f"{b / _CAL_BINS:.1f}-{(b + 1) / _CAL_BINS:.1f}",
                "predicted": _round(statistics.fmean(probs[i] for i in members)),
                "observed": _round(statistics.fmean(float(labels[i]) for i in members)),
                "n": len(members),
            }
        )
    return out


def backtest(history: LedgerHistory, split_date: date) -> dict[str, Any]:
    """Train on what was known before ``split_date``; score invoices issued from it.

    Test snapshots: invoices issued on or after ``split_date``, observed at issue and at
    due + 0/10/20 while open, whose outcome is known by the history's as-of date. Returns
    ``{"n", "auc", "brier", "calibration": [{"bin", "predicted", "observed", "n"}…],
    "baseline_auc"}`` (``auc``/``baseline_auc`` are ``None`` when the test set has one outcome).
    """
    from sklearn.metrics import brier_score_loss, roc_auc_score  # see fit

    if split_date > history.as_of:
        raise InvalidInput(
            f"split date {split_date} is after the end of the history ({history.as_of})"
        )
    model = train(history, cutoff=split_date)
    test = [s for s in snapshots(history, issued_from=split_date) if s.label is not None]
    if not test:
        return {"n": 0, "auc": None, "brier": None, "calibration": [], "baseline_auc": None}
    labels = [bool(s.label) for s in test]
    probs = [p.probability for p in model.predict([s.features for s in test])]
    baseline = [-float(s.features["days_past_due"]) for s in test]
    two = len(set(labels)) == 2
    return {
        "n": len(test),
        "auc": _round(float(roc_auc_score(labels, probs))) if two else None,
        "brier": _round(float(brier_score_loss(labels, probs))),
        "calibration": _calibration(probs, labels),
        "baseline_auc": _round(float(roc_auc_score(labels, baseline))) if two else None,
    }


class ModelRiskEstimator:
    """The policy engine's :class:`~amicable.policy.optimise.RiskPort` backed by a risk model.

    The account is scored as its oldest open invoice: amount and days past due from the facts,
    customer history from ``stats`` when the caller has it (else from the facts' on-time ratio
    and payment count; the model handles the rest as missing). A probability already on the
    facts wins, as with the heuristic. Beyond the last observation point (due + 20 days) the
    model's score at that point is multiplied by the heuristic's ratio
    ``heuristic(dpd) / heuristic(20)`` so that the probability keeps falling with age.
    """

    def __init__(self, model: RiskModel, stats: CustomerStats | None = None) -> None:
        self.model = model
        self.stats = stats

    def features(self, facts: AccountFacts) -> dict[str, Any]:
        """The feature row this estimator scores for ``facts``."""
        stats = self.stats or CustomerStats(
            paid_count=facts.payments_made,
            late_mean=None,
            late_median=None,
            late_p90=None,
            on_time_share=float(facts.on_time_ratio) if facts.on_time_ratio is not None else None,
            within_grace_share=None,
            partial_count=0,
            overdue_count=max(0, facts.open_invoices - 1) if facts.days_past_due else 0,
            overdue_over_30=0,
            max_other_dpd=0,
            balance_minor=facts.balance.minor,
        )
        customer = CustomerProfile(
            key="",
            customer_type=facts.customer_type.value,
            tier=facts.tier,
            country=facts.country,
        )
        return _row(
            customer,
            stats,
            days_past_due=facts.days_past_due,
            amount_minor=facts.balance.minor,
            open_minor=facts.balance.minor,
            invoice_age=facts.days_past_due + 30,
            terms=30,
        )

    def probability_of_payment(self, facts: AccountFacts) -> Decimal:
        if facts.probability_of_payment is not None:
            return facts.probability_of_payment
        row = self.features(facts)
        decay = 1.0
        last = CHECKPOINTS[-1]
        if facts.days_past_due > last:
            # The model only ever saw invoices up to ``last`` days past due (later, the 30-day
            # label is already decided); beyond it, score at ``last`` and let the heuristic's
            # documented decay with days past due carry the rest.
            at_last = {**row, "days_past_due": last, "invoice_age": last + 30}
            decay = heuristic_probability(row) / heuristic_probability(at_last)
            row = at_last
        (prediction,) = self.model.predict([row])
        p = Decimal(repr(prediction.probability * decay)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_EVEN
        )
        return min(Decimal(1), max(Decimal(0), p))
