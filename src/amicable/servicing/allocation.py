"""Applying payments to open items in a stated order, and undoing exactly what a payment did.

An :class:`AllocationBook` holds the open items of one account in one currency (fees, interest,
principal — each with an amount and a due date), the payments received and every
:class:`Allocation` made. :func:`allocate_payment` applies a payment in the configured
:class:`AllocationOrder` (by default fees -> interest -> principal, oldest due date first within a
kind); what cannot be applied stays *unapplied* on the payment (a credit, never lost).
:func:`reverse_payment` (a refund or a chargeback) undoes what a payment did: first its unapplied
remainder, then its allocations, either last-in first-out (the item paid last is reopened first)
or proportionally to what the payment still has on each item (largest-remainder split in minor
units, see :meth:`Money.allocate`).

Invariants (checked by a hypothesis property test)
--------------------------------------------------
* Every amount is a whole number of minor units of the book's currency; nothing is rounded.
* For every item: ``open == amount - sum(allocations to it)`` and ``0 <= open <= amount``.
* For every payment: ``sum(its allocations) + unapplied == amount - reversed`` and
  ``sum(its allocations) <= amount``; its net allocation to any item is never negative.
* A reversal never undoes more than the payment still has (refunding more is refused).
* Transitions are pure: they return a new book and the allocations they made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Final

from amicable.domain.errors import InvalidInput, NotFound
from amicable.domain.money import Currency, Money, currency

__all__ = [
    "DEFAULT_ORDER",
    "Allocation",
    "AllocationBook",
    "AllocationOrder",
    "AllocationResult",
    "BookPayment",
    "ItemKind",
    "OpenItem",
    "OrderingKey",
    "ReversalMethod",
    "allocate_payment",
    "new_book",
    "reverse_payment",
]


class ItemKind(StrEnum):
    """What an open item is: the allocation order is expressed in these kinds."""

    FEE = "fee"
    INTEREST = "interest"
    PRINCIPAL = "principal"


class OrderingKey(StrEnum):
    """How items of the same kind are ordered."""

    OLDEST_FIRST = "oldest_first"  # earliest due date first, then item id
    NEWEST_FIRST = "newest_first"  # latest due date first, then item id
    SMALLEST_FIRST = "smallest_first"  # smallest open amount first, then oldest


class ReversalMethod(StrEnum):
    """How a refund or chargeback undoes a payment's allocations (after its unapplied part)."""

    LIFO = "lifo"  # reopen the item the payment reached last, first
    PROPORTIONAL = "proportional"  # reopen every item in proportion to what the payment put there


@dataclass(frozen=True, slots=True)
class AllocationOrder:
    """The configured allocation order.

    Attributes:
        kinds: item kinds in the order they are paid; kinds not listed are paid last, in the
            order of :class:`ItemKind`.
        key: ordering of items inside a kind (or across kinds when ``kind_first`` is false).
        kind_first: true (default) pays every fee before any interest before any principal; false
            orders by ``key`` first and uses the kind order only to break ties.
    """

    kinds: tuple[ItemKind, ...] = (ItemKind.FEE, ItemKind.INTEREST, ItemKind.PRINCIPAL)
    key: OrderingKey = OrderingKey.OLDEST_FIRST
    kind_first: bool = True

    def __post_init__(self) -> None:
        if len(set(self.kinds)) != len(self.kinds):
            raise InvalidInput(f"allocation order lists a kind twice: {list(self.kinds)}")

    @property
    def rule_id(self) -> str:
        """A machine-readable name for this order, stored with every allocation."""
        kinds = ">".join(k.value for k in self.kinds)
        major = "kind" if self.kind_first else "key"
        return f"allocation.{kinds}.{self.key.value}.{major}_first"


DEFAULT_ORDER: Final[AllocationOrder] = AllocationOrder()


@dataclass(frozen=True, slots=True)
class OpenItem:
    """One receivable item.

    Attributes:
        id: unique within the book.
        kind: fee, interest or principal.
        amount: the original amount (positive).
        due_date: business date it fell due; the default order pays the oldest first.
        open: what is still owed (``amount`` minus net allocations); maintained by transitions.
    """

    id: str
    kind: ItemKind
    amount: Money
    due_date: date
    open: Money


