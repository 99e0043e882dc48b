"""Personas: drawn deterministically per (seed, customer); the behaviour rules every strategy meets
(reading by channel and hour, diminishing reminder returns, harassment, promises kept less often
to a machine, affordability)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from amicable.sim.personas import (
    PROFILES,
    Persona,
    affordable,
    annoyed,
    draw_persona,
    keep_chance,
    pay_chance_after_reminder,
    payable_now,
    read_chance,
)


def _draw(seed: int = 1, ref: str = "C0000001", **kw: Any) -> Persona:
    args: dict[str, Any] = {
        "profile": "late", "business": False, "lang": "fr", "timezone": "Europe/Paris",
        "postal_code": "75001", "channels": ("email", "sms"),
    }  # fmt: skip
    args.update(kw)
    return draw_persona(seed, ref, **args)


def test_a_persona_is_the_same_for_the_same_seed_and_customer_and_differs_otherwise() -> None:
    assert _draw() == _draw()
    others = [_draw(seed=s) for s in range(2, 12)]
    assert len({(p.willingness, p.monthly_share) for p in others}) == 10


def test_an_unknown_profile_is_refused_with_the_customer_named() -> None:
    try:
        _draw(profile="sometimes")
    except ValueError as exc:
        assert "C0000001" in str(exc) and "sometimes" in str(exc)
    else:
        raise AssertionError("an unknown profile was accepted")


def test_channels_without_an_address_are_never_read() -> None:
    p = _draw(channels=("email",))
    assert p.responsiveness["whatsapp"] == 0.0
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert read_chance(p, "whatsapp", at) == 0.0


def test_reading_is_less_likely_outside_active_hours_and_never_when_unreachable() -> None:
    p = _draw()
    start, _ = p.active_hours
    inside = datetime(2026, 3, 2, start + 1 - 1, 30, tzinfo=UTC)  # 1 h ahead in Paris in March
    outside = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 03:00 in Paris
    assert read_chance(p, "email", outside) < read_chance(p, "email", inside)
    gone = Persona(**{**_as_dict(p), "unreachable": True})
    assert read_chance(gone, "email", inside) == 0.0


def _as_dict(p: Persona) -> dict[str, Any]:
    return {name: getattr(p, name) for name in Persona.__slots__}


def test_reminders_have_diminishing_returns_and_harassment_erodes_them() -> None:
    p = Persona(**{**_as_dict(_draw()), "pays_in_full": True, "disputes": False,
                   "hardship": False, "willingness": 0.8})  # fmt: skip
    chances = [pay_chance_after_reminder(p, n, 0) for n in (1, 2, 3, 4)]
    assert chances[0] > 0
    assert all(a > b for a, b in itertools.pairwise(chances))
    gains = [a - b for a, b in itertools.pairwise(chances)]
    assert all(a > b for a, b in itertools.pairwise(gains))
    assert pay_chance_after_reminder(p, 1, annoyed(7)) < chances[0]
    assert annoyed(3) == 0 and annoyed(5) == 2


def test_a_debtor_who_cannot_pay_in_full_pays_a_part_and_plans_must_fit() -> None:
    poor = Persona(**{**_as_dict(_draw()), "pays_in_full": False, "monthly_share": 0.25,
                      "disputes": False, "hardship": False})  # fmt: skip
    assert pay_chance_after_reminder(poor, 1, 0) > 0.0
    assert payable_now(poor, 80_000, 100_000) == 25_000
    assert payable_now(poor, 10_000, 100_000) == 10_000
    rich = Persona(**{**_as_dict(poor), "pays_in_full": True})
    assert payable_now(rich, 80_000, 100_000) == 80_000
    assert affordable(poor, 100_000, upfront_minor=20_000, per_month_minor=25_000)
    assert not affordable(poor, 100_000, upfront_minor=100_000, per_month_minor=0)
    assert not affordable(poor, 100_000, upfront_minor=10_000, per_month_minor=40_000)


def test_promises_to_a_machine_are_kept_less_often_and_a_strategic_defaulter_keeps_none() -> None:
    p = _draw()
    assert keep_chance(p, automated=True) < keep_chance(p, automated=False)
    cheat = Persona(**{**_as_dict(p), "strategic": True})
    assert keep_chance(cheat, automated=False) == 0.0


def test_a_business_pays_on_its_payables_day() -> None:
    b = Persona(**{**_as_dict(_draw(business=True)), "payables_weekday": 3})  # Thursday
    monday = date(2026, 3, 2)
    assert not b.can_pay_on(monday)
    assert b.next_pay_day(monday) == date(2026, 3, 5)


def test_every_profile_of_the_sample_has_traits() -> None:
    assert set(PROFILES) == {"early", "punctual", "late", "very_late", "chronic"}
    for traits in PROFILES.values():
        assert 0 <= traits.willing[0] <= traits.willing[1] <= 1
