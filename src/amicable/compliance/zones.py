"""Where might the debtor be? Candidate IANA time zones from phones, address and a known zone.

Reg F comment 6(b)(1)(i)-2: with conflicting or ambiguous location information a contact complies only
if it is convenient in *every* location the information indicates. So this module returns the union of
the zones each piece of information points to:

* a known ``timezone`` on the debtor is knowledge of the location and is used alone;
* otherwise each NANP phone (+1) adds the zone(s) of its area code (``data/nanp_area_codes.json``,
  a compact table generated from libphonenumber's timezone data, US, Canada and the Caribbean), other
  phones add their country's zone when the country has one;
* the address adds the zone(s) of its region (US state / Canadian province, whole-state granularity,
  which over-approximates split states on purpose) or of its country;
* a US or Canadian debtor with no usable information gets every zone of that country (conservative).

An empty result means the location cannot be determined; the contact-window rule then fails closed.
Tables are loaded once per process.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from amicable.compliance.model import Debtor
from amicable.domain.errors import InvalidInput

__all__ = ["US_ZONES", "candidate_zones", "zones_for_phone", "zones_for_region"]

US_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)
CA_ZONES = (
    "America/St_Johns",
    "America/Halifax",
    "America/Toronto",
    "America/Winnipeg",
    "America/Regina",
    "America/Edmonton",
    "America/Vancouver",
)

_E, _C, _M, _P = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
US_REGION_ZONES: dict[str, tuple[str, ...]] = {
    "AL": (_C,), "AK": ("America/Anchorage", "America/Adak"), "AZ": ("America/Phoenix", _M),
    "AR": (_C,), "CA": (_P,), "CO": (_M,), "CT": (_E,), "DE": (_E,), "DC": (_E,), "FL": (_E, _C),
    "GA": (_E,), "HI": ("Pacific/Honolulu",), "ID": ("America/Boise", _P), "IL": (_C,),
    "IN": ("America/Indiana/Indianapolis", _C), "IA": (_C,), "KS": (_C, _M),
    "KY": ("America/Kentucky/Louisville", _C), "LA": (_C,), "ME": (_E,), "MD": (_E,), "MA": (_E,),
    "MI": ("America/Detroit", _C), "MN": (_C,), "MS": (_C,), "MO": (_C,), "MT": (_M,),
    "NE": (_C, _M), "NV": (_P, _M), "NH": (_E,), "NJ": (_E,), "NM": (_M,), "NY": (_E,),
    "NC": (_E,), "ND": (_C, _M), "OH": (_E,), "OK": (_C,), "OR": (_P, "America/Boise"), "PA": (_E,),
    "RI": (_E,), "SC": (_E,), "SD": (_C, _M), "TN": (_E, _C), "TX": (_C, _M), "UT": (_M,),
    "VT": (_E,), "VA": (_E,), "WA": (_P,), "WV": (_E,), "WI": (_C,), "WY": (_M,),
    "PR": ("America/Puerto_Rico",), "VI": ("America/St_Thomas",), "GU": ("Pacific/Guam",),
    "AS": ("Pacific/Pago_Pago",), "MP": ("Pacific/Saipan",),
}  # fmt: skip
CA_REGION_ZONES: dict[str, tuple[str, ...]] = {
    "AB": ("America/Edmonton",), "BC": ("America/Vancouver", "America/Edmonton"),
    "MB": ("America/Winnipeg",), "NB": ("America/Moncton",),
    "NL": ("America/St_Johns", "America/Goose_Bay"), "NS": ("America/Halifax",),
    "NT": ("America/Yellowknife",), "NU": ("America/Iqaluit", "America/Winnipeg", "America/Cambridge_Bay"),
    "ON": ("America/Toronto", "America/Winnipeg"), "PE": ("America/Halifax",),
    "QC": ("America/Toronto", "America/Halifax"), "SK": ("America/Regina",), "YT": ("America/Whitehorse",),
}  # fmt: skip
#: Countries with a single civil time zone (enough for the UK and EU packs).
COUNTRY_ZONES: dict[str, str] = {
    "GB": "Europe/London", "IE": "Europe/Dublin", "FR": "Europe/Paris", "ES": "Europe/Madrid",
    "DE": "Europe/Berlin", "IT": "Europe/Rome", "NL": "Europe/Amsterdam", "BE": "Europe/Brussels",
    "LU": "Europe/Luxembourg", "AT": "Europe/Vienna", "CH": "Europe/Zurich", "SE": "Europe/Stockholm",
    "DK": "Europe/Copenhagen", "FI": "Europe/Helsinki", "PL": "Europe/Warsaw", "CZ": "Europe/Prague",
    "SK": "Europe/Bratislava", "HU": "Europe/Budapest", "SI": "Europe/Ljubljana", "HR": "Europe/Zagreb",
    "RO": "Europe/Bucharest", "BG": "Europe/Sofia", "GR": "Europe/Athens", "CY": "Asia/Nicosia",
    "MT": "Europe/Malta", "EE": "Europe/Tallinn", "LV": "Europe/Riga", "LT": "Europe/Vilnius",
    "PT": "Europe/Lisbon",
}  # fmt: skip
#: Country calling code -> ISO country, for the single-zone countries above.
CALLING_CODES: dict[str, str] = {
    "44": "GB", "353": "IE", "33": "FR", "34": "ES", "49": "DE", "39": "IT", "31": "NL", "32": "BE",
    "352": "LU", "43": "AT", "41": "CH", "46": "SE", "45": "DK", "358": "FI", "48": "PL",
    "420": "CZ", "421": "SK", "36": "HU", "386": "SI", "385": "HR", "40": "RO", "359": "BG",
    "30": "GR", "357": "CY", "356": "MT", "372": "EE", "371": "LV", "370": "LT", "351": "PT",
}  # fmt: skip


@cache
def _nanp() -> dict[str, tuple[str, ...]]:
    raw = resources.files("amicable.compliance").joinpath("data/nanp_area_codes.json").read_text()
    table: dict[str, list[str]] = json.loads(raw)
    return {npa: tuple(zones) for npa, zones in table.items()}


@cache
def zone(name: str) -> ZoneInfo:
    """A cached ``ZoneInfo`` (construction is the expensive part on the hot path)."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise InvalidInput(f"time zone {name!r} is not an IANA time zone") from None


