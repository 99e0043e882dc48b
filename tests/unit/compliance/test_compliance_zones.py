"""Candidate zones from area codes, addresses and a known zone."""

from __future__ import annotations

from amicable.compliance import Address, Debtor
from amicable.compliance.zones import candidate_zones, zones_for_phone, zones_for_region


def names(debtor: Debtor) -> list[str]:
    return [z.key for z in candidate_zones(debtor)]


def test_area_codes_map_to_their_zones() -> None:
    assert zones_for_phone("+13035550100") == ("America/Denver",)
    assert zones_for_phone("+12125550100") == ("America/New_York",)
    assert zones_for_phone("+18085550100") == ("Pacific/Honolulu",)
    assert set(zones_for_phone("+18505550100")) == {"America/Chicago", "America/New_York"}
    assert zones_for_phone("+14165550100") == ("America/Toronto",)
    assert zones_for_phone("+33612345678") == ("Europe/Paris",)
    assert zones_for_phone("+8613800000000") == ()


def test_split_states_give_every_zone() -> None:
    assert set(zones_for_region("US", "TX")) == {"America/Chicago", "America/Denver"}
    assert zones_for_region("GB", None) == ("Europe/London",)


def test_a_known_timezone_is_used_alone_and_conflicting_information_is_unioned() -> None:
    assert names(Debtor(timezone="America/Denver", phones=("+12125550100",))) == ["America/Denver"]
    assert names(Debtor(phones=("+12125550100",), address=Address("US", "CA"))) == [
        "America/New_York",
        "America/Los_Angeles",
    ]
    assert names(Debtor(address=Address("ZZ"))) == []
