"""ISO 20022 camt.053 (bank to customer statement) and camt.054 (debit/credit notification).

Any message version is accepted (``camt.053.001.02`` … ``.08`` and later): the namespace is read
from the document root and every lookup uses it. Each booked credit ``Ntry`` yields one
:class:`StatementEntry` per ``NtryDtls/TxDtls`` (a batch booking with several transactions becomes
several entries) or one for the entry itself when it has no transaction details.

Where the fields come from
--------------------------
* amount: ``TxDtls/Amt`` (v05+) or ``TxDtls/AmtDtls/TxAmt/Amt``, else ``Ntry/Amt``; the ``Ccy``
  attribute is the currency. ``CdtDbtInd`` ``CRDT`` is a credit, ``DBIT`` a debit.
* dates: ``BookgDt/Dt`` (or ``DtTm``), ``ValDt/Dt`` (or ``DtTm``).
* payer: ``RltdPties/Dbtr/Nm`` (v02-v07) or ``RltdPties/Dbtr/Pty/Nm`` (v08+); IBAN from
  ``RltdPties/DbtrAcct/Id/IBAN``.
* remittance: every ``RmtInf/Ustrd`` joined; structured reference ``RmtInf/Strd/CdtrRefInf/Ref``.
* identity: ``TxDtls/Refs/AcctSvcrRef``, else ``Ntry/AcctSvcrRef`` (with ``#n`` for the n-th
  transaction of a batch), else a content hash.

Only entries with status ``BOOK`` (``Sts`` or ``Sts/Cd``; or no status) are read; pending and
information-only entries are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree

from amicable.domain.errors import InvalidInput, InvalidMoney, UnknownCurrency
from amicable.domain.money import Money
from amicable.servicing.statement import (
    Statement,
    StatementEntry,
    StatementError,
    content_entry_id,
)

__all__ = ["parse_camt"]

_ROOTS = {
    "camt053": ("camt.053", "BkToCstmrStmt", "Stmt"),
    "camt054": ("camt.054", "BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}


class _EntryProblem(Exception):
    """A bad element inside one entry; becomes a StatementError, the file goes on."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


def _at(node: Any, path: str) -> str:
    return f"line {node.sourceline} ({path})"


@dataclass(frozen=True, slots=True)
class _Ns:
    uri: str

    def path(self, path: str) -> str:
        return "/".join(f"{{{self.uri}}}{step}" for step in path.split("/"))

    def find(self, node: Any, path: str) -> Any:
        return node.find(self.path(path))

    def findall(self, node: Any, path: str) -> list[Any]:
        return list(node.findall(self.path(path)))

    def text(self, node: Any, *paths: str) -> str:
        for path in paths:
            found = node.find(self.path(path))
            if found is not None and found.text and found.text.strip():
                return " ".join(found.text.split())
        return ""


def _safe_root(data: bytes, source: str) -> Any:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(f"{source}: not well-formed XML: {exc}") from None
    if tree.docinfo.doctype:
        raise InvalidInput(f"{source}: a DOCTYPE declaration is refused in a bank statement")
    return tree.getroot()


def _date(ns: _Ns, node: Any, path: str) -> date | None:
    if node is None:
        return None
    where = _at(node, path)
    text = ns.text(node, "Dt") or ns.text(node, "DtTm")[:10]
    if not text:
        raise _EntryProblem(where, "neither Dt nor DtTm")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _EntryProblem(where, f"{text!r} is not a date (YYYY-MM-DD)") from None


def _money(node: Any, path: str) -> Money:
    where = _at(node, path)
    code = node.get("Ccy")
    if not code:
        raise _EntryProblem(where, "amount has no Ccy attribute")
    try:
        return Money.of((node.text or "").strip(), code)
    except (InvalidMoney, UnknownCurrency) as exc:
        raise _EntryProblem(where, f"{exc}") from None


def parse_camt(data: bytes, *, source: str, expected: str | None = None) -> Statement:
    """Parse a camt.053 or camt.054 document (``expected`` checks which one it must be)."""
    root = _safe_root(data, source)
    tag = etree.QName(root)
    uri = tag.namespace or ""
    kind = next((k for k, (marker, _, _) in _ROOTS.items() if marker in uri), None)
    if tag.localname != "Document" or kind is None:
        raise InvalidInput(f"{source}: root {root.tag!r} is not a camt.053 or camt.054 Document")
    if expected is not None and expected != kind:
        raise InvalidInput(f"{source}: the file is {kind}, not {expected} ({uri})")
    ns = _Ns(uri)
    _, message, report = _ROOTS[kind]
    body = ns.find(root, message)
    if body is None:
        raise InvalidInput(f"{source}: line {root.sourceline}: missing {message} under Document")
    credits: list[StatementEntry] = []
    debits: list[StatementEntry] = []
    errors: list[StatementError] = []
    accounts: list[str] = []
    seen: dict[tuple[str, ...], int] = {}
    for r_index, stmt in enumerate(ns.findall(body, report), start=1):
        account = ns.text(stmt, "Acct/Id/IBAN", "Acct/Id/Othr/Id").replace(" ", "").upper()
        if account and account not in accounts:
            accounts.append(account)
        for n_index, ntry in enumerate(ns.findall(stmt, "Ntry"), start=1):
            path = f"{report}[{r_index}]/Ntry[{n_index}]"
            try:
                entries = _entries(ns, ntry, account, path, seen)
            except _EntryProblem as exc:
                errors.append(StatementError(source, exc.location, exc.message))
                continue
            for entry in entries:
                (credits if entry.is_credit else debits).append(entry)
    return Statement(
        kind, accounts[0] if accounts else "", tuple(credits), tuple(debits), tuple(errors), source
    )


