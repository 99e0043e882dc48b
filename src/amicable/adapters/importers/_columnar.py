"""The columnar fast path for invoice files: Polars validates whole chunks of a plain CSV at once.

A chunk of ``batch_rows`` physical lines is read with Polars (all cells as text) and checked with
vectorised expressions for exactly the conditions under which the row parser
(:func:`~amicable.adapters.importers._readers.validate_invoice_rows`) accepts a row *without
doubt*. A chunk that passes becomes one :class:`~amicable.service.imports.InvoiceBatch` (integer
minor units, ISO dates — no per-row objects). Invariants:

* One implementation of the rules and messages: a chunk with ANY doubt (a bad or unusual cell,
  a blank line, a credit note written with symbols, a repeated number …) goes through the row
  parser, so errors are identical (line, column, value, message) to a plain row-by-row read.
* Line numbers are exact: a chunk is only read by Polars when it holds no quote character, no
  NUL and no bare carriage return, so one physical line is one row. From the first chunk that
  is not such plain bytes on, the rest of the file is read by the ``csv`` module exactly as the
  row path reads it (quoted cells may span lines).
* Memory is bounded by one chunk plus the invoice numbers already seen (for duplicates).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Final, cast

import polars as pl

from amicable.domain.errors import InvalidInput
from amicable.domain.money import CURRENCIES
from amicable.domain.records import InvoiceRecord, RowError
from amicable.service.imports import InvoiceBatch

from ._layouts import Layout
from ._readers import (
    locate_header,
    read_invoice_rows,
    shape_rows,
    validate_invoice_rows,
)
from ._source import is_xlsx

__all__ = ["DEFAULT_BATCH_ROWS", "fast_invoice_rows"]

DEFAULT_BATCH_ROWS: Final = 50_000
_MAX_AMOUNT_CHARS: Final = 16  # well inside a signed 64-bit number of minor units
# A cell with leading or trailing whitespace (Python's str.strip set) is left to the row path.
_EDGE_SPACE: Final = r"^[\s\x1c-\x1f]|[\s\x1c-\x1f]$"
_ISO_DATE: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_PLAIN_AMOUNT: Final = r"^-?[0-9]+(\.[0-9]+)?$"
_DISPUTED: Final = {"": False, "no": False, "yes": True, "false": False, "true": True}
_MINOR_UNITS: Final = {code: c.minor_units for code, c in CURRENCIES.items()}
_POW10: Final = {k: 10**k for k in range(0, 10)}

Item = InvoiceRecord | RowError | InvoiceBatch


def _plain_layout(layout: Layout) -> bool:
    return (
        layout.type_roles is None
        and not layout.group_customer
        and not layout.open_is_amount
        and not layout.report_rows
        and layout.decimal_separator == "."
        and layout.encoding in ("utf-8", "utf-8-sig")
    )


def fast_invoice_rows(
    path: Path, layout: Layout, batch_rows: int = DEFAULT_BATCH_ROWS
) -> Iterator[Item]:
    """What :func:`read_invoice_rows` yields, with runs of plain valid rows as batches."""
    if is_xlsx(path) or not _plain_layout(layout):
        yield from read_invoice_rows(path, layout)
        return
    located = locate_header(path, layout)
    if isinstance(located, RowError):
        yield located
        return
    header = located
    names = ("customer_id", "customer_name", "invoice_number", "issue_date", "due_date",
             "currency", "amount", "open_amount", "disputed", "description")  # fmt: skip
    if (
        header.delimiter != ","
        or not {"amount", "open_amount", "currency", "invoice_number"} <= header.index.keys()
        or "status" in header.index
        or "type" in header.index
        or any(name in header.index for name in layout.extra)
    ):
        yield from read_invoice_rows(path, layout)
        return
    cols = {name: header.at(name) for name in names}
    seen: dict[str, int] = {}
    with path.open("rb") as fh:
        for _ in range(header.line):
            if fh.readline().count(b'"') % 2:
                # A quoted cell spans lines above the data: physical lines are not rows here.
                yield from read_invoice_rows(path, layout)
                return
        line_no = header.line + 1
        while True:
            pos = fh.tell()
            lines = list(islice(fh, batch_rows))
            if not lines:
                return
            data = b"".join(lines)
            if b'"' in data or b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
                fh.seek(pos)
                yield from _rest_by_rows(fh, line_no, path, layout, header, seen)
                return
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                fh.seek(pos)
                yield from _rest_by_rows(fh, line_no, path, layout, header, seen)
                return
            batch = _batch(data, len(lines), line_no, header.width, cols, seen)
            if batch is not None:
                seen.update(zip(batch.number, batch.line, strict=True))
                yield batch
            else:
                rows = _csv_rows(io.StringIO(text, newline=""), line_no, path, layout.encoding)
                yield from validate_invoice_rows(
                    layout, header, shape_rows(rows, layout, header), seen
                )
            line_no += len(lines)


def _rest_by_rows(
    fh: io.BufferedReader,
    line_no: int,
    path: Path,
    layout: Layout,
    header: object,
    seen: dict[str, int],
) -> Iterator[InvoiceRecord | RowError]:
    from ._readers import _Header

    assert isinstance(header, _Header)
    handle = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    try:
        rows = _csv_rows(handle, line_no, path, layout.encoding)
        yield from validate_invoice_rows(layout, header, shape_rows(rows, layout, header), seen)
    finally:
        handle.detach()


def _csv_rows(
    handle: Iterable[str], first_line: int, path: Path, encoding: str
) -> Iterator[tuple[int, list[str]]]:
    # The row path's reading (``_source._csv_rows``) from a line on: same reader, same errors.
    try:
        reader = csv.reader(handle, delimiter=",")
        start = 1
        for cells in reader:
            yield first_line + start - 1, cells
            start = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path}: not readable as {encoding} text ({exc.reason} at byte {exc.start}); "
            "give the file's encoding in a mapping file (encoding: latin-1)"
        ) from None
    except csv.Error as exc:
        raise InvalidInput(f"{path}: malformed CSV: {exc}") from None


def _batch(
    data: bytes, n: int, line_no: int, width: int, cols: dict[str, int], seen: dict[str, int]
) -> InvoiceBatch | None:
    """The chunk as a batch when every row is plainly valid, else None (the row path decides)."""
    try:
        df = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            new_columns=[f"c{i}" for i in range(width)],
            schema_overrides={f"c{i}": pl.String for i in range(width)},
            infer_schema_length=0,
            empty_string_is_null=False,
            quote_char=None,
            eol_char="\n",
        )
    except Exception:  # any surprise (ragged lines …) is the row path's to judge
        return None
    if df.height != n or df.width != width:
        return None

    def col(name: str) -> pl.Expr:
        i = cols[name]
        return pl.col(f"c{i}").fill_null("") if i < width else pl.lit("", dtype=pl.String)

    num, cid, cname = col("invoice_number"), col("customer_id"), col("customer_name")
    issue, due, cur = col("issue_date"), col("due_date"), col("currency")
    amount, open_, disp, desc = (
        col("amount"),
        col("open_amount"),
        col("disputed"),
        col("description"),
    )
    mu = cur.replace_strict(_MINOR_UNITS, default=None, return_dtype=pl.Int64)

    def minor(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        body = raw.str.strip_prefix("-")
        whole = body.str.extract(r"^([0-9]+)", 1).cast(pl.Int64, strict=False)
        frac = body.str.extract(r"\.([0-9]+)$", 1).fill_null("")
        places = frac.str.len_chars().cast(pl.Int64)
        fits = (
            raw.str.contains(_PLAIN_AMOUNT)
            & (raw.str.len_chars() <= _MAX_AMOUNT_CHARS)
            & (places <= mu)
        )
        p_mu = mu.replace_strict(_POW10, default=None, return_dtype=pl.Int64)
        p_rest = (mu - places).replace_strict(_POW10, default=None, return_dtype=pl.Int64)
        value = whole * p_mu + frac.cast(pl.Int64, strict=False).fill_null(0) * p_rest
        return fits, pl.when(raw.str.starts_with("-")).then(-value).otherwise(value)

    a_fits, a_minor = minor(amount)
    o_fits, o_minor = minor(open_)

    def real_date(raw: pl.Expr) -> pl.Expr:
        return (
            raw.str.contains(_ISO_DATE)
            & (raw.str.slice(0, 4) != "0000")
            & raw.str.to_date("%Y-%m-%d", strict=False).is_not_null()
        )

    edge = pl.any_horizontal(
        [
            c.str.contains(_EDGE_SPACE)
            for c in (num, cid, cname, issue, due, cur, amount, open_, disp, desc)
        ]
    )
    out = df.select(
        num.alias("number"),
        pl.when(cid != "").then(cid).otherwise(cname).alias("ref"),
        pl.when(cname != "").then(cname).otherwise(None).alias("name"),
        issue.alias("issue"),
        due.alias("due"),
        cur.alias("currency"),
        a_minor.alias("amount"),
        o_minor.alias("open"),
        disp.replace_strict(_DISPUTED, default=None, return_dtype=pl.Boolean).alias("disputed"),
        pl.when(desc != "").then(desc).otherwise(None).alias("description"),
        (
            ~edge
            & (num != "")
            & ((cid != "") | (cname != ""))
            & real_date(issue)
            & real_date(due)
            & (due >= issue)
            & mu.is_not_null()
            & a_fits
            & o_fits
            & disp.is_in(list(_DISPUTED))
        )
        .fill_null(False)
        .alias("ok"),
    )
    if not out["ok"].all():
        return None
    a, o = out["amount"], out["open"]
    if not (((a >= 0) & (o >= 0) & (o <= a)) | ((a < 0) & (o <= 0) & (o >= a))).all():
        return None
    if out["number"].is_duplicated().any():
        return None
    numbers = cast("list[str]", out["number"].to_list())
    if not seen.keys().isdisjoint(numbers):
        return None
    return InvoiceBatch(
        line=list(range(line_no, line_no + n)),
        customer_ref=out["ref"].to_list(),
        customer_name=out["name"].to_list(),
        number=numbers,
        issue_iso=out["issue"].to_list(),
        due_iso=out["due"].to_list(),
        currency=out["currency"].to_list(),
        amount_minor=a.to_list(),
        open_minor=o.to_list(),
        disputed=out["disputed"].to_list(),
        description=out["description"].to_list(),
    )