@dataclass(frozen=True, slots=True)
class BookPayment:
    """A payment received into the book.

    Attributes:
        id: unique within the book (a bank reference, a Stripe id…).
        amount: what was received (positive).
        received_on: business date of receipt.
        reversed: how much of it has been refunded or charged back so far.
        unapplied: the part not allocated to any item (a credit on the account).
    """

    id: str
    amount: Money
    received_on: date
    reversed: Money
    unapplied: Money


@dataclass(frozen=True, slots=True)
class Allocation:
    """One posting of part of a payment to an item.

    ``amount`` is positive when the payment pays the item and negative when a refund or
    chargeback reopens it. ``rule_id`` names the order or reversal rule that decided it.
    """

    seq: int
    payment_id: str
    item_id: str
    amount: Money
    rule_id: str


@dataclass(frozen=True, slots=True)
class AllocationBook:
    """Open items, payments and allocations of one account in one currency."""

    currency: Currency
    items: tuple[OpenItem, ...] = ()
    payments: tuple[BookPayment, ...] = ()
    allocations: tuple[Allocation, ...] = field(default=())

    def item(self, item_id: str) -> OpenItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise NotFound(f"no open item {item_id!r} in this book")

    def payment(self, payment_id: str) -> BookPayment:
        for payment in self.payments:
            if payment.id == payment_id:
                return payment
        raise NotFound(f"no payment {payment_id!r} in this book")

    def net_allocated(self, payment_id: str, item_id: str) -> Money:
        """What ``payment_id`` currently has on ``item_id`` (allocations minus reversals)."""
        return Money.sum(
            (
                a.amount
                for a in self.allocations
                if a.payment_id == payment_id and a.item_id == item_id
            ),
            self.currency,
        )

    def total_open(self) -> Money:
        return Money.sum((i.open for i in self.items), self.currency)


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """What a transition did: the new book, its allocations and what was left over.

    ``remainder`` is the unapplied part of a payment (for :func:`allocate_payment`) or, for
    :func:`reverse_payment`, the part of the reversal taken from the unapplied credit.
    """

    book: AllocationBook
    allocations: tuple[Allocation, ...]
    remainder: Money


def new_book(
    code: str | Currency, items: Sequence[tuple[str, ItemKind | str, Money, date]]
) -> AllocationBook:
    """A book with fully open items ``(id, kind, amount, due_date)``; refuses bad items."""
    cur = currency(code)
    seen: set[str] = set()
    built: list[OpenItem] = []
    for position, (item_id, kind, amount, due) in enumerate(items, start=1):
        where = f"item {position} ({item_id!r})"
        if item_id in seen:
            raise InvalidInput(f"{where}: duplicate item id")
        seen.add(item_id)
        if amount.currency != cur:
            raise InvalidInput(f"{where}: amount in {amount.code}, book is in {cur.code}")
        if not amount.is_positive():
            raise InvalidInput(f"{where}: amount must be positive, got {amount}")
        try:
            item_kind = ItemKind(kind)
        except ValueError:
            raise InvalidInput(f"{where}: unknown item kind {kind!r}") from None
        built.append(OpenItem(item_id, item_kind, amount, due, amount))
    return AllocationBook(cur, tuple(built))


def _sort_key(order: AllocationOrder, item: OpenItem) -> tuple[object, ...]:
    kind_rank = (
        order.kinds.index(item.kind)
        if item.kind in order.kinds
        else len(order.kinds) + list(ItemKind).index(item.kind)
    )
    key: tuple[int, ...]
    if order.key is OrderingKey.OLDEST_FIRST:
        key = (item.due_date.toordinal(),)
    elif order.key is OrderingKey.NEWEST_FIRST:
        key = (-item.due_date.toordinal(),)
    else:
        key = (item.open.minor, item.due_date.toordinal())
    # The item id breaks the remaining ties so the order is total and repeatable.
    return (kind_rank, *key, item.id) if order.kind_first else (*key, kind_rank, item.id)


