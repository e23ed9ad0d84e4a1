"""`pos export --from DATE --to DATE [--format csv|json] [--out FILE]`: the days for the accountant.

One row per sale line, per tender, per Bitcoin payment and per refund, for the business
days (Asia/Almaty) from DATE to DATE inclusive. Every row names its kind, sale, invoice,
terminal, cashier and time (Almaty and UTC), and carries amounts in KZT and sat, the rate
and its source, txids, states, the Bitcoin standing of the X/Z report (pos.core.report)
and `counted`: 1 when the row is in the report's figures. So the report's figures are sums
over rows: sales = amount of `line` rows counted, per tender = `tender` rows counted by
tender, Bitcoin side = `payment` rows by standing (sat), refunds = `refund` rows counted.

CSV choices (README, "Export for the accountant"):
  * UTF-8 with a byte-order mark: Excel reads a CSV without one in the local ANSI code page
    and garbles Cyrillic names; LibreOffice, Google Sheets and Python (utf-8-sig) skip it.
  * RFC 4180: comma separated, "." decimals, CRLF. In a spreadsheet whose locale uses a
    decimal comma, open it with the import dialog (Data > From Text) and say so there.
  * Formula injection: a text cell (names, SKUs, cashier, rate source...) beginning with
    =, +, -, @ (after any spaces; control characters such as tab and CR are spaces by then,
    pos.core.text.printable) gets a leading apostrophe, so the spreadsheet shows it as text.
    Number cells are written by this module from integers only and are never touched, so a
    refund's negative amount (money going out) stays a number that SUM adds.
JSON carries the same rows with integer tiyn and sat (amount_tiyn rather than amount_kzt).

The store is read through its read-only look (pos.store.read_store): no lock, not a byte
written, so the export runs beside the terminal that is selling; it reads the store as it
stood at one journal entry, so a closed day's rows still sum exactly to its Z.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Iterable, Iterator, NamedTuple, Sequence, TextIO

from pos.core.invoice import Invoice
from pos.core.localtime import almaty
from pos.core.money import Rate
from pos.core.refund import DONE, Refund
from pos.core.report import ReportError, as_sale, refund_standing, refunding_ids, sales_of, side_of, standing
from pos.core.tender import BITCOIN, BitcoinTender, CardTender, CashTender, TenderedSale, TenderError
from pos.core.text import printable

if TYPE_CHECKING:
    from pos.config import Config

LINE, TENDER, PAYMENT, REFUND = "line", "tender", "payment", "refund"
ROW_KINDS = (LINE, TENDER, PAYMENT, REFUND)
CSV, JSON = "csv", "json"
#: The longest period one export reads (a year and a day: 1 January to 1 January).
MAX_DAYS = 367
#: What makes a spreadsheet read a text cell as a formula (OWASP's list; tab and CR are already
#: spaces by then, and a formula behind leading spaces is neutralised too).
FORMULA_STARTS = ("=", "+", "-", "@")
EXIT_USAGE = 2

# (JSON key, CSV header, type): "text" is neutralised in CSV, "int" and "tiyn" are numbers
# ("tiyn" becomes KZT with two decimals in CSV; JSON keeps the integer).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("kind", "kind", "text"), ("sale", "sale", "text"), ("invoice", "invoice", "text"),
    ("line", "line", "int"), ("terminal", "terminal", "text"), ("cashier", "cashier", "text"),
    ("shift", "shift", "int"), ("time_almaty", "time_almaty", "text"), ("time_utc", "time_utc", "text"),
    ("sku", "sku", "text"), ("name", "name", "text"), ("quantity_milli", "quantity_milli", "int"),
    ("unit", "unit", "text"), ("unit_price_tiyn", "unit_price_kzt", "tiyn"),
    ("discount_tiyn", "discount_kzt", "tiyn"), ("vat_rate_bp", "vat_rate_bp", "int"),
    ("amount_tiyn", "amount_kzt", "tiyn"), ("amount_sat", "amount_sat", "int"),
    ("tender", "tender", "text"), ("tendered_tiyn", "tendered_kzt", "tiyn"), ("change_tiyn", "change_kzt", "tiyn"),
    ("approval_code", "approval_code", "text"), ("rate_tiyn_per_btc", "rate_kzt_per_btc", "tiyn"),
    ("rate_source", "rate_source", "text"), ("rate_time_utc", "rate_time_utc", "text"),
    ("address", "address", "text"), ("txid", "txid", "text"), ("state", "state", "text"),
    ("marks", "marks", "text"), ("standing", "standing", "text"), ("refund_of", "refund_of", "text"),
    ("counted", "counted", "int"),
)
KEYS = tuple(key for key, _, _ in COLUMNS)

Row = dict[str, Any]


class ExportError(Exception):
    """The export cannot be made; the message is for the person who asked."""


# ---- rows ----------------------------------------------------------------------
def _times(at: datetime) -> Row:
    return {"time_almaty": at.astimezone(almaty()).strftime("%Y-%m-%d %H:%M:%S"),
            "time_utc": at.astimezone(timezone.utc).isoformat(timespec="seconds")}


def _rate(rate: Rate | None) -> Row:
    if rate is None:
        return {}
    return {"rate_tiyn_per_btc": rate.tiyn_per_btc, "rate_source": rate.source,
            "rate_time_utc": rate.at.astimezone(timezone.utc).isoformat(timespec="seconds")}


def _invoice_fields(invoice: Invoice) -> Row:
    return {"invoice": invoice.id, "address": invoice.address, "state": invoice.state,
            "marks": " ".join(sorted(invoice.marks)), "standing": standing(invoice), **_rate(invoice.rate)}


def _row(kind: str, **fields: Any) -> Row:
    row = dict.fromkeys(KEYS)
    row.update(kind=kind, **fields)
    return row


def _sale_rows(sale: TenderedSale, invoices: dict[str, Invoice], counted: int, language: str) -> Iterator[Row]:
    """A sale's lines, then its tenders (a sale that counts nowhere has no tenders to show)."""
    common = {"sale": sale.id, "terminal": sale.terminal_id, "cashier": sale.cashier, "shift": sale.shift,
              **_times(sale.at)}
    alone = invoices.get(sale.id)  # a sale in Bitcoin alone is its invoice
    chain = _invoice_fields(alone) if alone else {}
    for number, line in enumerate(sale.lines, 1):
        yield _row(LINE, **common, **chain, line=number, sku=line.sku, name=line.name(language),
                   quantity_milli=line.quantity_milli, unit=line.unit, unit_price_tiyn=line.unit_price_tiyn,
                   discount_tiyn=line.discount_tiyn, vat_rate_bp=line.vat_rate_bp, amount_tiyn=line.total_tiyn,
                   counted=counted)
    if not counted:
        return
    for tender in sale.tenders:
        fields: Row = {"tender": tender.kind, "amount_tiyn": tender.amount_tiyn}
        if isinstance(tender, BitcoinTender):
            fields.update(_invoice_fields(invoices[tender.invoice_id]))
        elif isinstance(tender, CashTender):
            fields.update(tendered_tiyn=tender.tendered_tiyn, change_tiyn=tender.change_tiyn)
        elif isinstance(tender, CardTender):
            fields.update(approval_code=tender.approval_code)
        yield _row(TENDER, **common, **fields, counted=1)


