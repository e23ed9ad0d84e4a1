"""Sends the store's queued fiscal receipts to the register, in order, off the till's path.

A sale never waits for the register: the sale's store operation queues its receipt
(pos.store's FiscalJob), and this sender registers the queue, oldest first, whenever it
runs (a background thread, `start`). Exactly once, whatever stops it:

* every receipt carries its sale's (a return: its refund's) id as its external number, so sending it again after a
  kill or a lost answer (between the register's registration and the store's record of it)
  is recognised by the register, which gives the registration back (`recovered`) instead of
  registering a second sale (Webkassa's error 14, read back by the adapter);
* a receipt leaves the queue only in the store operation that records its registration.

A return refers to its sale's registration (ReturnBasisDetails), read when the return is
sent: the sale is ahead of it in the queue, so it is registered by then, or the return waits
behind it. A return whose sale was never registered here (sold before [fiscal] was on) or whose
attributes are not known (AlreadyRegistered) cannot refer to it: it is held for a person.

When the register cannot be reached (FiscalUnavailable) or needs a person (NeedsAttention),
the queue stops there and is tried again at the next round: receipts stay in sale order.
A receipt the register refuses (FiscalRejected) would block every later one forever, so it
is kept in the queue with the reason, skipped, and shown to a person (`state`: the status
bar says "fiscal receipt <id> refused: <reason>", with how many wait and the last error).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

from pos.core.fiscal import AlreadyRegistered, FiscalError, FiscalJob, FiscalQueueState, FiscalRegister, \
    FiscalRejected, FiscalUnavailable, FiscalZ, NeedsAttention, NoOpenShift, ReceiptError, Registration
from pos.core.ports import Store

log = logging.getLogger(__name__)
#: Seconds between rounds of the background sender (a round sends everything it can).
INTERVAL_SECONDS = 5.0
STOP_WAIT_SECONDS = 2.0


class FiscalSender:
    def __init__(self, store: Store, register: FiscalRegister) -> None:
        self._store, self._register = store, register
        self._round = threading.Lock()  # one round at a time: a receipt is never in flight twice
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error = ""  # what stopped the last round, for the status line and the log; "" when none
        self.state = FiscalQueueState()  # the queue after the last round, for the status bar (read, no I/O)

    def send_pending(self) -> int:
        """One round: register what is queued, in order, until the register fails. Blocking. Returns
        how many receipts were registered."""
        with self._round:
            self.last_error = ""
            sent = self._send(self._store.pending_fiscal())
            self.state = FiscalQueueState.of(self._store.pending_fiscal(), self.last_error)
            return sent

    def _send(self, pending: list[FiscalJob]) -> int:
        sent = 0
        for job in pending:
            if job.refused or not job.due:  # held for a person; a Bitcoin refund not yet paid
                continue
            try:
                registration = self._register.register(job.receipt(self._basis(job)))
            except _Waits:
                continue
            except AlreadyRegistered as exc:
                self._store.save_fiscal(job.registered(None, str(exc)))
                sent += 1
                continue
            except (FiscalRejected, ReceiptError) as exc:
                self._store.save_fiscal(replace(job, note=str(exc)))
                self.last_error = f"{job.id}: {exc}"
                log.warning("fiscal receipt %s refused, held for a person: %s", job.id, exc)
                continue
            except (FiscalUnavailable, NeedsAttention) as exc:
                self.last_error = str(exc)
                log.warning("fiscal receipt %s waits: %s", job.id, exc)
                return sent
            self._store.save_fiscal(job.registered(registration))
            sent += 1
        return sent

    def _basis(self, job: FiscalJob) -> Registration | None:
        """A return's basis: its sale's registration. _Waits while the sale is queued (held, or not
        reached this round); ReceiptError when the sale will never have one here."""
        if job.refund is None:
            return None
        sale = self._store.fiscal_job(job.sale)
        if sale is None:
            raise ReceiptError(f"sale {job.sale.id} was never registered here (sold with [fiscal] off?): register "
                               "its return by hand in the provider's cabinet")
        if not sale.done:
            raise _Waits()
        if sale.registration is None:
            raise ReceiptError(f"sale {job.sale.id}'s fiscal attributes are not known here ({sale.note}): register "
                               "its return by hand in the provider's cabinet")
        return sale.registration

    def close_shift(self) -> FiscalZ:
        """Blocking: the register's Z, after sending what is queued (its figures then count every
        sale the terminal's Z counts). A register that answers "no open shift" has closed it
        already: the answer to an earlier Z was lost, so the figures are not known here."""
        self.send_pending()
        try:
            return FiscalZ(self._register.z_report())
        except NoOpenShift as exc:
            return FiscalZ(None, f"the register's shift was closed already (an earlier Z's answer lost?): "
                                 f"its Z figures are in the provider's cabinet ({exc})")
        except FiscalError as exc:
            return FiscalZ(None, f"the register's shift is not closed: {exc}")

    def start(self, interval_seconds: float = INTERVAL_SECONDS) -> None:
        """Send in a daemon thread: now, then every `interval_seconds` until stop()."""
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.send_pending()
                except FiscalError as exc:  # a register's error outside the typed ones above
                    self.last_error = str(exc)
                    self.state = replace(self.state, last_error=self.last_error)
                except Exception:  # the store refusing (a damaged file): logged, tried again next round
                    log.exception("fiscal sender: round failed")
                self._stop.wait(interval_seconds)

        self._thread = threading.Thread(target=loop, name="fiscal-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """No new round; a receipt in flight is not waited for: a stop mid-send is safe (resent, recovered)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=STOP_WAIT_SECONDS)


class _Waits(Exception):
    """A return whose sale's receipt is still in the queue: it goes at a later round."""