def allocate_payment(
    book: AllocationBook,
    payment_id: str,
    amount: Money,
    received_on: date,
    order: AllocationOrder = DEFAULT_ORDER,
) -> AllocationResult:
    """Apply a new payment to the open items in ``order``; the rest stays unapplied."""
    if any(p.id == payment_id for p in book.payments):
        raise InvalidInput(f"payment {payment_id!r} is already in the book")
    if amount.currency != book.currency:
        raise InvalidInput(
            f"payment {payment_id!r} is in {amount.code}, book in {book.currency.code}"
        )
    if not amount.is_positive():
        raise InvalidInput(f"payment {payment_id!r}: amount must be positive, got {amount}")
    left = amount
    seq = len(book.allocations)
    by_id = {item.id: item for item in book.items}
    made: list[Allocation] = []
    for item in sorted(book.items, key=lambda i: _sort_key(order, i)):
        if left.is_zero():
            break
        if item.open.is_zero():
            continue
        part = left.min(item.open)
        seq += 1
        made.append(Allocation(seq, payment_id, item.id, part, order.rule_id))
        by_id[item.id] = replace(item, open=item.open - part)
        left = left - part
    payment = BookPayment(payment_id, amount, received_on, Money.zero(book.currency), left)
    new = replace(
        book,
        items=tuple(by_id[i.id] for i in book.items),
        payments=(*book.payments, payment),
        allocations=(*book.allocations, *made),
    )
    return AllocationResult(new, tuple(made), left)


def reverse_payment(
    book: AllocationBook,
    payment_id: str,
    amount: Money | None = None,
    *,
    reason: str = "refund",
    method: ReversalMethod = ReversalMethod.LIFO,
) -> AllocationResult:
    """Undo ``amount`` of a payment (all that is left of it when ``None``: a chargeback).

    The unapplied remainder is given back first (it was never on an item), then allocations are
    reversed with ``method``. ``reason`` (``refund`` / ``chargeback``) goes into the rule id.
    """
    payment = book.payment(payment_id)
    remaining = payment.amount - payment.reversed
    wanted = remaining if amount is None else amount
    if wanted.currency != book.currency:
        raise InvalidInput(
            f"reversal of {payment_id!r} is in {wanted.code}, book in {book.currency.code}"
        )
    if not wanted.is_positive():
        raise InvalidInput(f"reversal of {payment_id!r}: amount must be positive, got {wanted}")
    if wanted > remaining:
        raise InvalidInput(
            f"reversal of {payment_id!r}: {wanted} exceeds what is left of the payment ({remaining})"
        )
    from_credit = wanted.min(payment.unapplied)
    to_undo = wanted - from_credit
    rule_id = f"reversal.{reason}.{method.value}"
    # What the payment still has on each item, in the order it first reached them.
    reached: list[str] = []
    for a in book.allocations:
        if a.payment_id == payment_id and a.item_id not in reached:
            reached.append(a.item_id)
    holdings = [(item_id, book.net_allocated(payment_id, item_id)) for item_id in reached]
    holdings = [(item_id, held) for item_id, held in holdings if held.is_positive()]
    undo: list[tuple[str, Money]] = []
    if to_undo.is_positive():
        if method is ReversalMethod.LIFO:
            left = to_undo
            for item_id, held in reversed(holdings):
                if left.is_zero():
                    break
                part = left.min(held)
                undo.append((item_id, part))
                left = left - part
        else:
            parts = to_undo.allocate([held.minor for _, held in holdings])
            # No part exceeds its holding: each exact share is at most the holding (to_undo is at
            # most their sum), and rounding a fractional share up stays within an integer bound.
            undo = [(item_id, part) for (item_id, _), part in zip(holdings, parts, strict=True)]
            undo = [(item_id, part) for item_id, part in undo if part.is_positive()]
    seq = len(book.allocations)
    by_id = {item.id: item for item in book.items}
    made: list[Allocation] = []
    for item_id, part in undo:
        seq += 1
        made.append(Allocation(seq, payment_id, item_id, -part, rule_id))
        item = by_id[item_id]
        by_id[item_id] = replace(item, open=item.open + part)
    new_payment = replace(
        payment, reversed=payment.reversed + wanted, unapplied=payment.unapplied - from_credit
    )
    new = replace(
        book,
        items=tuple(by_id[i.id] for i in book.items),
        payments=tuple(new_payment if p.id == payment_id else p for p in book.payments),
        allocations=(*book.allocations, *made),
    )
    return AllocationResult(new, tuple(made), from_credit)
