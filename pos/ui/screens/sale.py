"""Sale: scan or type products, edit the cart, see the totals, then Charge.

The scan field keeps the focus: USB barcode scanners type digits and Enter like a
keyboard, and the cashier's arrows still move the cart cursor. `3*CODE` adds three.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from pos.core.cart import MILLI, CartError, Discount, Line
from pos.core.catalog import Product
from pos.core.tender import CashTender, TenderedSale
from pos.core.text import printable
from pos.ui.dialogs.confirm import ConfirmDialog
from pos.ui.dialogs.picker import ProductPicker
from pos.ui.dialogs.prompt import InputRejected, PromptDialog
from pos.ui.format import SUM_WIDTH, amount, quantity
from pos.ui.dialogs.sign_in import at_the_till
from pos.ui.dialogs.tender import OtherTender, TenderDialog
from pos.ui.input_rules import read_amount, read_code, read_discount, read_quantity
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.status_bar import StatusBar
from pos.ui.base import PosNode


class SaleScreen(PosNode, Screen[None]):
    CSS_PATH = "sale.tcss"
    _footer_editing = False

    BINDINGS = [
        Binding("f2", "quantity", "key.quantity"),
        Binding("f3", "line_discount", "key.line_discount"),
        Binding("f4", "order_discount", "key.order_discount"),
        # not in the footer (no room at 80 columns in Russian and Kazakh): the Void question names it
        Binding("f5", "clear_sale", "key.clear_sale", show=False),
        Binding("f8", "void", "key.void"),
        Binding("f9", "history", "key.history"),
        # not in the footer (no room at 80 columns): History names it too (F3 on an invoice)
        Binding("f6", "refund", "key.refund", show=False),
        # not in the footer (no room at 80 columns): the totals line names it under the TOTAL
        Binding("f7", "other_tender", "key.other_tender", show=False),
        Binding("f10", "charge", "key.charge"),
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("escape", "clear_scan", show=False),
    ]

    def compose(self) -> ComposeResult:
        tr = self.pos.tr
        self._footer_editing = bool(self.cart.lines)  # what the footer composed below shows
        yield StatusBar()
        with Horizontal(id="scan-row"):
            yield Label(tr("sale.scan_label"), id="scan-label")
            yield Input(placeholder=tr("sale.scan_placeholder"), compact=True, id="scan")
        table: DataTable = DataTable(id="cart", cursor_type="row", zebra_stripes=False)
        # 80 columns = these widths + 2 of padding each + a 2-column scrollbar; the sign is in
        # the headings, so Sum holds the largest sale and Price a price up to 9 999 999.99.
        table.add_column("#", width=3, key="n")
        table.add_column(tr("sale.col_name"), width=27, key="name")
        table.add_column(tr("sale.col_qty"), width=9, key="qty")
        table.add_column(self._amount_heading("sale.col_price"), width=12, key="price")
        table.add_column(self._amount_heading("sale.col_total"), width=SUM_WIDTH, key="total")
        yield table
        yield Static(id="totals")
        yield MessageLine()
        yield PosFooter()

    def on_mount(self) -> None:
        self.show_cart()
        dropped = getattr(self.app, "cart_dropped", [])
        if dropped:
            self.say(self.pos.tr("sale.restored_dropped", skus=", ".join(dropped)), error=True)
        self.query_one("#scan", Input).focus()

    async def language_changed(self) -> None:
        message = self.query_one(MessageLine)
        text, error = message.text, message.has_class("-error")
        await self.recompose()
        self.show_cart()
        self.query_one(MessageLine).show(text, error=error)
        self.query_one("#scan", Input).focus()

    # ---- what the cashier sees -------------------------------------------
    @property
    def cart(self):  # the sale lives in the app, so it survives screens and restarts
        return self.pos.cart

    def say(self, text: str, *, error: bool = False) -> None:
        self.query_one(MessageLine).show(text, error=error)

    def show_cart(self, select_line: int | None = None) -> None:
        app = self.pos
        tr = app.tr
        table = self.query_one("#cart", DataTable)
        previous = self.selected_line()
        table.clear()
        totals = self.cart.totals()
        for n, item in enumerate(totals.lines, start=1):
            line = item.line
            name = line.product.name(app.language)
            if line.discount_tiyn:
                name = f"{name} (-{amount(line.discount_tiyn)})"
            # Text, not str: DataTable reads a str cell as markup, and names come from the catalog file
            qty = f"{quantity(line.quantity_milli, line.product.unit)} {tr('unit.' + line.product.unit)}"
            table.add_row(str(n), Text(printable(name)), qty, Text(amount(line.product.price_tiyn), justify="right"),
                          Text(amount(line.amount), justify="right"), key=str(line.line_id))
        target = select_line if select_line is not None else (previous.line_id if previous else None)
        if target is not None and str(target) in table.rows:
            table.move_cursor(row=table.get_row_index(str(target)))
        elif table.row_count:
            table.move_cursor(row=table.row_count - 1)
        self.query_one("#totals", Static).update(self._totals_text(totals))
        if bool(self.cart.lines) != self._footer_editing:  # F2-F8 are greyed on an empty cart
            self._footer_editing = bool(self.cart.lines)
            self.refresh_bindings()  # the footer rebuilds all its keys: only when they change

    def _amount_heading(self, key: str) -> Text:
        return Text(f"{self.pos.tr(key)}, {self.pos.currency}", justify="right")

    def _totals_text(self, totals) -> str:
        app = self.pos
        tr = app.tr
        parts = [tr("sale.items", count=len(totals.lines))]
        discount = totals.line_discounts + totals.order_discount
        if discount:
            parts.append(tr("sale.discount", amount=app.kzt(discount)))
        for rate_bp, vat in totals.vat.items():
            if rate_bp:
                parts.append(tr("sale.vat", rate=f"{rate_bp / 100:g}", amount=app.kzt(vat)))
        total = tr("sale.total", amount=app.kzt(totals.total))
        if totals.lines:
            total = f"{total}   {tr('sale.other_tender_hint')}"
        return "   ".join(parts) + "\n" + total

    def selected_line(self) -> Line | None:
        table = self.query_one("#cart", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((line for line in self.cart.lines if str(line.line_id) == key), None)

    def cart_changed(self, select_line: int | None = None) -> None:
        self.pos.save_cart()
        self.show_cart(select_line)

    # ---- scanning ----------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        if self.pos.charging:  # the invoice is being made from the cart as it is
            self.say(self.pos.tr("sale.charging"))
            return
        event.input.value = ""
        tr = self.pos.tr
        count_text, _, code = text.rpartition("*")
        code = code.strip()
        product = self.pos.services.catalog.lookup(code)
        if product is None:
            found = self.pos.services.catalog.search(code)
            if not found:
                self.say(tr("error.unknown_code", code=code), error=True)
                return
            def picked(chosen: Product | None) -> None:
                if chosen is not None:
                    self.add_product(chosen, count_text)

            self.pos.push_screen(ProductPicker(code, found), picked)
            return
        self.add_product(product, count_text)

    def add_product(self, product: Product, count_text: str = "") -> None:
        tr = self.pos.tr
        if count_text.strip():
            try:
                milli = read_quantity(tr, count_text, product)
            except InputRejected as exc:
                self.say(str(exc), error=True)
                return
            self._add(product, milli)
        elif product.weighed:
            def weighed(milli: int | None) -> None:
                if milli:
                    self._add(product, milli)

            self.pos.push_screen(self._quantity_dialog(product), weighed)
        else:
            self._add(product, MILLI)

    def _quantity_dialog(self, product: Product, value: str = "") -> PromptDialog[int]:
        tr = self.pos.tr
        name = product.name(self.pos.language)
        return PromptDialog(tr("sale.quantity_for", name=name, unit=tr("unit." + product.unit)),
                            lambda text: read_quantity(tr, text, product), value=value,
                            hint=tr("sale.quantity_hint"))

    def _add(self, product: Product, milli: int) -> None:
        try:
            line = self.cart.add(product.sku, milli)
        except CartError as exc:
            # e.g. adding to a line would pass the largest quantity the core accepts
            self.say(self.pos.tr("error.cart", reason=str(exc)), error=True)
            return
        self.say(self.pos.tr("sale.added", name=product.name(self.pos.language),
                             qty=quantity(milli, product.unit)))
        self.cart_changed(line.line_id)

    # ---- actions -----------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        editing = action in ("quantity", "line_discount", "order_discount", "void", "clear_sale", "other_tender")
        if editing and (not self.cart.lines or self.pos.charging):
            return None  # shown greyed: nothing to change, or the invoice is being made from it
        return True

    def action_cursor(self, step: int) -> None:
        table = self.query_one("#cart", DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def action_clear_scan(self) -> None:
        scan = self.query_one("#scan", Input)
        scan.value = ""
        scan.focus()

    def action_quantity(self) -> None:
        line = self.selected_line()
        if line is None:
            return

        def apply(milli: int | None) -> None:
            if milli:
                try:
                    self.cart.set_quantity(line.line_id, milli)
                except CartError as exc:  # e.g. the sale would pass its bound (pos.core.cart)
                    self.say(self.pos.tr("error.cart", reason=str(exc)), error=True)
                    return
                self.cart_changed(line.line_id)

        value = quantity(line.quantity_milli, line.product.unit)
        self.pos.push_screen(self._quantity_dialog(line.product, value), apply)

    def action_line_discount(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        tr = self.pos.tr

        def apply(discount: Discount | None) -> None:
            if discount is not None:
                self.cart.set_line_discount(line.line_id, discount)
                self.cart_changed(line.line_id)

        name = line.product.name(self.pos.language)
        self.pos.push_screen(PromptDialog(tr("sale.line_discount_for", name=name), lambda t: read_discount(tr, t),
                                          hint=tr("sale.discount_hint")), apply)

    def action_order_discount(self) -> None:
        tr = self.pos.tr

        def apply(discount: Discount | None) -> None:
            if discount is not None:
                self.cart.set_order_discount(discount)
                self.cart_changed()

        self.pos.push_screen(PromptDialog(tr("sale.order_discount"), lambda t: read_discount(tr, t),
                                          hint=tr("sale.discount_hint")), apply)

    def action_void(self) -> None:
        """Asked first: F8 is next to F9 and F10, and a line gone by mistake must be scanned again."""
        line = self.selected_line()
        if line is None:
            return
        tr = self.pos.tr
        name = line.product.name(self.pos.language)

        def answered(yes: bool | None) -> None:
            if yes and line in self.cart.lines:
                self.cart.void(line.line_id)
                self.say(tr("sale.voided", name=name))
                self.cart_changed()

        self.pos.push_screen(ConfirmDialog(tr("sale.void_question", name=name,
                                              quantity=quantity(line.quantity_milli, line.product.unit))), answered)

    def action_clear_sale(self) -> None:
        tr = self.pos.tr

        def answered(yes: bool | None) -> None:
            if yes:
                self.cart.clear()
                self.say(tr("sale.cleared"))
                self.cart_changed()

        self.pos.push_screen(ConfirmDialog(tr("sale.clear_question", lines=len(self.cart.lines))), answered)

    def action_history(self) -> None:
        self.pos.open_history()

    def action_refund(self) -> None:
        self.pos.open_refund()

    def action_charge(self) -> None:
        tr = self.pos.tr
        if not self.cart.lines:
            self.say(tr("error.cart_empty"), error=True)
            return
        at_the_till(self.pos, self._charge)

    def _charge(self) -> None:
        if self.pos.start_charge():
            self.say(self.pos.tr("sale.charging"))

    def action_other_tender(self) -> None:
        """Cash (the amount handed over, the change said) or card (the approval code on the bank
        terminal's slip): the sale is recorded by pos.sale.day and the cart starts again. Split: the
        cash part, then the cash handed over; the rest is charged in Bitcoin as F10 charges (the
        Charge screen), and the sale is recorded when that invoice is handed over."""
        tr = self.pos.tr
        app = self.pos
        total = self.cart.totals().total

        def paid_cash(tendered: int | None) -> None:
            if tendered is not None:
                self._record(lambda: app.day.cash_sale(self.cart, tendered), "tender.cash_done")

        def paid_card(code: str | None) -> None:
            if code is not None:
                self._record(lambda: app.day.card_sale(self.cart, code), "tender.card_done")

        def cash_part(text: str) -> int:
            tiyn = read_amount(tr, text)
            if not 0 < tiyn < total:
                raise InputRejected(tr("tender.split_part", total=app.kzt(total)))
            return tiyn

        def split_cash(cash: int | None) -> None:
            if cash is not None:
                app.push_screen(PromptDialog(tr("tender.cash_given", total=app.kzt(cash)),
                                             lambda text: read_amount(tr, text)),
                                lambda tendered: self._charge_split(cash, tendered))

        def picked(tender: OtherTender | None) -> None:
            if tender == "cash":
                app.push_screen(PromptDialog(tr("tender.cash_given", total=app.kzt(total)),
                                             lambda text: read_amount(tr, text)), paid_cash)
            elif tender == "card":
                app.push_screen(PromptDialog(tr("tender.card_code", total=app.kzt(total)),
                                             lambda text: read_code(tr, text)), paid_card)
            elif tender == "split":
                app.push_screen(PromptDialog(tr("tender.split_cash", total=app.kzt(total)), cash_part,
                                             hint=tr("tender.split_hint")), split_cash)

        at_the_till(app, lambda: self._choose_tender(picked))

    def _choose_tender(self, picked: Callable[[OtherTender | None], None]) -> None:
        self.pos.push_screen(TenderDialog(self.pos.kzt(self.cart.totals().total)), picked)

    def _charge_split(self, cash_tiyn: int, tendered_tiyn: int | None) -> None:
        """The split checked by the day, then its Bitcoin part charged as F10 charges the cart."""
        app = self.pos
        if tendered_tiyn is None:
            return
        split = app.day_step(lambda: app.day.split(self.cart, cash_tiyn, tendered_tiyn))
        if split is not None and app.start_charge(split):
            self.say(app.tr("sale.charging"))

    def _record(self, sell: Callable[[], TenderedSale], done: str) -> None:
        app = self.pos
        sale = app.day_step(sell)
        if sale is None:
            return
        app.new_sale()
        change = sum(tender.change_tiyn for tender in sale.tenders if isinstance(tender, CashTender))
        self.say(app.tr(done, sale=sale.id, total=app.kzt(sale.total_tiyn), change=app.kzt(change)))