def _payment_rows(invoice: Invoice, refunding: frozenset[str]) -> Iterator[Row]:
    counted = int(side_of(invoice, refunding) is not None)
    for payment in invoice.payments:
        yield _row(PAYMENT, sale=invoice.id, terminal=invoice.terminal_id, cashier=invoice.cashier,
                   **_times(invoice.created_at), **_invoice_fields(invoice), amount_sat=payment.amount_sat,
                   amount_tiyn=invoice.rate.to_tiyn(payment.amount_sat), txid=payment.txid, counted=counted)


def _refund_row(refund: Refund) -> Row:
    """Money going out: negative amounts (numbers, never neutralised in the CSV). Counted (in the
    report's refunds) when done and of a sale; every Bitcoin refund is on the Bitcoin side."""
    return _row(REFUND, sale=refund.sale_id, terminal=refund.terminal_id, cashier=refund.cashier,
                shift=refund.shift, **_times(refund.done_at or refund.requested_at), tender=refund.tender,
                amount_tiyn=-refund.amount_tiyn, amount_sat=-refund.amount_sat, approval_code=refund.approval_code,
                **_rate(refund.rate), address=refund.address, txid=refund.txid, state=refund.state,
                standing=refund_standing(refund) if refund.tender == BITCOIN else None,
                refund_of="sale" if refund.of_sale else "payment", counted=int(refund.state == DONE and refund.of_sale))


def export_rows(invoices: Iterable[Invoice], sales: Iterable[TenderedSale] = (),
                refunds: Iterable[Refund] = (), *, language: str = "ru") -> list[Row]:
    """Every row for these records, in time order (product names in `language`); the same
    records give the report's figures."""
    invoices, refunds = list(invoices), list(refunds)
    refunding = refunding_ids(refunds)
    by_id = {inv.id: inv for inv in invoices}
    counted = sales_of(invoices, sales)
    named = {invoice_id for sale in counted for invoice_id in sale.invoice_ids}
    groups: list[tuple[datetime, str, list[Row]]] = []
    for sale in counted:
        groups.append((sale.at, sale.id, list(_sale_rows(sale, by_id, 1, language))))
    for invoice in invoices:
        rows = [] if invoice.id in named else list(_sale_rows(as_sale(invoice), by_id, 0, language))
        groups.append((invoice.created_at, invoice.id, rows + list(_payment_rows(invoice, refunding))))
    for refund in refunds:
        groups.append((refund.done_at or refund.requested_at, refund.id, [_refund_row(refund)]))
    return [row for _, _, rows in sorted(groups, key=lambda g: (g[0], g[1])) for row in rows]


# ---- writing -------------------------------------------------------------------
def kzt(tiyn: int) -> str:
    """125050 -> '1250.50', -500 -> '-5.00': a number any spreadsheet reads, no grouping."""
    sign = "-" if tiyn < 0 else ""
    tenge, rest = divmod(abs(tiyn), 100)
    return f"{sign}{tenge}.{rest:02d}"


