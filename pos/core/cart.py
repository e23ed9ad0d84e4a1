"""The sale being built: lines, quantities, discounts and VAT-inclusive totals.

Quantities are integers in milli-units (1 pcs = 1000, 0.250 kg = 250). Shelf prices
include VAT, so discounts lower the gross and VAT is taken out of what is left,
per VAT rate. An order discount is spread over the lines in proportion to their
amounts (largest remainder), so every tiyn of it lands on a line and a VAT rate.
A sale is bounded (MAX_SALE_TIYN) as its prices (pos.core.money.MAX_PRICE_TIYN) and
quantities are: a typing slip never becomes an invoice for more than all bitcoin.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pos.core.catalog import Catalog, Product
from pos.core.money import (
    MAX_PRICE_TIYN, MoneyError, div_half_up, format_kzt, parse_decimal, percent_of, vat_included,
)

MILLI = 1000
MAX_QUANTITY_MILLI = 10_000 * MILLI
#: The largest sale before discounts: 10 000 000 000 KZT (ten units at the highest shelf price).
MAX_SALE_TIYN = 10 * MAX_PRICE_TIYN


class CartError(ValueError):
    """A cashier action that cannot be applied; the cart is left as it was."""


@dataclass(frozen=True)
class Discount:
    """Either a percentage (basis points, 500 = 5%) or a fixed amount in tiyn."""

    percent_bp: int = 0
    amount_tiyn: int = 0

    def __post_init__(self) -> None:
        if self.percent_bp and self.amount_tiyn:
            raise CartError("a discount is a percentage or an amount, not both")
        if not 0 <= self.percent_bp <= 10_000:
            raise CartError("a discount percentage must be between 0 and 100")
        if self.amount_tiyn < 0:
            raise CartError("a discount amount cannot be negative")

    def of(self, amount: int) -> int:
        """The discount on an amount, never more than the amount itself."""
        off = percent_of(amount, self.percent_bp) if self.percent_bp else self.amount_tiyn
        return min(off, amount)

    def to_dict(self) -> dict:
        return {"percent_bp": self.percent_bp, "amount_tiyn": self.amount_tiyn}

    @classmethod
    def from_dict(cls, data: dict) -> "Discount":
        return cls(int(data.get("percent_bp", 0)), int(data.get("amount_tiyn", 0)))


NO_DISCOUNT = Discount()


def parse_discount(text: str) -> Discount:
    """'10%' -> 10 percent; '150' or '150.50' -> that many tenge off."""
    text = text.strip()
    try:
        if text.endswith("%"):
            return Discount(percent_bp=parse_decimal(text[:-1], 2, "discount"))
        return Discount(amount_tiyn=parse_decimal(text, 2, "discount"))
    except MoneyError as exc:
        raise CartError(str(exc)) from None


def parse_quantity(text: str, product: Product) -> int:
    """Cashier-typed quantity -> milli-units; whole numbers only for pieces."""
    try:
        milli = parse_decimal(text, 3, "quantity")
    except MoneyError as exc:
        raise CartError(str(exc)) from None
    check_quantity(milli, product)
    return milli


def check_quantity(milli: int, product: Product) -> None:
    if milli <= 0:
        raise CartError("quantity must be more than zero")
    if milli > MAX_QUANTITY_MILLI:
        raise CartError(f"quantity {milli / MILLI:g} is more than {MAX_QUANTITY_MILLI // MILLI} — check it")
    if not product.weighed and milli % MILLI:
        raise CartError(f"{product.sku} is sold by the piece: the quantity must be a whole number")


@dataclass(frozen=True)
class Line:
    line_id: int
    product: Product
    quantity_milli: int
    discount: Discount = NO_DISCOUNT

    @property
    def gross(self) -> int:
        """Quantity x shelf price, half up to the tiyn."""
        return div_half_up(self.quantity_milli * self.product.price_tiyn, MILLI)

    @property
    def discount_tiyn(self) -> int:
        return self.discount.of(self.gross)

    @property
    def amount(self) -> int:
        return self.gross - self.discount_tiyn


@dataclass(frozen=True)
class TotalLine:
    """One line as it is charged: after its own discount and its share of the order's."""

    line: Line
    order_discount_tiyn: int
    vat_rate_bp: int

    @property
    def total(self) -> int:
        return self.line.amount - self.order_discount_tiyn


@dataclass(frozen=True)
class Totals:
    lines: tuple[TotalLine, ...]
    gross: int
    line_discounts: int
    order_discount: int
    total: int
    vat: dict[int, int]  # VAT rate in basis points -> VAT included in the total at that rate

    @property
    def vat_total(self) -> int:
        return sum(self.vat.values())