def zones_for_phone(phone: str) -> tuple[str, ...]:
    """Zones an E.164 number points to: its NANP area code, or its country; ``()`` if unknown."""
    digits = phone.strip().lstrip("+").replace(" ", "").replace("-", "")
    if digits.startswith("1") and len(digits) >= 4:
        return _nanp().get(digits[1:4], ())
    for length in (3, 2):
        country = CALLING_CODES.get(digits[:length])
        if country is not None:
            return (COUNTRY_ZONES[country],)
    return ()


def zones_for_region(country: str | None, region: str | None) -> tuple[str, ...]:
    """Zones of an address: by US state / Canadian province, else by country; ``()`` if unknown."""
    country = (country or "").upper()
    region = (region or "").upper()
    if country == "US":
        return US_REGION_ZONES.get(region, US_ZONES)
    if country == "CA":
        return CA_REGION_ZONES.get(region, CA_ZONES)
    single = COUNTRY_ZONES.get(country)
    return (single,) if single else ()


# Bounded: a daily plan touches a million debtors; most share a handful of zone sets.
@lru_cache(maxsize=4096)
def _candidate_names(debtor: Debtor) -> tuple[str, ...]:
    if debtor.timezone:
        return (debtor.timezone,)
    names: list[str] = []
    for phone in debtor.phones:
        names.extend(zones_for_phone(phone))
    address = debtor.address
    if address.country or address.region:
        names.extend(zones_for_region(address.country, address.region))
    if not names:
        country = (address.country or "").upper()
        if country == "US" or (not country and any(p.startswith("+1") for p in debtor.phones)):
            names.extend(US_ZONES)
        elif country == "CA":
            names.extend(CA_ZONES)
    return tuple(dict.fromkeys(names))


def candidate_zones(debtor: Debtor) -> tuple[ZoneInfo, ...]:
    """Every zone the debtor might be in (order: first seen); ``()`` when it cannot be told."""
    return tuple(zone(name) for name in _candidate_names(debtor))
