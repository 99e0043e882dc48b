"""Routes of the human queue: list and show items, and decide them (approve, decline, assign,
modify, take over).

Thin: :mod:`amicable.service.queue` decides, writes the audit record and the write-back event,
and commits; a route turns the body into arguments and returns the item after the decision
(:func:`~amicable.service.queue.item_json`). The decider is the token (``token:<id>`` in the
audit trail) and its role is the authority a modification is checked against. Readers (every
role) list and show; collectors and admins decide (``queue.decide``). A stale or repeated
decision is a ``409``; terms outside the policy or the role's authority a ``403``; another
organisation's item a ``404``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from amicable.entrypoints.api.deps import AmicableApp, CurrentPrincipal, Uow, guard
from amicable.service import queue

__all__ = ["router"]

router = APIRouter()

ItemId = Annotated[int, Path(ge=1, le=2**62, description="queue item id")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApproveBody(_Body):
    note: str | None = Field(default=None, max_length=2000)


class DeclineBody(_Body):
    reason: str = Field(min_length=1, max_length=2000)


class AssignBody(_Body):
    to: str = Field(min_length=1, max_length=200)


class ModifyBody(_Body):
    offer: dict[str, Any] = Field(description="new terms: an OFFER object (amounts as strings)")


@router.get("/queue", tags=["queue"], **guard("queue.read"))
def list_queue(
    uow: Uow,
    who: CurrentPrincipal,
    app: AmicableApp,
    status: Annotated[str | None, Query(max_length=20)] = None,
    mine: bool = False,
    overdue: bool = False,
) -> dict[str, Any]:
    """Items by SLA (waiting ones unless ``status`` is given: one of the statuses or ``all``);
    ``mine``: assigned to the calling token; ``overdue``: past their SLA now."""
    now = app.clock.now()
    items = queue.list_items(
        uow, status=status, assignee=who.actor if mine else None,
        overdue_at=now if overdue else None,
    )  # fmt: skip
    rows = [queue.item_json(i, now) for i in items]
    return {"items": rows, "count": len(rows)}


@router.get("/queue/{item_id}", tags=["queue"], **guard("queue.read"))
def show_queue_item(item_id: ItemId, uow: Uow) -> dict[str, Any]:
    """The whole context: the item, the conversation, the account, the offer space, the
    suggested action and why."""
    return queue.show_item(uow, item_id)


@router.post("/queue/{item_id}/approve", tags=["queue"], **guard("queue.decide"))
def approve_item(
    item_id: ItemId, uow: Uow, who: CurrentPrincipal, body: ApproveBody | None = None
) -> dict[str, Any]:
    """Approve the suggested action (an approved final notice goes out on the next run, after
    compliance; terms an escalated conversation proposed go back to the debtor — their gate
    outcome must be within the token role's authority, else 403)."""
    item = queue.approve(
        uow, item_id, actor=who.actor, role=who.role, note=(body or ApproveBody()).note
    )
    return queue.item_json(item, item.updated_at)


@router.post("/queue/{item_id}/decline", tags=["queue"], **guard("queue.decide"))
def decline_item(
    item_id: ItemId, body: DeclineBody, uow: Uow, who: CurrentPrincipal
) -> dict[str, Any]:
    """Decline the suggested action (a final notice is never sent)."""
    item = queue.decline(uow, item_id, actor=who.actor, reason=body.reason)
    return queue.item_json(item, item.updated_at)


@router.post("/queue/{item_id}/assign", tags=["queue"], **guard("queue.decide"))
def assign_item(
    item_id: ItemId, body: AssignBody, uow: Uow, who: CurrentPrincipal
) -> dict[str, Any]:
    """Give the item to someone."""
    item = queue.assign(uow, item_id, actor=who.actor, to=body.to)
    return queue.item_json(item, item.updated_at)


@router.post("/queue/{item_id}/modify", tags=["queue"], **guard("queue.decide"))
def modify_item(
    item_id: ItemId, body: ModifyBody, uow: Uow, who: CurrentPrincipal
) -> dict[str, Any]:
    """Decide with new terms: through the policy gate and within the token role's authority
    (``403`` otherwise, nothing written)."""
    item = queue.modify(uow, item_id, body.offer, actor=who.actor, role=who.role)
    return queue.item_json(item, item.updated_at)


@router.post("/queue/{item_id}/take-over", tags=["queue"], **guard("queue.decide"))
def take_over_item(item_id: ItemId, uow: Uow, who: CurrentPrincipal) -> dict[str, Any]:
    """The caller handles the case: the agent stops negotiating the conversation."""
    item = queue.take_over(uow, item_id, actor=who.actor)
    return queue.item_json(item, item.updated_at)
