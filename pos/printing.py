"""The print service: every receipt goes through the store's persistent print queue.

A sale is never blocked or lost by the printer: submit() only writes a job to the
store (fast, fine on the UI thread); process_queue() does the printing (blocking:
the UI runs it in a thread worker and never cancels it halfway). A job is
finished only after its bytes went out and the printer then reports no problem;
otherwise it stays queued with its attempts and last error, and the next
process_queue() - when the printer is back - prints it. Each queued receipt
therefore prints once. A job is marked "sending" in the store just before its bytes
go out: a job found so after a crash or a power cut (between the paper and the
store's record of it) may be on paper already, so it is treated as below, "sent,
not confirmed", never printed a second time as an original.

A printer that takes the bytes but then does not answer its status query (no
DLE EOT support, a write-only device, a printer switched off mid-receipt) may or
may not have printed. Its job leaves the queue as "sent, not confirmed": printing
it again by itself could give the customer two originals, calling it printed
could give them none. The invoice's receipt record keeps the mark, the log names
it, and the cashier is told, who may print a COPY; a copy the printer confirms
clears the mark.

The first receipt of an invoice is its original; asking again while it waits
returns the waiting job, and a reprint (copy=True) says COPY and carries the
original's receipt number.

A sale paid in cash, by card or split (submit_sale) prints its slip the same way, listing
each tender; only a slip with a cash tender opens the drawer. With [fiscal] on, the sale's
slip never waits for the register: it prints at once, not fiscal, and a second job, queued
with it, prints the fiscal receipt (same number, the register's attributes and QR, no
drawer) once pos.sale.fiscal_sender has registered the sale; until then that job waits
without holding up the receipts behind it. Both jobs go into the store in one write, so a stop
never leaves the slip queued without its fiscal receipt. A fiscal receipt the register refused
(held for a person, who registers the sale in the provider's cabinet) will never have attributes
to print: its job leaves the queue, logged and said to the cashier (outcome "dropped"); the slip
is on paper already. A reprint (copy=True) of a sale's slip is a COPY once its original is
remembered, as an invoice's. A sale paid in Bitcoin alone does the same: with [fiscal] on, the
original slip of an invoice handed over (submit) is queued with its fiscal receipt's job (of
as_sale(invoice), which Day queues for the register at that hand-over, just after the app's
submit: until it is in the store the job waits too); that slip then prints without the fiscal
block, which only its fiscal receipt carries. A COPY of an invoice's slip carries the block once
the sale is registered, as does an original queued before fiscal receipts were (no job with it).

A refund's return receipt (submit_return) is one job of its own, queued when the refund is done
(its refund slip printed at once, outside the queue, by the refund screen): it waits, as a sale's
fiscal receipt does, until the register has registered the return, then prints the fiscal return
receipt (pos.core.refund_slip.build_return_receipt); one the register refused is dropped the same
way. Its receipt record (receipt_key of the refund) makes a second submit return the first job,
so the app may offer a start's refunds again (a stop between the refund and its queueing).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Callable, Literal

from drivers import open_printer
from drivers.base import Printer, PrinterError
from drivers.escpos import ProfileError
from pos.config import Config
from pos.core.fiscal import Registration
from pos.core.invoice import Invoice
from pos.core.ports import PrinterStatus, PrintJob, Store
from pos.core.receipt import Receipt, ReceiptSettings, build_receipt, build_sale_receipt
from pos.core.refund import DONE, Refund
from pos.core.refund_slip import build_return_receipt
from pos.core.report import as_sale
from pos.core.tender import TenderedSale

RECEIPT_COUNTER = "receipt"
JOB_COUNTER = "print_job"

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def receipt_key(document: str) -> str:
    """The store state recording an invoice's or a sale's original receipt (its number and job)."""
    return f"receipt:{document}"


def receipt_settings(config: Config) -> ReceiptSettings:
    return ReceiptSettings(
        merchant_name=config.merchant.name, merchant_bin=config.merchant.bin,
        merchant_address=config.merchant.address, footer=config.merchant.footer,
        cashier=config.terminal.cashier, language=config.ui.language, columns=config.printer.columns)


#: printed: sent and confirmed; unconfirmed: sent, the printer did not answer afterwards
#: (the job left the queue); failed: not printed, the job waits in the queue; dropped: never to be
#: printed (a sale's fiscal receipt the register refused), the job left the queue.
Outcome = Literal["printed", "unconfirmed", "failed", "dropped"]


@dataclass(frozen=True)
class PrintResult:
    job: PrintJob  # as it now stands in the store (attempts and last_error updated on failure)
    outcome: Outcome
    error: str = ""  # why it failed, why it is not confirmed, or why it was dropped

    @property
    def printed(self) -> bool:
        return self.outcome == "printed"


class _Unconfirmed(Exception):
    """The receipt went out, but the printer gave no status afterwards: the message says why."""


class _NotYet(Exception):
    """A sale's fiscal receipt whose sale the register has not registered yet: it waits its turn."""


