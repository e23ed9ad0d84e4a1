"""Who is at the till: a person's name, then their own PIN (pos.sale.day.Day.sign_in).

Two prompts in a row, used by the Shift screen (open, X, Z), by every sale and refund when a
shift left open by a restart has nobody signed in yet (at_the_till), and by a manager's decision on
an invoice (as_manager). A refused PIN keeps the PIN dialog open, with the reason (and the person's
lockout) under the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from pos.core.cashier import Cashier
from pos.core.ports import StoreError
from pos.sale.day import DayError
from pos.sale.till import THE_MANAGER
from pos.ui.dialogs.prompt import InputRejected, PromptDialog

if TYPE_CHECKING:
    from pos.ui.app import PosApp


def sign_in(app: PosApp, then: Callable[[Cashier], None]) -> None:
    """Ask for a name and that person's PIN; `then` gets the person (nothing happens on Esc)."""
    tr = app.tr

    def read_name(text: str) -> str:
        if not text.strip():
            raise InputRejected(tr("shift.name_needed"))
        return text.strip()

    def named(name: str | None) -> None:
        if name is None:
            return

        def check_pin(pin: str) -> Cashier:
            try:
                return app.day.sign_in(name, pin)
            except DayError as exc:
                raise InputRejected(app.reason(exc)) from None

        def signed_in(who: Cashier | None) -> None:
            if who is not None:
                then(who)

        app.push_screen(PromptDialog(tr("shift.pin_of", name=name), check_pin, password=True), signed_in)

    app.push_screen(PromptDialog(tr("shift.who"), read_name), named)


def at_the_till(app: PosApp, then: Callable[[], None]) -> None:
    """`then`, once somebody is at the till: a shift left open by a restart has nobody signed in,
    so whoever signs in first goes on with it (every record carries its cashier). Without a shift,
    or with someone signed in, `then` runs at once; a store that cannot be read says so, as everywhere."""
    try:
        nobody = app.day.cashier is None and app.day.shift is not None
    except StoreError as exc:
        app.store_failed(exc)
        return
    if not nobody:
        then()
        return

    def goes_on(who: Cashier) -> None:
        if app.day_step(lambda: app.day.continue_shift(who)) is not None:
            then()

    sign_in(app, goes_on)


def as_manager(app: PosApp, what: str, then: Callable[[str], None]) -> None:
    """`then` with the name of the manager who decides `what` (settling a late payment, closing an
    underpaid invoice, a hand-over the chain cannot confirm): once the shop has a manager among its
    people, that manager's own name and PIN, and the name goes on the invoice's record; before anyone
    is a manager, the terminal's manager PIN, on the record as THE_MANAGER."""
    try:
        has_manager = any(person.is_manager for person in app.day.people())
    except StoreError as exc:
        app.store_failed(exc)
        return
    if not has_manager:
        app.with_pin(lambda: then(THE_MANAGER), always=True)
        return

    def signed_in(who: Cashier) -> None:
        manager = app.day_step(lambda: app.day.manager(who, what))
        if manager is not None:
            then(manager.name)

    sign_in(app, signed_in)