def allocate(amount: int, weights: list[int]) -> list[int]:
    """Split an amount over weights in proportion, largest remainder, summing exactly."""
    total = sum(weights)
    if total == 0 or amount == 0:
        return [0] * len(weights)
    shares = [amount * w // total for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in remainders[: amount - sum(shares)]:
        shares[i] += 1
    return shares


@dataclass
class Cart:
    catalog: Catalog
    vat_rates_bp: dict[str, int]
    lines: list[Line] = field(default_factory=list)
    order_discount: Discount = NO_DISCOUNT
    _next_id: int = 1

    def add(self, code: str, quantity_milli: int = MILLI) -> Line:
        """Add by barcode or SKU; scanning the same piece item again adds to its line."""
        product = self.catalog.lookup(code)
        if product is None:
            raise CartError(f"unknown barcode or SKU {code.strip()!r}")
        check_quantity(quantity_milli, product)
        for i, line in enumerate(self.lines):
            if line.product.sku == product.sku and not product.weighed:
                merged = replace(line, quantity_milli=line.quantity_milli + quantity_milli)
                check_quantity(merged.quantity_milli, product)
                self._check_sale(self.lines[:i] + [merged] + self.lines[i + 1:])
                self.lines[i] = merged
                return merged
        line = Line(self._next_id, product, quantity_milli)
        self._check_sale(self.lines + [line])
        self._next_id += 1
        self.lines.append(line)
        return line

    @staticmethod
    def _check_sale(lines: list[Line]) -> None:
        """CartError when lines would make the sale larger than MAX_SALE_TIYN (the cart is not changed)."""
        if sum(line.gross for line in lines) > MAX_SALE_TIYN:
            raise CartError(f"the sale would be more than {format_kzt(MAX_SALE_TIYN, 'KZT')} — check the quantity")

    def _index(self, line_id: int) -> int:
        for i, line in enumerate(self.lines):
            if line.line_id == line_id:
                return i
        raise CartError(f"no line {line_id} in the cart")

    def set_quantity(self, line_id: int, quantity_milli: int) -> None:
        i = self._index(line_id)
        check_quantity(quantity_milli, self.lines[i].product)
        changed = replace(self.lines[i], quantity_milli=quantity_milli)
        self._check_sale(self.lines[:i] + [changed] + self.lines[i + 1:])
        self.lines[i] = changed

    def set_line_discount(self, line_id: int, discount: Discount) -> None:
        i = self._index(line_id)
        self.lines[i] = replace(self.lines[i], discount=discount)

    def set_order_discount(self, discount: Discount) -> None:
        self.order_discount = discount

    def void(self, line_id: int) -> Line:
        return self.lines.pop(self._index(line_id))

    def clear(self) -> None:
        self.lines.clear()
        self.order_discount = NO_DISCOUNT

    def totals(self) -> Totals:
        return compute_totals(self.lines, self.order_discount, self.vat_rates_bp)

    def to_dict(self) -> dict:
        """The cart as plain data, so a sale in progress survives a power cut."""
        return {
            "lines": [
                {"line_id": l.line_id, "sku": l.product.sku, "quantity_milli": l.quantity_milli,
                 "discount": l.discount.to_dict()}
                for l in self.lines
            ],
            "order_discount": self.order_discount.to_dict(),
            "next_id": self._next_id,
        }

    def restore(self, data: dict) -> list[str]:
        """Rebuild from to_dict(); lines whose SKU left the catalog are dropped and named."""
        self.clear()
        dropped = []
        for item in data.get("lines", []):
            product = self.catalog.by_sku(item["sku"])
            if product is None:
                dropped.append(item["sku"])
                continue
            self.lines.append(Line(int(item["line_id"]), product, int(item["quantity_milli"]),
                                   Discount.from_dict(item.get("discount", {}))))
        self.order_discount = Discount.from_dict(data.get("order_discount", {}))
        self._next_id = int(data.get("next_id", len(self.lines) + 1))
        return dropped


def compute_totals(lines: list[Line], order_discount: Discount, vat_rates_bp: dict[str, int]) -> Totals:
    amounts = [line.amount for line in lines]
    subtotal = sum(amounts)
    order_off = order_discount.of(subtotal)
    shares = allocate(order_off, amounts)
    charged = tuple(
        TotalLine(line, share, vat_rates_bp[line.product.vat_class]) for line, share in zip(lines, shares)
    )
    by_rate: dict[int, int] = {}
    for item in charged:
        by_rate[item.vat_rate_bp] = by_rate.get(item.vat_rate_bp, 0) + item.total
    return Totals(
        lines=charged,
        gross=sum(line.gross for line in lines),
        line_discounts=sum(line.discount_tiyn for line in lines),
        order_discount=order_off,
        total=subtotal - order_off,
        vat={rate: vat_included(gross, rate) for rate, gross in sorted(by_rate.items())},
    )