def _entries(
    ns: _Ns, ntry: Any, account: str, path: str, seen: dict[tuple[str, ...], int]
) -> list[StatementEntry]:
    where = f"line {ntry.sourceline} ({path})"
    status = ns.text(ntry, "Sts/Cd", "Sts")
    if status and status != "BOOK":
        return []
    indicator = ns.text(ntry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise _EntryProblem(where, f"CdtDbtInd is {indicator!r}, expected CRDT or DBIT")
    amount_node = ns.find(ntry, "Amt")
    if amount_node is None:
        raise _EntryProblem(where, "missing Amt")
    entry_amount = _money(amount_node, f"{path}/Amt")
    booked = _date(ns, ns.find(ntry, "BookgDt"), f"{path}/BookgDt")
    valued = _date(ns, ns.find(ntry, "ValDt"), f"{path}/ValDt")
    booking_date = booked if booked is not None else valued
    value_date = valued if valued is not None else booked
    if booking_date is None or value_date is None:
        raise _EntryProblem(where, "neither BookgDt nor ValDt")
    entry_ref = ns.text(ntry, "AcctSvcrRef")
    details = [tx for nd in ns.findall(ntry, "NtryDtls") for tx in ns.findall(nd, "TxDtls")]
    sign = 1 if indicator == "CRDT" else -1
    results: list[StatementEntry] = []
    if not details:
        details = [None]
    for t_index, tx in enumerate(details, start=1):
        tx_where = (
            where if tx is None else f"line {tx.sourceline} ({path}/NtryDtls/TxDtls[{t_index}])"
        )
        scope = ntry if tx is None else tx
        amount = entry_amount
        if tx is not None:
            tx_path = f"{path}/NtryDtls/TxDtls[{t_index}]"
            tx_amount = ns.find(tx, "Amt")
            if tx_amount is None:
                tx_amount = ns.find(tx, "AmtDtls/TxAmt/Amt")
            if tx_amount is not None:
                amount = _money(tx_amount, f"{tx_path}/Amt")
            elif len(details) > 1:
                raise _EntryProblem(tx_where, "a batch transaction needs its own Amt")
        if amount.currency != entry_amount.currency:
            raise _EntryProblem(
                tx_where, f"{amount.code} differs from the entry's {entry_amount.code}"
            )
        signed = amount if sign > 0 else -amount
        payer = ns.text(scope, "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm")
        iban = ns.text(scope, "RltdPties/DbtrAcct/Id/IBAN").replace(" ", "").upper()
        ustrd = [
            " ".join(u.text.split())
            for u in scope.findall(ns.path("RmtInf/Ustrd"))
            if u.text and u.text.strip()
        ]
        remittance = " ".join(ustrd)
        structured = ns.text(scope, "RmtInf/Strd/CdtrRefInf/Ref")
        tx_ref = ns.text(tx, "Refs/AcctSvcrRef") if tx is not None else ""
        if tx_ref:
            bank_ref = tx_ref
        elif entry_ref:
            bank_ref = entry_ref if len(details) == 1 else f"{entry_ref}#{t_index}"
        else:
            bank_ref = ""
        if bank_ref:
            entry_id = f"{account or 'unknown'}:{bank_ref}"
        else:
            parts = (
                booking_date.isoformat(),
                value_date.isoformat(),
                signed.amount_str(),
                signed.code,
                payer,
                iban,
                structured,
                remittance,
                ns.text(tx, "Refs/EndToEndId") if tx is not None else "",
            )
            occurrence = seen.get(parts, 0)
            seen[parts] = occurrence + 1
            entry_id = content_entry_id(account, parts, occurrence)
        results.append(
            StatementEntry(
                entry_id=entry_id,
                account=account,
                booking_date=booking_date,
                value_date=value_date,
                amount=signed,
                payer_name=payer,
                payer_iban=iban,
                remittance=remittance,
                structured_reference=structured,
                bank_reference=bank_ref,
                location=tx_where,
            )
        )
    if len(details) > 1:
        total = Money.sum((abs(e.amount) for e in results), entry_amount.currency)
        if total != entry_amount:
            raise _EntryProblem(
                where, f"the batch's transactions sum to {total}, the entry says {entry_amount}"
            )
    return results
