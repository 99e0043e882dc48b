"""Routes of an account's offers: the offer space under the policy in force, and the policy gate
on one proposed offer — the same documents as ``amicable offers ACCOUNT --json`` and
``amicable offers check ACCOUNT --offer JSON --json``.

Invariants: thin (the use cases in :mod:`amicable.service.policies` decide everything); an
account that owes nothing is an answer (``200`` with ``{"account", "as_of", "message"}``), not an
error; money in an offer must be strings (the offer parser refuses JSON numbers).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query

from amicable.entrypoints.api.deps import AmicableApp, Uow, guard
from amicable.service import policies

__all__ = ["AccountRef", "AsOf", "router"]

router = APIRouter()

AsOf = Annotated[date | None, Query(description="business date (default: today, UTC)")]
AccountRef = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00]+$",
        description="customer id, or unique exact name",
    ),
]


def _document(result: dict[str, Any] | policies.NothingOwed) -> dict[str, Any]:
    if isinstance(result, policies.NothingOwed):
        return result.to_json()
    return result


@router.get("/accounts/{ref}/offers", tags=["offers"], **guard("offers.read"))
def offers(ref: AccountRef, app: AmicableApp, uow: Uow, as_of: AsOf = None) -> dict[str, Any]:
    """The offer space, recommended offer and concession ladder under the policy in force."""
    day = as_of if as_of is not None else app.clock.today()
    return _document(policies.offers_for(uow, ref, day))


@router.post("/accounts/{ref}/offers/check", tags=["offers"], **guard("offers.check"))
def check_offer(
    ref: AccountRef,
    offer: Annotated[dict[str, Any], Body(description="an OFFER document (docs/policy.md)")],
    app: AmicableApp,
    uow: Uow,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """The policy gate on one proposed offer: ``outcome`` ok, needs_approval or refused, with
    every violation (nothing is stored)."""
    day = as_of if as_of is not None else app.clock.today()
    return _document(policies.check_offer(uow, ref, offer, day))
