"""The sample portfolio generator: a realistic, deterministic AR book in the generic CSV layout.

``generate_sample(out_dir, accounts=N, seed=S, as_of=D)`` writes ``customers.csv``,
``invoices.csv`` and ``payments.csv`` (layouts in ``docs/import-formats.md``). Invariants:

* Deterministic: the same ``(accounts, seed, as_of)`` gives byte-identical files; every draw comes
  from one ``random.Random(seed)`` in a fixed order.
* Exact money: amounts are drawn and added as integer minor units (all sample currencies have
  two decimals) and written as strings; no float ever holds money.
* Consistent with itself: every payment names a customer and an invoice of the files, is dated
  on or before ``as_of``, and the open amount of an invoice is its amount minus its payments.
* Informative history: each customer has a lateness profile (early, punctual, late, very late,
  chronic non-payer) that sets how many days after the due date its invoices are paid, so past
  behaviour predicts future behaviour for a risk model.
* Hidden truth stays hidden: the profiles are written to ``profiles.csv`` (ground truth for tests
  and the simulator), never into the files the agent imports — a tag would let segmentation or a
  model read the answer.
* Streaming: rows are written as they are drawn; memory does not grow with ``accounts``.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Final

__all__ = ["SampleSummary", "generate_sample"]

CUSTOMER_HEADER: Final = (
    "customer_id", "name", "type", "tier", "language", "country", "region", "timezone", "emails",
    "phones", "address", "postal_code", "consent_email", "consent_sms", "consent_call",
    "consent_whatsapp", "tags",
)  # fmt: skip
INVOICE_HEADER: Final = (
    "customer_id", "customer_name", "invoice_number", "issue_date", "due_date", "currency",
    "amount", "open_amount", "disputed", "description",
)  # fmt: skip
PAYMENT_HEADER: Final = (
    "customer_id", "payment_id", "received_on", "currency", "amount", "invoice_number", "method",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SampleSummary:
    """What :func:`generate_sample` wrote.

    Attributes:
        out_dir: the directory holding the three import files (and the hidden ``profiles.csv``).
        customers, invoices, payments: rows written to each file.
        open_invoices: invoices with an open amount above zero on ``as_of``.
        disputed_invoices: invoices marked disputed.
        as_of: the date the portfolio is drawn as of; nothing is dated after it.
        seed: the seed it was drawn with.
    """

    out_dir: Path
    customers: int
    invoices: int
    payments: int
    open_invoices: int
    disputed_invoices: int
    as_of: date
    seed: int

    def to_json(self) -> dict[str, object]:
        return {
            "out_dir": str(self.out_dir),
            "files": {
                "customers": str(self.out_dir / "customers.csv"),
                "invoices": str(self.out_dir / "invoices.csv"),
                "payments": str(self.out_dir / "payments.csv"),
                "profiles": str(self.out_dir / "profiles.csv"),
            },
            "customers": self.customers,
            "invoices": self.invoices,
            "payments": self.payments,
            "open_invoices": self.open_invoices,
            "disputed_invoices": self.disputed_invoices,
            "as_of": self.as_of.isoformat(),
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True)
class _Place:
    country: str
    region: str
    currency: str
    languages: tuple[str, ...]
    timezone: str
    dial: str  # E.164 prefix of a valid geographic or mobile range
    digits: int  # random digits after the prefix
    postal: str  # postal-code pattern: # -> digit, A -> letter
    suffix: str  # company-name suffix
    weight: int


_PLACES: Final = (
    _Place("US", "CA", "USD", ("en", "es"), "America/Los_Angeles", "+1415", 7, "94###", "Inc.", 9),
    _Place("US", "NY", "USD", ("en",), "America/New_York", "+1212", 7, "10###", "LLC", 8),
    _Place("US", "MA", "USD", ("en",), "America/New_York", "+1617", 7, "021##", "LLC", 5),
    _Place("US", "WA", "USD", ("en",), "America/Los_Angeles", "+1206", 7, "981##", "Inc.", 5),
    _Place("US", "CO", "USD", ("en",), "America/Denver", "+1303", 7, "802##", "LLC", 4),
    _Place("US", "TX", "USD", ("en", "es"), "America/Chicago", "+1512", 7, "787##", "Inc.", 6),
    _Place("US", "FL", "USD", ("en", "es"), "America/New_York", "+1305", 7, "331##", "LLC", 4),
    _Place("US", "IL", "USD", ("en",), "America/Chicago", "+1312", 7, "606##", "Inc.", 4),
    _Place("GB", "ENG", "GBP", ("en",), "Europe/London", "+447400", 6, "A# #AA", "Ltd", 14),
    _Place("FR", "IDF", "EUR", ("fr",), "Europe/Paris", "+3361", 7, "750##", "SARL", 10),
    _Place("ES", "MD", "EUR", ("es",), "Europe/Madrid", "+346", 8, "280##", "S.L.", 8),
    _Place("DE", "BE", "EUR", ("en",), "Europe/Berlin", "+49151", 8, "10###", "GmbH", 9),
    _Place("CA", "ON", "CAD", ("en",), "America/Toronto", "+1416", 7, "A#A #A#", "Inc.", 6),
    _Place("CA", "QC", "CAD", ("fr", "en"), "America/Toronto", "+1514", 7, "A#A #A#", "Inc.", 4),
    _Place("CA", "BC", "CAD", ("en",), "America/Vancouver", "+1604", 7, "A#A #A#", "Ltd", 3),
)
_PLACE_WEIGHTS: Final = tuple(p.weight for p in _PLACES)

_ADJECTIVES: Final = (
    "Red Rock", "Blue Harbor", "Golden Oak", "Silver Lake", "Northwind", "Maple", "Summit",
    "Riverside", "Evergreen", "Granite", "Lighthouse", "Cedar", "Sunrise", "Iron Bridge", "Atlas",
    "Pioneer", "Harvest", "Bright Path", "Coastal", "Highland",
)  # fmt: skip
_NOUNS: Final = (
    "Diner", "Bakery", "Logistics", "Dental", "Builders", "Print Shop", "Florist", "Garage",
    "Consulting", "Textiles", "Hardware", "Brewing", "Studio", "Clinic", "Electric", "Foods",
    "Outfitters", "Media", "Plumbing", "Cafe",
)  # fmt: skip
_FIRST: Final[dict[str, tuple[str, ...]]] = {
    "en": ("James", "Mary", "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Grace", "Henry"),
    "fr": ("Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules", "Manon", "Arthur", "Inès", "Paul"),
    "es": ("Lucía", "Mateo", "Sofía", "Hugo", "Martina", "Pablo", "Valeria", "Diego", "Elena"),
}
_LAST: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clarke", "Walker", "Wright"),
    "fr": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"),
    "es": ("García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández", "Ruiz"),
}
_STREETS: Final = ("Main St", "High Street", "Rue de la Paix", "Calle Mayor", "Hauptstraße",
                   "King St", "Market Street", "Avenue Foch")  # fmt: skip
_TAGS: Final = ("wholesale", "retail", "vip", "new", "seasonal", "government", "subscription")
_METHODS: Final = ("ach", "card", "transfer", "check", "direct_debit")

# (name, weight, min delay, max delay) in days after the due date; "chronic" rarely pays at all.
_PROFILES: Final = (
    ("early", 15, -12, -1),
    ("punctual", 35, -2, 3),
    ("late", 28, 5, 35),
    ("very_late", 15, 30, 95),
    ("chronic", 7, 60, 200),
)
_PROFILE_WEIGHTS: Final = tuple(p[1] for p in _PROFILES)
_TERMS: Final = (15, 30, 30, 30, 45, 60)


def _money(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"


def _postal(rng: random.Random, pattern: str) -> str:
    letters = "ABCEGHJKLMNPRSTVXY"
    return "".join(
        str(rng.randrange(10)) if ch == "#" else rng.choice(letters) if ch == "A" else ch
        for ch in pattern
    )


def _phone(rng: random.Random, place: _Place) -> str:
    first = rng.randint(2, 9)  # US/CA exchanges and most national ranges never start with 0 or 1
    rest = "".join(str(rng.randrange(10)) for _ in range(place.digits - 1))
    return f"{place.dial}{first}{rest}"


def _consent(rng: random.Random, yes: float, no: float) -> str:
    roll = rng.random()
    return "yes" if roll < yes else "no" if roll < yes + no else ""


def generate_sample(out_dir: Path, *, accounts: int, seed: int, as_of: date) -> SampleSummary:
    """Write a portfolio of ``accounts`` customers to ``out_dir`` and say what was written."""
    if accounts < 0:
        raise ValueError(f"accounts must be 0 or more, got {accounts}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    counts = {"invoices": 0, "payments": 0, "open": 0, "disputed": 0}
    invoice_seq = 0
    payment_seq = 0

    with (
        (out_dir / "customers.csv").open("w", newline="", encoding="utf-8") as cf,
        (out_dir / "invoices.csv").open("w", newline="", encoding="utf-8") as inf,
        (out_dir / "payments.csv").open("w", newline="", encoding="utf-8") as pf,
        (out_dir / "profiles.csv").open("w", newline="", encoding="utf-8") as hf,
    ):
        customers = csv.writer(cf, lineterminator="\n")
        invoices = csv.writer(inf, lineterminator="\n")
        payments = csv.writer(pf, lineterminator="\n")
        customers.writerow(CUSTOMER_HEADER)
        invoices.writerow(INVOICE_HEADER)
        payments.writerow(PAYMENT_HEADER)
        profiles = csv.writer(hf, lineterminator="\n")
        profiles.writerow(("customer_id", "lateness_profile"))

        for n in range(1, accounts + 1):
            place = rng.choices(_PLACES, _PLACE_WEIGHTS)[0]
            language = place.languages[0] if rng.random() < 0.8 else rng.choice(place.languages)
            business = rng.random() < 0.6
            customer_id = f"C{n:07d}"
            if business:
                name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {place.suffix}"
                slug = name.lower().replace(" ", "").replace(".", "")
                email = f"ap@{slug}-{n}.example"
                tier = rng.choice(("enterprise", "mid-market", "smb", "smb", "smb"))
            else:
                first = rng.choice(_FIRST[language])
                last = rng.choice(_LAST[language])
                name = f"{first} {last}"
                email = f"{n}.{last.lower()}@mail.example"
                tier = rng.choice(("standard", "standard", "premium"))
            emails = email if rng.random() < 0.92 else ""
            phone_count = 0 if rng.random() < 0.1 else 1 if rng.random() < 0.8 else 2
            phones = ";".join(_phone(rng, place) for _ in range(phone_count))
            tags = ";".join(sorted(set(rng.sample(_TAGS, rng.randint(0, 2)))))
            profile = rng.choices(_PROFILES, _PROFILE_WEIGHTS)[0]
            customers.writerow(
                (
                    customer_id,
                    name,
                    "business" if business else "consumer",
                    tier,
                    language,
                    place.country,
                    place.region,
                    place.timezone if rng.random() < 0.95 else "",
                    emails,
                    phones,
                    f"{rng.randint(1, 999)} {rng.choice(_STREETS)}",
                    _postal(rng, place.postal),
                    _consent(rng, 0.75, 0.1) if emails else "",
                    _consent(rng, 0.35, 0.2) if phones else "",
                    _consent(rng, 0.5, 0.15) if phones else "",
                    _consent(rng, 0.15, 0.1) if phones else "",
                    tags,
                )
            )
            profiles.writerow((customer_id, profile[0]))

            # Invoice sizes in whole minor units: businesses 150-40,000; consumers 20-1,500.
            low, high = (15_000, 4_000_000) if business else (2_000, 150_000)
            _, _, delay_min, delay_max = profile
            for _ in range(rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))):
                invoice_seq += 1
                number = f"INV-{invoice_seq:07d}"
                issue = as_of - timedelta(days=rng.randint(0, 365))
                due = issue + timedelta(days=rng.choice(_TERMS))
                # Log-uniform-ish size: pick a band, then a uniform integer inside it.
                band_high = low * 10 ** rng.randint(1, 3)
                amount = rng.randint(low, min(high, band_high))
                paid_on = due + timedelta(days=rng.randint(delay_min, delay_max))
                if profile[0] == "chronic" and rng.random() < 0.5:
                    paid_on = as_of + timedelta(days=1)  # never paid (yet)
                paid_on = max(paid_on, issue)
                instalments: list[tuple[date, int]] = []
                if rng.random() < 0.12:
                    # Paid in two parts: a first part well before the rest.
                    first_part = amount * rng.randint(20, 70) // 100
                    first_on = max(issue, paid_on - timedelta(days=rng.randint(5, 30)))
                    instalments = [(first_on, first_part), (paid_on, amount - first_part)]
                else:
                    instalments = [(paid_on, amount)]
                paid = 0
                for received, part in instalments:
                    if received > as_of:
                        break
                    payment_seq += 1
                    payments.writerow(
                        (
                            customer_id,
                            f"PAY-{payment_seq:07d}",
                            received.isoformat(),
                            place.currency,
                            _money(part),
                            number,
                            rng.choice(_METHODS),
                        )
                    )
                    paid += part
                open_minor = amount - paid
                disputed = open_minor > 0 and rng.random() < 0.04
                counts["invoices"] += 1
                counts["payments"] += len([i for i in instalments if i[0] <= as_of])
                counts["open"] += open_minor > 0
                counts["disputed"] += disputed
                invoices.writerow(
                    (
                        customer_id,
                        name,
                        number,
                        issue.isoformat(),
                        due.isoformat(),
                        place.currency,
                        _money(amount),
                        _money(open_minor),
                        "yes" if disputed else "no",
                        f"PO {rng.randint(1000, 99999)}" if business else "",
                    )
                )

    return SampleSummary(
        out_dir=out_dir,
        customers=accounts,
        invoices=counts["invoices"],
        payments=counts["payments"],
        open_invoices=counts["open"],
        disputed_invoices=counts["disputed"],
        as_of=as_of,
        seed=seed,
    )
