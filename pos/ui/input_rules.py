"""Cashier-typed values -> core values, with the refusal worded in the cashier's language.

The core decides what is acceptable (pos.core.cart, pos.core.money); these only
choose the translated words for its refusal, so a rule lives in one place. The
refusal quotes what was typed, shortened: a scanner or a stuck key can type
thousands of digits.
"""

from __future__ import annotations

from typing import Callable

from pos.core.cart import MILLI, CartError, Discount, check_quantity, parse_discount
from pos.core.catalog import Product
from pos.core.money import MoneyError, TooManyDigits, parse_decimal, parse_kzt
from pos.ui.dialogs.prompt import InputRejected

Tr = Callable[..., str]
SHOWN_CHARACTERS = 24


def shown(text: str) -> str:
    """What was typed, as quoted back: at most SHOWN_CHARACTERS, the rest as '…'."""
    text = text.strip()
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS - 1] + "…"


def read_quantity(tr: Tr, text: str, product: Product) -> int:
    try:
        milli = parse_decimal(text, 3, "quantity")
    except TooManyDigits:
        raise InputRejected(tr("error.qty_too_large", text=shown(text))) from None
    except MoneyError:
        raise InputRejected(tr("error.qty_not_number", text=shown(text))) from None
    try:
        check_quantity(milli, product)
    except CartError:
        if milli <= 0:
            key = "error.qty_positive"
        elif not product.weighed and milli % MILLI:
            key = "error.qty_whole"
        else:
            key = "error.qty_too_large"
        raise InputRejected(tr(key, text=shown(text))) from None
    return milli


def read_discount(tr: Tr, text: str) -> Discount:
    try:
        return parse_discount(text)
    except CartError:
        raise InputRejected(tr("error.discount", text=shown(text))) from None


def read_rate(tr: Tr, text: str) -> int:
    """A KZT per BTC rate as typed by the manager -> tiyn per BTC (positive)."""
    try:
        tiyn = parse_kzt(text)
    except MoneyError:
        raise InputRejected(tr("error.rate", text=shown(text))) from None
    if tiyn <= 0:
        raise InputRejected(tr("error.rate", text=shown(text)))
    return tiyn


def read_amount(tr: Tr, text: str) -> int:
    """Tenge as typed (a float, cash counted or handed over) -> tiyn, zero or more."""
    try:
        tiyn = parse_kzt(text)
    except MoneyError:
        raise InputRejected(tr("error.amount", text=shown(text))) from None
    if tiyn < 0:
        raise InputRejected(tr("error.amount", text=shown(text)))
    return tiyn


def read_code(tr: Tr, text: str) -> str:
    """A card slip's approval code as typed; the tender's own rules check it when the sale is made."""
    if not text.strip():
        raise InputRejected(tr("error.code_needed"))
    return text.strip()
