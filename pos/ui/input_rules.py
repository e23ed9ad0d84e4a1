"""Cashier-typed values -> core values, with the refusal worded in the cashier's language.

The core decides what is acceptable (pos.core.cart, pos.core.money); these only
choose the translated words for its refusal, so a rule lives in one place.
"""

from __future__ import annotations

from typing import Callable

from pos.core.cart import MILLI, CartError, Discount, check_quantity, parse_discount
from pos.core.catalog import Product
from pos.core.money import MoneyError, parse_decimal, parse_kzt
from pos.ui.dialogs.prompt import InputRejected

Tr = Callable[..., str]


def read_quantity(tr: Tr, text: str, product: Product) -> int:
    try:
        milli = parse_decimal(text, 3, "quantity")
    except MoneyError:
        raise InputRejected(tr("error.qty_not_number", text=text.strip())) from None
    try:
        check_quantity(milli, product)
    except CartError:
        if milli <= 0:
            key = "error.qty_positive"
        elif not product.weighed and milli % MILLI:
            key = "error.qty_whole"
        else:
            key = "error.qty_too_large"
        raise InputRejected(tr(key, text=text.strip())) from None
    return milli


def read_discount(tr: Tr, text: str) -> Discount:
    try:
        return parse_discount(text)
    except CartError:
        raise InputRejected(tr("error.discount", text=text.strip())) from None


def read_rate(tr: Tr, text: str) -> int:
    """A KZT per BTC rate as typed by the manager -> tiyn per BTC (positive)."""
    try:
        tiyn = parse_kzt(text)
    except MoneyError:
        raise InputRejected(tr("error.rate", text=text.strip())) from None
    if tiyn <= 0:
        raise InputRejected(tr("error.rate", text=text.strip()))
    return tiyn
