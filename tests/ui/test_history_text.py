"""The invoice history in Kazakh and Russian: every cause the core and the till write is translated."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from pos.core.invoice import HistoryEntry, Payment
from pos.core.payment import Policy, evaluate, unverified_not_found
from pos.i18n import Translator
from pos.sale.till import REFUND_NOTE, THE_MANAGER as MANAGER
from pos.ui.history_text import cause_text, history_line
from tests.core.test_invoice import T0, make
from tests.core.test_payment import TX1, TX2, seen


def every_cause() -> list[str]:
    """The causes of a set of lives an invoice can have, as the real rules write them."""
    policy = Policy(unverified_max_tiyn=10**9)
    lives = []
    inv = make()
    paid = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), policy)  # seen, handed over
    settled = evaluate(paid, seen(Payment(TX1, inv.amount_sat, height=101), tip=101, minutes=5), policy)
    lost = evaluate(paid, seen(minutes=3), policy)  # gone after hand-over
    lives += [settled, lost.acknowledge_lost(MANAGER, T0 + timedelta(minutes=4))]
    expired = evaluate(inv, seen(minutes=20), policy)
    part_expired = evaluate(evaluate(inv, seen(Payment(TX1, 10)), policy), seen(Payment(TX1, 10), minutes=20), policy)
    late = evaluate(expired, seen(Payment(TX2, inv.amount_sat), minutes=30), policy)
    lives += [part_expired, replace(late.transition("settled", f"settled by {MANAGER} after checking the payment",
                                                    T0 + timedelta(minutes=31)))]
    cancelled = inv.cancel(at=T0 + timedelta(minutes=1))
    lives.append(evaluate(cancelled, seen(Payment(TX1, inv.amount_sat), minutes=2), policy))
    under = evaluate(inv, seen(Payment(TX1, 10)), policy)
    lives.append(under.close_refund_owed(MANAGER, T0 + timedelta(minutes=3)))
    over = evaluate(inv, seen(Payment(TX1, inv.amount_sat + 5, height=100)), policy)
    lives.append(over.note(f"{REFUND_NOTE} (noted by {MANAGER})", T0 + timedelta(minutes=3)))
    unverified = inv.hand_over_unverified(MANAGER, T0 + timedelta(minutes=2))
    lives.append(unverified_not_found(unverified, policy, T0 + timedelta(days=2)))
    stuck = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), Policy(handover="settled"))
    lives.append(evaluate(stuck, seen(Payment(TX1, inv.amount_sat), minutes=60 * 25), policy))
    return sorted({entry.cause for life in lives for entry in life.history})


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_cause_is_translated(language):
    tr = Translator(language)
    causes = every_cause()
    assert len(causes) >= 15
    untranslated = [cause for cause in causes if cause_text(tr, cause) == cause]
    assert untranslated == []


def test_numbers_and_txids_are_kept_and_an_unknown_cause_is_shown_as_written():
    tr = Translator("ru")
    assert cause_text(tr, "paid: received 3178 of 3178 sat, 1 conf") == "оплачен: 3178 из 3178 сат, подтв. 1"
    assert TX1 in cause_text(tr, f"transaction(s) {TX1} disappeared (replaced or double-spent)")
    assert cause_text(tr, "something new") == "something new"
    line = history_line(tr, HistoryEntry(T0, "new", "processing", "full amount seen: received 5 of 5 sat, 0 conf"),
                        "25.11.2026 11:00")
    assert line == "25.11.2026 11:00 получен    вся сумма видна: 5 из 5 сат, подтв. 0"


def test_a_manager_named_on_the_record_is_named_after_the_translation():
    """A manager who signed in with their own PIN is on the record by name; the terminal's PIN names nobody."""
    tr = Translator("ru")
    assert cause_text(tr, "settled by Dana after checking the payment") == "проведён менеджером после проверки платежа (Dana)"
    assert cause_text(tr, "settled by the manager after checking the payment") == "проведён менеджером после проверки платежа"
    assert cause_text(tr, f"{REFUND_NOTE} (noted by [b]Ерлан[/b])") == "переплата возвращена покупателю (отметил менеджер) ([b]Ерлан[/b])"