def text_cell(value: object) -> str:
    """Outside text as a spreadsheet must show it: no control characters, never a formula."""
    text = printable(value)
    return "'" + text if text.lstrip().startswith(FORMULA_STARTS) else text


def csv_cell(value: object, kind: str) -> str:
    if value is None:
        return ""
    if kind == "text":
        return text_cell(value)
    if not isinstance(value, int):  # numbers come from integers only: anything else is a bug here
        raise TypeError(f"a number column holds {value!r}")
    return kzt(value) if kind == "tiyn" else str(value)


def write_csv(rows: Iterable[Row], out: TextIO) -> None:
    """`out` is text with newline="" (csv writes CRLF itself), encoded utf-8-sig for the BOM."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header, _ in COLUMNS])
    for row in rows:
        writer.writerow([csv_cell(row[key], kind) for key, _, kind in COLUMNS])


def write_json(rows: Sequence[Row], out: TextIO, *, first: date, last: date) -> None:
    json.dump({"from": first.isoformat(), "to": last.isoformat(), "rows": list(rows)}, out, ensure_ascii=False,
              indent=1)
    out.write("\n")


# ---- the command ---------------------------------------------------------------
def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD") from None


def add_parser(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "export", parents=[common], help="sales, payments and refunds for the accountant (CSV or JSON)",
        description="One row per sale line, tender, Bitcoin payment and refund of the business days (Asia/Almaty) "
                    "from --from to --to. CSV: UTF-8 with BOM, comma separated, '.' decimals; formula-like text "
                    "is prefixed with an apostrophe. JSON: integer tiyn and sat.",
        epilog="The terminal may go on selling: the export reads the store without its lock and writes nothing.")
    parser.add_argument("--from", dest="first", type=_day, required=True, metavar="DATE",
                        help="first business day (Asia/Almaty), YYYY-MM-DD")
    parser.add_argument("--to", dest="last", type=_day, required=True, metavar="DATE",
                        help="last business day, inclusive")
    parser.add_argument("--format", choices=(CSV, JSON), default=CSV, help="csv (default) or json")
    parser.add_argument("--out", metavar="FILE", type=Path, help="write here instead of standard output")


def days(first: date, last: date) -> list[date]:
    if last < first:
        raise ExportError(f"--to {last} is before --from {first}")
    count = (last - first).days + 1
    if count > MAX_DAYS:
        raise ExportError(f"{count} days asked for: one export covers at most {MAX_DAYS} days")
    return [first + timedelta(days=n) for n in range(count)]


class Records(NamedTuple):
    """The records of some business days: what the rows and the report are made of."""

    invoices: Sequence[Invoice]
    sales: Sequence[TenderedSale] = ()
    refunds: Sequence[Refund] = ()


def read_days(directory: Path, wanted: list[date]) -> Records:
    """The invoices, sale records and refunds of those business days, from the store in
    `directory` (which must exist: an export never creates a store)."""
    from pos.core.ports import StoreError
    from pos.store import read_store

    if not directory.is_dir():
        raise ExportError(f"no store at {directory} ([store] path): nothing to export")
    try:
        return read_store(directory, lambda store: Records(
            [invoice for day in wanted for invoice in store.invoices_for_day(day)],
            [sale for day in wanted for sale in store.sales_for_day(day)],
            [refund for day in wanted for refund in store.refunds_for_day(day)]))
    except StoreError as exc:
        raise ExportError(f"{exc}: nothing exported") from None


def run_export(config: Config, args: argparse.Namespace, stdout: BinaryIO | None = None,
               read: Callable[[list[date]], Records] | None = None) -> int:
    """The command: 0 when written, 2 with one line on stderr when it cannot be.

    `read` gives the records of the days (default: this till's store; the back office's
    export reads the fleet's database, pos.commands.backoffice)."""
    try:
        wanted = days(args.first, args.last)
        records = read(wanted) if read is not None else read_days(config.store.directory, wanted)
        rows = export_rows(records.invoices, records.sales, records.refunds, language=config.ui.language)
        if args.out is None:
            _write(rows, args, stdout or sys.stdout.buffer)
        else:
            try:
                with open(args.out, "wb") as out:
                    _write(rows, args, out)
            except OSError as exc:
                raise ExportError(f"cannot write {args.out}: {exc.strerror or exc}") from None
            print(f"pos export: {len(rows)} row(s), {args.first} to {args.last}, in {args.out}", file=sys.stderr)
    except (ExportError, ReportError, TenderError) as exc:  # records that do not fit together are named too
        print(f"pos export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def _write(rows: list[Row], args: argparse.Namespace, out: BinaryIO) -> None:
    """The same bytes to a file or to standard output (a CSV redirected to a file keeps its BOM)."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig" if args.format == CSV else "utf-8", newline="")
    try:
        if args.format == CSV:
            write_csv(rows, text)
        else:
            write_json(rows, text, first=args.first, last=args.last)
        text.flush()
    finally:
        text.detach()  # the caller's stream stays open