class _Refused(Exception):
    """A sale's fiscal receipt the register refused: nothing will ever print; the message says why."""


class PrintService:
    def __init__(self, store: Store, printer: Printer, config: Config,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store, self.printer, self.clock = store, printer, clock
        self.settings = receipt_settings(config)
        self.fiscal = config.fiscal.provider != "none"
        self.last_status = PrinterStatus(None, (), "not checked yet")
        self._queue_lock = threading.Lock()  # short store bookkeeping; submit() never waits on the printer
        self._printer_lock = threading.Lock()  # one user of the printer at a time

    # ---- the queue (fast: store writes only) ------------------------------------
    def submit(self, invoice: Invoice, copy: bool = False) -> PrintJob:
        """Queue the invoice's receipt; print it with process_queue(). The invoice of a sale paid in
        Bitcoin alone, handed over, has its original queued with its fiscal receipt's job when
        [fiscal] is on (the module doc); a split's invoice prints its sale's slip (submit_sale)."""
        fiscal = as_sale(invoice) if self.fiscal and invoice.handed_over else None
        return self._queue(invoice.id, copy, invoice_id=invoice.id, fiscal_after=fiscal)

    def submit_sale(self, sale: TenderedSale, copy: bool = False) -> PrintJob:
        """Queue the slip of a sale paid in cash, by card or split (its original; asking again
        returns that job; copy=True, a reprint), and with its original, when its fiscal receipt
        is queued for the register, a job for that receipt (see the module doc)."""
        fiscal = sale if self.store.fiscal_job(sale) is not None else None
        return self._queue(sale.id, copy, sale=sale, fiscal_after=fiscal)

    def submit_return(self, refund: Refund) -> PrintJob | None:
        """Queue the fiscal return receipt of a refund done whose return is queued for the register
        (once: asking again returns that job); None when it has none (fiscal off, money sent back
        without a sale, a Bitcoin refund not yet paid)."""
        fiscal = self.store.fiscal_job(refund) if refund.state == DONE else None
        if fiscal is None:
            return None
        with self._queue_lock:
            record = self.store.get_state(receipt_key(refund.id))
            if record is not None:
                return PrintJob.from_dict(record["job"])
            job = PrintJob(id=self._job_id(), invoice_id="", created_at=self.clock(), fiscal=True,
                           receipt_no=self.store.next_counter(RECEIPT_COUNTER), sale=fiscal.sale, refund=refund)
            self.store.enqueue_print(job)
            self._remember(job)
            return job

    def _queue(self, document: str, copy: bool, *, invoice_id: str = "", sale: TenderedSale | None = None,
               fiscal_after: TenderedSale | None = None) -> PrintJob:
        """The document's receipt job (see submit); with its original, when `fiscal_after` is the
        sale queued for the register, the job of that sale's fiscal receipt, in the same write."""
        with self._queue_lock:
            for job in self.store.pending_prints():
                if job.document == document and not job.fiscal:
                    return job
            record = self.store.get_state(receipt_key(document))
            if record is not None and not copy:
                return PrintJob.from_dict(record["job"])
            number = record["number"] if record else self.store.next_counter(RECEIPT_COUNTER)
            job = PrintJob(id=self._job_id(), invoice_id=invoice_id, created_at=self.clock(), copy=record is not None,
                           receipt_no=number, sale=sale)
            jobs = [job]
            if fiscal_after is not None and record is None:
                jobs.append(replace(job, id=self._job_id(), fiscal=True, sale=fiscal_after))
            self.store.enqueue_print(*jobs)  # first, in one write: a crash after it leaves both, never a lost receipt
            if record is None:
                self._remember(job)
            return job

    def _job_id(self) -> str:
        return f"P{self.store.next_counter(JOB_COUNTER):06d}"

    def pending(self) -> list[PrintJob]:
        return self.store.pending_prints()

    def unconfirmed(self, document: str) -> bool:
        """The invoice's (or sale's) last receipt was sent but the printer never confirmed it (see the module doc)."""
        record = self.store.get_state(receipt_key(document))
        return bool(record and record.get("unconfirmed"))

    def _remember(self, job: PrintJob, unconfirmed: str = "") -> None:
        """The invoice's receipt record: its original's number and job, and whether the last
        receipt sent for it is unconfirmed (which job, and why)."""
        record = self.store.get_state(receipt_key(job.document))
        if record is None and (job.copy or (job.fiscal and job.refund is None)):
            return  # a copy (or a sale's fiscal receipt) is only ever made of a remembered original
        new = dict(record) if record else {"number": job.receipt_no, "job": job.to_dict()}
        new.pop("unconfirmed", None)
        if unconfirmed:
            new["unconfirmed"] = {"job": job.id, "reason": unconfirmed}
        if new != record:
            self.store.put_state(receipt_key(job.document), new)

    def _sent_before_a_stop(self, job: PrintJob) -> PrintResult:
        """The terminal stopped while this job's bytes were going out: maybe on paper, maybe not."""
        reason = "the terminal stopped while the receipt was printing"
        log.warning("receipt %06d of %s (job %s) sent, but not confirmed: %s", job.receipt_no, job.document,
                    job.id, reason)
        with self._queue_lock:
            self._remember(job, reason)
            self.store.finish_print(job.id)
        return PrintResult(job, "unconfirmed", reason)

    def _dropped(self, job: PrintJob, reason: str) -> PrintResult:
        log.warning("fiscal receipt %06d of %s %s (job %s) dropped from the print queue (its slip printed "
                    "already): the register refused it: %s", job.receipt_no, "sale" if job.refund is None else "refund",
                    job.document, job.id, reason)
        with self._queue_lock:
            self.store.finish_print(job.id)
        return PrintResult(job, "dropped", reason)

    def _failed(self, job: PrintJob, error: str) -> PrintResult:
        with self._queue_lock:
            job = replace(job, attempts=job.attempts + 1, last_error=error, sending=False)
            self.store.update_print(job)
        return PrintResult(job, "failed", error)

    # ---- printing (blocking: run in a worker) ----------------------------------
    def process_queue(self) -> list[PrintResult]:
        """Print every pending job once, oldest first; stop at the first printer fault."""
        results: list[PrintResult] = []
        with self._printer_lock:
            status: PrinterStatus | None = None
            for job in self.store.pending_prints():
                if job.sending:
                    results.append(self._sent_before_a_stop(job))
                    continue
                try:
                    receipt = self._receipt(job)
                except _NotYet:
                    continue
                except _Refused as exc:
                    results.append(self._dropped(job, str(exc)))
                    continue
                if isinstance(receipt, str):
                    results.append(self._failed(job, receipt))
                    continue
                if receipt is None:
                    log.info("sale %s: the register holds it, but gave no attributes to print", job.document)
                    with self._queue_lock:
                        self.store.finish_print(job.id)
                    continue
                try:
                    status = self._print(job, receipt, status)
                    unconfirmed = ""
                except _Unconfirmed as exc:
                    status, unconfirmed = self.last_status, str(exc)
                    log.warning("receipt %06d of %s (job %s) sent, but the printer did not confirm it: %s",
                                job.receipt_no, job.document, job.id, unconfirmed)
                except PrinterError as exc:
                    results.append(self._failed(job, str(exc)))
                    break
                with self._queue_lock:
                    self._remember(job, unconfirmed)
                    self.store.finish_print(job.id)  # never printed again by itself: it may be on paper
                results.append(PrintResult(job, "unconfirmed", unconfirmed) if unconfirmed
                               else PrintResult(job, "printed"))
        return results

    def _receipt(self, job: PrintJob) -> Receipt | str | None:
        """The job's paper as it stands now; a string says why it cannot be made (kept queued),
        None that there is nothing to print (a fiscal receipt the register gave no attributes for);
        _NotYet while a sale's fiscal receipt waits for the register, _Refused once it refused it."""
        if job.invoice_id or job.sale is None:  # an invoice's slip, or the fiscal receipt of the sale it is alone
            return self._invoice_receipt(job)
        registration = self._registration(job.refund or job.sale) if job.fiscal else None
        if job.fiscal and registration is None:
            return None
        if job.refund is not None and registration is not None:  # a return's: always fiscal
            return build_return_receipt(job.refund, job.sale, self.settings, fiscal=registration,
                                        number=job.receipt_no, now=self.clock())
        invoices = {invoice.id: invoice for invoice in map(self.store.get_invoice, job.sale.invoice_ids) if invoice}
        receipt = build_sale_receipt(job.sale, invoices, self.settings, number=job.receipt_no, now=self.clock(),
                                     copy=job.copy, fiscal=registration)
        return replace(receipt, open_drawer=False) if job.fiscal else receipt  # the slip opened it

    def _invoice_receipt(self, job: PrintJob) -> Receipt | str | None:
        """An invoice's slip (the fiscal block only when no fiscal receipt job comes with its
        original: the module doc) or, for a fiscal job, its sale's fiscal receipt once registered."""
        invoice = self.store.get_invoice(job.invoice_id)
        if invoice is None:
            return f"invoice {job.invoice_id} is not in the store"
        sale = as_sale(invoice)
        if job.fiscal:
            if self.store.fiscal_job(sale) is None:
                raise _NotYet()  # Day queues it at the hand-over, just after this job was queued
            registration = self._registration(sale)
            if registration is None:
                return None
        elif not job.copy and self._fiscal_follows(job):
            registration = None
        else:
            fiscal = self.store.fiscal_job(sale)  # registered by now: the slip is the fiscal receipt
            registration = fiscal.registration if fiscal else None
        return build_receipt(invoice, self.settings, number=job.receipt_no, now=self.clock(), copy=job.copy,
                             fiscal=registration)

    def _fiscal_follows(self, slip: PrintJob) -> bool:
        """The invoice's original slip was queued with its fiscal receipt's job (which always
        prints after it: still in the queue when the slip prints)."""
        return any(job.fiscal and job.invoice_id == slip.invoice_id for job in self.store.pending_prints())

    def _registration(self, record: TenderedSale | Refund) -> Registration | None:
        """What the register gave back for a sale (or a return); None when it holds it but gave no
        attributes (or none was queued); _NotYet while queued for it, _Refused once it refused it."""
        fiscal = self.store.fiscal_job(record)
        if fiscal is not None and fiscal.refused:
            raise _Refused(fiscal.note)
        if fiscal is not None and not fiscal.done:
            raise _NotYet()
        return None if fiscal is None else fiscal.registration

    def _print(self, job: PrintJob, receipt: Receipt, before: PrinterStatus | None) -> PrinterStatus:
        """Status, receipt, status; returns the last status (the next job's `before`).

        Raises PrinterError when the receipt was not printed (before it was sent, or a
        problem right after it), _Unconfirmed when it went out but the printer then
        gave no status at all.
        """
        self._ready(before or self._status())
        with self._queue_lock:
            self.store.update_print(replace(job, sending=True))  # from here on it may reach the paper
        self._send(receipt)
        after = self._status()
        if after.ok is False:
            raise PrinterError(f"after printing: {after.detail}", after.problems[0] if after.problems else "error")
        if after.ok is None:
            raise _Unconfirmed(after.detail)
        return after

    def print_report(self, report: Receipt) -> PrinterStatus:
        """Blocking: an X or Z report's paper, now (not queued: a report is asked for at the
        printer, and asked again if it did not come out). PrinterError when it was not printed."""
        with self._printer_lock:
            self._ready(self._status())
            self._send(report)
            return self._status()

    @staticmethod
    def _ready(before: PrinterStatus) -> None:
        """PrinterError when the printer said, before the paper was sent, that it cannot print."""
        if before.ok is False:
            raise PrinterError(before.detail, before.problems[0] if before.problems else "error")

    def _send(self, receipt: Receipt) -> None:
        try:
            self.printer.print_receipt(receipt)
        except PrinterError as exc:
            self.last_status = exc.status()
            raise

    def _status(self) -> PrinterStatus:
        self.last_status = self.printer.status()
        return self.last_status

    def status(self) -> PrinterStatus:
        """Ask the printer (blocking, up to a few seconds while a receipt prints)."""
        with self._printer_lock:
            return self._status()


def probe_printer(config: Config) -> tuple[bool, str]:
    """For `pos check`: (True only when the printer answered ok, a line saying what was found)."""
    p = config.printer
    where = {"serial": f"serial {p.port} at {p.baudrate} baud", "file": f"device {p.device}",
             "mock": "mock printer" + (f" (also to {p.mock_file})" if p.mock_file else "")}[p.driver]
    try:
        printer = open_printer(p)
    except ProfileError as exc:
        return False, f"{where}: {exc}"
    with printer:
        status = printer.status()
    return status.ok is True, f"{where}: {status.state}, {status.detail}"
