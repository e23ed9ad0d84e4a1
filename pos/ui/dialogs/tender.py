"""How the customer pays other than in Bitcoin alone (F7 on the Sale screen): F2 cash, F3 card,
F4 split (a part in cash, the rest in Bitcoin), Esc back.

Bitcoin stays F10 on the Sale screen itself; this only picks the tender, the Sale screen asks
for the amounts or the approval code and records the sale (or charges the split's Bitcoin
part) through pos.sale.day.
"""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label

from pos.ui.base import PosNode
from pos.ui.dialogs.base import Dialog

OtherTender = Literal["cash", "card", "split"]


class TenderDialog(PosNode, Dialog[OtherTender | None]):
    DEFAULT_CSS = "TenderDialog .dialog-hint { width: 100%; }"  # wrapped: three tenders, in Kazakh too

    BINDINGS = [
        Binding("f2", "pick('cash')", "key.cash"),
        Binding("f3", "pick('card')", "key.card"),
        Binding("f4", "pick('split')", "key.split"),
        Binding("escape", "close", "key.close"),
    ]

    def __init__(self, total: str) -> None:
        super().__init__()
        self._total = total

    def compose(self) -> ComposeResult:
        tr = self.pos.tr
        with Vertical(classes="dialog-box"):
            yield Label(tr("tender.title", total=self._total), classes="dialog-title", markup=False)
            yield Label(tr("tender.hint"), classes="dialog-hint", markup=False)

    def action_pick(self, tender: OtherTender) -> None:
        self.dismiss(tender)
