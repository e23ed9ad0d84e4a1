"""An invoice's history in the cashier's language.

The core writes each history entry's cause in English, for the log and the auditor (it is
part of the stored record and never changes). The screens show it translated: the causes
the core and the till write are recognised here by their fixed wording, their numbers and
txids kept; a cause not recognised (an older or newer wording) is shown as written.
"""

from __future__ import annotations

import re
from typing import Callable

from pos.core.invoice import HistoryEntry
from pos.sale.till import REFUND_NOTE, THE_MANAGER

Tr = Callable[..., str]

#: Who decided: a manager's name, or THE_MANAGER.
_WHO = r"(?P<who>.+?)"
_AMOUNTS = r"received (?P<received>\d+) of (?P<amount>\d+) sat, (?P<conf>\d+) conf"
#: (pattern of a whole cause, translation key). The key gets the pattern's named groups.
CAUSES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern + r"\Z"), key) for pattern, key in (
    (r"created", "history.created"),
    (r"paid: " + _AMOUNTS, "history.paid"),
    (r"full amount seen: " + _AMOUNTS, "history.seen"),
    (r"confirmed: " + _AMOUNTS, "history.confirmed"),
    (r"payment no longer seen: " + _AMOUNTS, "history.no_longer_seen"),
    (r"not confirmed within the monitoring window: " + _AMOUNTS, "history.not_confirmed"),
    (r"payment lost after hand-over: " + _AMOUNTS, "history.lost"),
    (r"handed over: " + _AMOUNTS + r"(, awaiting (?P<needed>\d+) confirmation\(s\))?", "history.handed_over"),
    (r"expired without full payment \(" + _AMOUNTS + r"\)", "history.expired_part_paid"),
    (r"expired without full payment", "history.expired"),
    (_AMOUNTS + r"(; new transaction\(s\) (?P<txids>[0-9a-f, ]+))?(?P<cancelled>; paid after it was cancelled: "
     r"refund the customer)?", "history.payments"),
    (r"transaction\(s\) (?P<txids>[0-9a-f, ]+) disappeared \(replaced or double-spent\)", "history.disappeared"),
    (r"cancelled by the cashier", "history.cancelled"),
    (r"settled by " + _WHO + r" after checking the payment", "history.settled_by_manager"),
    (r"lost payment acknowledged by " + _WHO, "history.acknowledged"),
    (r"underpaid \((?P<received>\d+) of (?P<amount>\d+) sat\): closed by " + _WHO + r", refund owed",
     "history.closed_refund_owed"),
    (r"refund owed to the customer", "history.refund_owed"),
    (re.escape(REFUND_NOTE) + r" \(noted by " + _WHO + r"\)", "history.refunded"),
    (r"handed over UNVERIFIED by " + _WHO + r": the chain could not be read; the payment is checked when it can",
     "history.unverified"),
    (r"handed over unverified, payment not found by the end of the monitoring window: " + _AMOUNTS,
     "history.unverified_not_found"),
    (r"UNVERIFIED hand-over: no payment found", "history.unverified_lost"),
))


def cause_text(tr: Tr, cause: str) -> str:
    for pattern, key in CAUSES:
        found = pattern.match(cause)
        if found:
            fields = {name: value or "" for name, value in found.groupdict().items()}
            who = fields.pop("who", THE_MANAGER)
            text = tr(key, **fields)
            if who != THE_MANAGER:  # the translation says "the manager"; a manager's own PIN names them
                text += f" ({who})"
            if fields.get("needed"):
                text += tr("history.awaiting", needed=fields["needed"])
            if fields.get("txids") and key == "history.payments":
                text += tr("history.new_transactions", txids=fields["txids"])
            if fields.get("cancelled"):
                text += tr("history.paid_after_cancel")
            return text
    return cause


def history_line(tr: Tr, entry: HistoryEntry, when: str) -> str:
    return f"{when} {tr('state.' + entry.to_state):<10} {cause_text(tr, entry.cause)}"
