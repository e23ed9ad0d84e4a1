"""Choose one of the products a search found."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from pos.core.catalog import Product
from pos.core.text import printable
from pos.ui.dialogs.base import Dialog
from pos.ui.format import kzt
from pos.ui.base import PosNode


class ProductPicker(PosNode, Dialog[Product | None]):
    DEFAULT_CSS = """
    ProductPicker OptionList { height: auto; max-height: 14; background: #000000; color: #aaaaaa; }
    ProductPicker OptionList > .option-list--option-highlighted { background: #00aaaa; color: #000000; }
    """

    def __init__(self, query: str, products: list[Product]) -> None:
        super().__init__()
        self._query, self._products = query, products

    def compose(self) -> ComposeResult:
        tr = self.pos.tr
        language = self.pos.language
        with Vertical(classes="dialog-box"):
            yield Label(printable(tr("picker.title", query=self._query)), classes="dialog-title", markup=False)
            # Text, not str: an option's str is read as markup, and names come from the catalog file
            yield OptionList(*[
                Option(Text(printable(
                    f"{p.name(language)[:34]:<34} {kzt(p.price_tiyn, self.pos.currency):>13}/{tr('unit.' + p.unit)}")),
                       id=p.sku)
                for p in self._products
            ], id="picker-list", compact=True)  # compact: no 'tall' border, whose glyphs the console lacks
            yield Label(tr("picker.hint"), classes="dialog-hint", markup=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(next(p for p in self._products if p.sku == event.option.id))
