"""Routes of the ledger: imports (CSV/XLSX upload), accounts, facts, notes, aging and DSO.

Thin: the upload is spooled to a temporary file for the importers, the use case runs on the
caller's organisation, and the response is the same JSON the CLI prints with ``--json``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, UploadFile, status

from amicable.domain.errors import InvalidInput
from amicable.domain.money import Money
from amicable.entrypoints.api.deps import AmicableApp, CurrentPrincipal, Uow, guard
from amicable.entrypoints.api.schemas import ImportResultPublic, NoteCreate, NoteCreated, Page
from amicable.service import governance, imports, queries

__all__ = ["router"]

router = APIRouter()

AsOf = Annotated[date | None, Query(description="business date (default: today, UTC)")]
Ref = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00]+$",
        description="customer id, or unique exact name",
    ),
]
MAX_UPLOAD = 512 * 1024 * 1024
ImportKind = Literal["invoices", "payments", "customers"]


def _plain(value: object) -> Any:
    """Engine values as JSON data: Money and Decimal as strings, dates ISO."""
    if isinstance(value, Money):
        return value.amount_str()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _readers(kind: str, fmt: str, currency: str | None) -> Callable[[FsPath], Iterable[Any]]:
    from amicable.adapters.importers import read_customers, read_invoices, read_payments

    if kind == "customers":
        return lambda p: read_customers(p)
    if kind == "payments":
        return lambda p: read_payments(p, format=fmt, default_currency=currency)
    return lambda p: read_invoices(p, format=fmt, default_currency=currency)


_USE_CASES: dict[str, Callable[..., imports.ImportResult]] = {
    "invoices": imports.import_invoices,
    "payments": imports.import_payments,
    "customers": imports.import_customers,
}


@router.post("/imports/{kind}", tags=["ledger"], **guard("ledger.import"))
def import_file(
    kind: Annotated[ImportKind, Path()],
    file: Annotated[UploadFile, File(description="CSV or XLSX export")],
    uow: Uow,
    who: CurrentPrincipal,
    format: Annotated[str, Form(max_length=40)] = "generic",
    currency: Annotated[str | None, Form(max_length=3)] = None,
    dry_run: Annotated[bool, Form()] = False,
    skip_invalid: Annotated[bool, Form()] = False,
) -> ImportResultPublic:
    """Import an uploaded file, all-or-nothing unless ``skip_invalid`` (same rules as the CLI).

    A refused file is an answer, not an error: ``written`` is false and ``errors`` lists every
    refused row (line, column, value, problem)."""
    name = FsPath(file.filename or "upload.csv").name
    suffix = FsPath(name).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".txt"):
        raise InvalidInput(f"{name}: upload a .csv or .xlsx file")
    with tempfile.TemporaryDirectory(prefix="amicable-upload-") as tmp:
        path = FsPath(tmp) / f"upload{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, 1024 * 1024)
        if path.stat().st_size > MAX_UPLOAD:
            raise InvalidInput(f"{name}: larger than {MAX_UPLOAD // (1024 * 1024)} MiB")
        records = _readers(kind, format, currency)(path)
        with uow:
            result = _USE_CASES[kind](
                uow, records, source=name, dry_run=dry_run, skip_invalid=skip_invalid
            )
            governance.audit_import(uow, kind, name, result, actor=who.actor)
    doc = result.to_json()
    return ImportResultPublic(
        written=result.written,
        dry_run=result.dry_run,
        imported=result.imported,
        updated=result.updated,
        unchanged=result.unchanged,
        errors=list(doc["errors"]),  # type: ignore[call-overload]
    )


def _day(app: AmicableApp, as_of: date | None) -> date:
    return as_of if as_of is not None else app.clock.today()


@router.get("/accounts", tags=["ledger"], **guard("ledger.read"))
def list_accounts(app: AmicableApp, uow: Uow, as_of: AsOf = None) -> Page[dict[str, Any]]:
    """Every account with its balances per currency (strings), open invoices, worst lateness."""
    rows = [a.to_json() for a in queries.accounts_list(uow, _day(app, as_of))]
    return Page[dict[str, Any]](data=rows, count=len(rows))


@router.get("/accounts/{ref}", tags=["ledger"], **guard("ledger.read"))
def show_account(ref: Ref, app: AmicableApp, uow: Uow, as_of: AsOf = None) -> dict[str, Any]:
    """One account: customer, balances, open invoices, payments and allocations, lateness."""
    return queries.show_account(uow, ref, _day(app, as_of)).to_json()


@router.get("/accounts/{ref}/facts", tags=["ledger"], **guard("ledger.read"))
def account_facts(ref: Ref, app: AmicableApp, uow: Uow, as_of: AsOf = None) -> dict[str, Any]:
    """The facts the policy and strategy engines see for this account."""
    facts: dict[str, Any] = _plain(queries.account_facts(uow, ref, _day(app, as_of)))
    return facts


@router.post(
    "/accounts/{ref}/notes",
    status_code=status.HTTP_201_CREATED,
    tags=["ledger"],
    **guard("notes.create"),
)
def add_note(ref: Ref, body: NoteCreate, uow: Uow, who: CurrentPrincipal) -> NoteCreated:
    """Attach a note (audited, and written back as a ``note.added`` event)."""
    return NoteCreated(event_id=governance.add_note(uow, ref, body.body, actor=who.actor))


@router.get("/aging", tags=["reports"], **guard("ledger.read"))
def aging(
    app: AmicableApp, uow: Uow, as_of: AsOf = None, by_customer: bool = False
) -> dict[str, Any]:
    """Aging buckets per currency (and per customer when asked)."""
    return queries.aging(uow, _day(app, as_of), by_customer=by_customer).to_json()


@router.get("/dso", tags=["reports"], **guard("ledger.read"))
def dso(
    app: AmicableApp,
    uow: Uow,
    as_of: AsOf = None,
    days: Annotated[int, Query(ge=1, le=3660)] = 90,
    method: Literal["standard", "countback"] = "standard",
) -> dict[str, Any]:
    """DSO (standard or countback) and CEI per currency."""
    return queries.dso(uow, _day(app, as_of), days=days, method=method).to_json()
