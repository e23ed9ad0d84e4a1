"""The always-visible status line: network badge, backend, the public test key's warning,
printer (the mock one said as such), the fleet's hub (with [sync]: all sent, sending, or
offline, and how many journal entries wait), the fiscal register's queue (with [fiscal]: a
receipt it refused, or how many wait; the Manager screen says why), invoices awaiting
settlement, terminal, cashier; and, in place of all that, a loud line while sales are stopped because the store
cannot be used (until it works again), or while a payment lost after hand-over waits for a
manager (it stays until acknowledged in History)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual.widgets import Static

from pos.core.fiscal import FiscalQueueState
from pos.core.ports import BackendState, BackendStatus, PrinterState, PrinterStatus
from pos.core.text import printable
from pos.ui.base import PosNode

if TYPE_CHECKING:
    from pos.fleet.till_sync import SyncState


@dataclass(frozen=True)
class StatusInfo:
    network: str = ""
    backend: BackendStatus | None = None
    printer: PrinterStatus | None = None
    terminal: str = ""
    cashier: str = ""
    awaiting: int = 0  # handed-over invoices not settled yet
    alerts: tuple[str, ...] = ()  # invoices whose payment was lost after hand-over, unacknowledged
    store: str = ""  # why the store cannot be used (sales stopped), "" while it works
    test_key: bool = False  # [chain] xpub is the public test key: anyone can spend what it receives
    mock_printer: bool = False  # the mock driver: nothing is printed on paper
    sync: SyncState | Literal[""] = ""  # the fleet hub; "" without [sync]
    sync_backlog: int = 0  # journal entries the hub does not hold yet
    fiscal: FiscalQueueState | None = None  # the fiscal register's queue; None without [fiscal]


BACKEND_STYLE: dict[BackendState, str] = {"online": "#000000 on #00aa00", "degraded": "#000000 on #aa5500", "offline": "#aaaaaa on #aa0000"}
PRINTER_STYLE: dict[PrinterState, str] = {"ok": "#000000 on #00aa00", "problem": "#aaaaaa on #aa0000", "unknown": "#000000 on #aa5500"}
SYNC_STYLE: dict[SyncState, str] = {"online": "#000000 on #00aa00", "sending": "#000000 on #aa5500", "offline": "#000000 on #aa5500"}


class StatusBar(PosNode, Static):
    """Follows the app's `status` and `language`; every screen shows one at its top."""

    DEFAULT_CSS = """
    StatusBar { dock: top; height: 1; width: 100%; background: #aaaaaa; color: #000000; }
    StatusBar.-alert { background: #aa0000; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._show)

    def language_changed(self) -> None:
        self._show()

    def _show(self, _: object = None) -> None:
        self.update(self.render_status(self.pos.status))

    def render_status(self, info: StatusInfo) -> Text:
        tr = self.pos.tr
        text = Text(no_wrap=True, overflow="ellipsis")
        if info.store:
            self.add_class("-alert")
            text.append(f" {tr('status.store', reason=printable(info.store))} ", "bold #ffffff on #aa0000")
            return text
        if info.alerts:
            self.add_class("-alert")
            text.append(f" {tr('status.alert', count=len(info.alerts), ids=', '.join(info.alerts))} ",
                        "bold #ffffff on #aa0000")
            return text
        self.remove_class("-alert")
        if info.network == "mainnet":
            text.append(f" {tr('status.mainnet')} ", "bold #aaaaaa on #aa0000")
        else:
            text.append(f" {info.network.upper()} ", "bold #000000 on #aa5500")
        text.append(" ")
        backend = info.backend
        if backend is None:
            text.append(f" {tr('status.backend_unknown')} ", "#000000 on #aa5500")
        else:
            label = tr(f"status.backend_{backend.state}")
            if backend.height:
                label += f" #{backend.height}"
            text.append(f" {label} ", BACKEND_STYLE.get(backend.state, ""))
        if info.test_key:
            text.append(" ")
            text.append(f" {tr('status.test_key')} ", "bold #ffffff on #aa0000")
        text.append(" ")
        printer = info.printer
        state = printer.state if printer else "unknown"
        if info.mock_printer and state == "ok":
            text.append(f" {tr('status.printer_mock')} ", "#000000 on #aa5500")
        else:
            text.append(f" {tr('status.printer_' + state)} ", PRINTER_STYLE[state])
        if info.sync:
            text.append(" ")
            text.append(f" {tr('status.sync_' + info.sync, count=info.sync_backlog)} ", SYNC_STYLE[info.sync])
        fiscal = info.fiscal or FiscalQueueState()
        if fiscal.refused:  # the first; the Manager screen lists each with the register's reason
            text.append(" ")
            text.append(f" {tr('status.fiscal_refused', id=printable(fiscal.refused[0][0]))} ", "bold #ffffff on #aa0000")
        elif fiscal.waiting:
            text.append(" ")
            text.append(f" {tr('status.fiscal_waiting', count=fiscal.waiting)} ", "#000000 on #aa5500")
        if info.awaiting:
            text.append(" ")
            text.append(f" {tr('status.awaiting', count=info.awaiting)} ", "#000000 on #aa5500")
        text.append(f"  {info.terminal}")
        if info.cashier:
            text.append(f"  {tr('status.cashier', name=info.cashier)}")
        return text
