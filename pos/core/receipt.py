"""The payment slip as a document: a short list of typed blocks, no printer codes.

`build_receipt(invoice, settings, number=..., now=...)` lays an invoice out for a
32- or 48-column roll in Kazakh, Russian or English; `build_sale_receipt(sale, invoices, ...)`
lays out a sale paid in cash, by card or split the same way, listing each tender. It is pure: the same invoice,
settings and `now` give the same document, which drivers.escpos turns into bytes
and the mock printer, the UI and the tests turn into text.

The slip is labelled a payment slip, not a fiscal receipt, unless the online cash
register has registered the sale (pos.core.fiscal.Registration, passed as `fiscal`):
then it carries the fiscal block and the OFD's QR. Times are Asia/Almaty, read from the `tzdata` package (a
dependency kept current) rather than the OS's copy, which may predate the switch
to UTC+5 on 1 March 2024. The tenge sign is never put on paper (no printer code
page has it): amounts say KZT.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Protocol, TypedDict, Unpack

from pos.core.fiscal import Registration
from pos.core.invoice import PROCESSING, Invoice, SaleLine
from pos.core.localtime import almaty
from pos.core.money import format_btc, format_kzt, format_sats
from pos.core.tender import BitcoinTender, CardTender, CashTender, TenderedSale

LEFT, CENTER, RIGHT = "left", "center", "right"
CURRENCY = "KZT"


# ---- the document ------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """One printed line, already fitted to the width (half the columns when `wide`)."""

    text: str
    align: str = LEFT
    bold: bool = False
    wide: bool = False  # double width
    tall: bool = False  # double height


@dataclass(frozen=True)
class Rule:
    """A separator across the whole width."""

    char: str = "-"


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class QR:
    payload: str


@dataclass(frozen=True)
class Cut:
    pass


Block = Text | Rule | Feed | QR | Cut


@dataclass(frozen=True)
class Receipt:
    columns: int
    blocks: tuple[Block, ...]
    copy: bool = False
    # Pulse the cash drawer after the cut (a cash tender's original; drivers.escpos, if a drawer is fitted).
    open_drawer: bool = False

    def text(self) -> str:
        return render_text(self.blocks, self.columns)


def render_text(blocks: tuple[Block, ...] | list[Block], columns: int) -> str:
    """The paper as plain text: what the mock printer keeps and the UI can show."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Text):
            text = " ".join(block.text) if block.wide else block.text  # double width, letter-spaced
            pad = {LEFT: str.ljust, CENTER: str.center, RIGHT: str.rjust}[block.align]
            out.append(pad(text, columns).rstrip())
        elif isinstance(block, Rule):
            out.append(block.char * columns)
        elif isinstance(block, Feed):
            out.extend([""] * block.lines)
        elif isinstance(block, QR):
            out.append(f"[QR] {block.payload}")
        elif isinstance(block, Cut):
            out.append("=" * columns)
    return "\n".join(out) + "\n"


# ---- settings ----------------------------------------------------------------
@dataclass(frozen=True)
class ReceiptSettings:
    merchant_name: str
    merchant_bin: str
    merchant_address: str = ""
    footer: str = ""
    cashier: str = ""  # used when the invoice names none
    language: str = "ru"
    columns: int = 48

    def __post_init__(self) -> None:
        if self.language not in LABELS:
            raise ValueError(f"receipt language must be one of {', '.join(LABELS)}, not {self.language!r}")
        if self.columns not in (32, 48):
            raise ValueError(f"receipt width must be 32 or 48 columns, not {self.columns}")


# ---- strings -----------------------------------------------------------------
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "PAYMENT SLIP", "not_fiscal": "Not a fiscal receipt", "copy": "COPY",
        "fiscal": "FISCAL RECEIPT", "fiscal_sign": "Fiscal sign", "rnm": "RNM", "znm": "ZNM", "ofd": "OFD",
        "offline": "Offline mode", "qr_ticket": "QR: the receipt at the OFD",
        "test_network": "Test network: no real money", "bin": "BIN", "terminal": "Terminal",
        "cashier": "Cashier", "date": "Date", "printed": "Printed", "receipt_no": "Receipt No",
        "invoice": "Invoice", "line_discount": "discount", "discounts": "Discounts", "vat": "incl. VAT",
        "no_vat": "No VAT", "total": "TOTAL", "amount": "Amount", "received": "Received", "rate": "Rate",
        "rate_source": "Rate source", "network": "Network", "address": "Bitcoin address",
        "transaction": "Transaction", "transactions": "Transactions", "status": "Status",
        "qr_tx": "QR: transaction id", "qr_request": "QR: payment request",
        "pcs": "pcs", "kg": "kg", "l": "l",
        "new": "awaiting payment", "processing": "paid, awaiting confirmation", "settled": "settled", "expired": "expired",
        "invalid": "invalid", "cancelled": "cancelled",
        "paid_partial": "partly paid", "paid_over": "overpaid", "paid_late": "paid late",
        "lost_after_handover": "PAYMENT LOST", "refund_owed": "refund owed", "unconfirmed": "unconfirmed",
        "unverified": "UNVERIFIED",
        "sale": "Sale", "cash": "Cash", "card": "Card", "bitcoin": "Bitcoin", "tendered": "Tendered",
        "change": "Change", "approval_code": "Approval code",
    },
    "ru": {
        "title": "КВИТАНЦИЯ ОБ ОПЛАТЕ", "not_fiscal": "Не является фискальным чеком", "copy": "КОПИЯ",
        "fiscal": "ФИСКАЛЬНЫЙ ЧЕК", "fiscal_sign": "ФП", "rnm": "РНМ", "znm": "ЗНМ", "ofd": "ОФД",
        "offline": "Автономный режим", "qr_ticket": "QR: чек на сайте ОФД",
        "test_network": "Тестовая сеть: не настоящие деньги", "bin": "БИН", "terminal": "Терминал",
        "cashier": "Кассир", "date": "Дата", "printed": "Напечатано", "receipt_no": "Квитанция №",
        "invoice": "Счёт", "line_discount": "скидка", "discounts": "Скидки", "vat": "в т.ч. НДС",
        "no_vat": "Без НДС", "total": "ИТОГО", "amount": "К оплате", "received": "Получено", "rate": "Курс",
        "rate_source": "Источник курса", "network": "Сеть", "address": "Bitcoin-адрес",
        "transaction": "Транзакция", "transactions": "Транзакции", "status": "Статус",
        "qr_tx": "QR: ID транзакции", "qr_request": "QR: запрос на оплату",
        "pcs": "шт", "kg": "кг", "l": "л",
        "new": "ожидает оплаты", "processing": "оплачен, ожидает подтверждения", "settled": "оплачен", "expired": "истёк",
        "invalid": "недействителен", "cancelled": "отменён",
        "paid_partial": "оплачен частично", "paid_over": "переплата", "paid_late": "оплачен с опозданием",
        "lost_after_handover": "ОПЛАТА ПОТЕРЯНА", "refund_owed": "к возврату", "unconfirmed": "не подтверждён",
        "unverified": "НЕ ПРОВЕРЕН",
        "sale": "Продажа", "cash": "Наличные", "card": "Карта", "bitcoin": "Bitcoin", "tendered": "Внесено",
        "change": "Сдача", "approval_code": "Код авторизации",
    },
    "kk": {
        "title": "ТӨЛЕМ ТҮБІРТЕГІ", "not_fiscal": "Фискалдық чек емес", "copy": "КӨШІРМЕ",
        "fiscal": "ФИСКАЛДЫҚ ЧЕК", "fiscal_sign": "Фискалдық белгі", "rnm": "РНМ", "znm": "ЗНМ", "ofd": "ФДО",
        "offline": "Дербес режим", "qr_ticket": "QR: ФДО сайтындағы чек",
        "test_network": "Сынақ желісі: нақты ақша емес", "bin": "БСН", "terminal": "Терминал",
        "cashier": "Кассир", "date": "Күні", "printed": "Басылды", "receipt_no": "Түбіртек №",
        "invoice": "Шот", "line_discount": "жеңілдік", "discounts": "Жеңілдіктер", "vat": "оның ішінде ҚҚС",
        "no_vat": "ҚҚС-сыз", "total": "БАРЛЫҒЫ", "amount": "Төлеуге", "received": "Алынды", "rate": "Бағам",
        "rate_source": "Бағам көзі", "network": "Желі", "address": "Bitcoin мекенжайы",
        "transaction": "Транзакция", "transactions": "Транзакциялар", "status": "Күйі",
        "qr_tx": "QR: транзакция ID", "qr_request": "QR: төлем сұрауы",
        "pcs": "дана", "kg": "кг", "l": "л",
        "new": "төлем күтілуде", "processing": "төленді, растау күтілуде", "settled": "төленді", "expired": "мерзімі өтті",
        "invalid": "жарамсыз", "cancelled": "бас тартылды",
        "paid_partial": "ішінара төленді", "paid_over": "артық төленді", "paid_late": "кеш төленді",
        "lost_after_handover": "ТӨЛЕМ ЖОҒАЛДЫ", "refund_owed": "қайтарылуы тиіс", "unconfirmed": "расталмаған",
        "unverified": "ТЕКСЕРІЛМЕГЕН",
        "sale": "Сату", "cash": "Қолма-қол", "card": "Карта", "bitcoin": "Bitcoin", "tendered": "Берілді",
        "change": "Қайтарым", "approval_code": "Авторизация коды",
    },
}


def confirmations_text(n: int, language: str) -> str:
    """'1 confirmation', '3 подтверждения', '2 растау' (Kazakh nouns after numbers stay singular)."""
    if n <= 0:
        return LABELS[language]["unconfirmed"]
    if language == "ru":
        if n % 10 == 1 and n % 100 != 11:
            word = "подтверждение"
        elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            word = "подтверждения"
        else:
            word = "подтверждений"
        return f"{n} {word}"
    if language == "kk":
        return f"{n} растау"
    return f"{n} confirmation" if n == 1 else f"{n} confirmations"


def payment_status(invoice: Invoice, language: str) -> str:
    """The invoice's state as the customer reads it at print time: 'settled, 1 confirmation'."""
    words = LABELS[language]
    parts = [words[invoice.state]]
    if invoice.payments and (invoice.state != PROCESSING or invoice.confirmations):  # "awaiting" says 0
        parts.append(confirmations_text(invoice.confirmations, language))
    parts.extend(words[mark] for mark in sorted(invoice.marks))
    return ", ".join(parts)


# ---- time --------------------------------------------------------------------
def local_time(at: datetime) -> str:
    return at.astimezone(almaty()).strftime("%d.%m.%Y %H:%M:%S")


# ---- fitting text to the width -------------------------------------------------
def wrap(text: str, width: int) -> list[str]:
    """Words to lines of at most `width`; a longer word is cut."""
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def pair(label: str, value: str, width: int) -> list[str]:
    """'Label ....... value' on one line, or the label's lines then the value's, right-aligned."""
    if len(label) + 1 + len(value) <= width:
        return [label + value.rjust(width - len(label))]
    return wrap(label, width) + [line.rjust(width) for line in wrap(value, width)]


def chunks(text: str, width: int) -> list[str]:
    """Addresses and txids: cut into equal pieces, never at a guessed word break."""
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def percent(bp: int) -> str:
    """1600 -> '16%', 1050 -> '10.5%'."""
    whole, frac = divmod(bp, 100)
    return f"{whole}.{f'{frac:02d}'.rstrip('0')}%" if frac else f"{whole}%"


def quantity(line: SaleLine, language: str) -> str:
    unit = LABELS[language].get(line.unit, line.unit)
    whole, milli = divmod(line.quantity_milli, 1000)
    if line.unit == "pcs" and not milli:
        return f"{whole} {unit}"
    return f"{whole}.{milli:03d} {unit}"


def money(tiyn: int) -> str:
    return format_kzt(tiyn, symbol="")


def paper_text(text: str) -> str:
    """Text from outside (names, footer) made fit for paper: no tenge sign, no control codes."""
    text = text.replace("₸", CURRENCY)
    return "".join(ch if ch.isprintable() else " " for ch in text)


# ---- the layout --------------------------------------------------------------
class Style(TypedDict, total=False):
    """How a line is printed, besides its alignment (Text's fields)."""

    bold: bool
    wide: bool
    tall: bool


class _Layout:
    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.blocks: list[Block] = []

    def lines(self, lines: list[str], align: str = LEFT, **style: Unpack[Style]) -> None:
        self.blocks.extend(Text(line, align, **style) for line in lines)

    def centered(self, text: str, **style: Unpack[Style]) -> None:
        width = self.columns // 2 if style.get("wide") else self.columns
        self.lines(wrap(text, width), align=CENTER, **style)

    def pair(self, label: str, value: str, **style: Unpack[Style]) -> None:
        self.lines(pair(label, value, self.columns), **style)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


class _Made(Protocol):
    """Who made a document (an invoice, a sale, a refund), and where."""

    @property
    def terminal_id(self) -> str: ...
    @property
    def cashier(self) -> str: ...


class _Sold(_Made, Protocol):
    """What an invoice and a sale record both carry: what was sold and who sold it."""

    @property
    def lines(self) -> tuple[SaleLine, ...]: ...
    @property
    def discount_tiyn(self) -> int: ...
    @property
    def vat(self) -> dict[int, int]: ...
    @property
    def total_tiyn(self) -> int: ...


def build_receipt(invoice: Invoice, settings: ReceiptSettings, *, number: int, now: datetime,
                  copy: bool = False, fiscal: Registration | None = None) -> Receipt:
    """The slip for an invoice as it stands at `now` (its payment status is printed as is).

    With the register's `fiscal` registration of the sale it is a fiscal receipt: the fiscal
    block (fiscal_block) and the OFD's QR; without one it says it is not a fiscal receipt."""
    w = LABELS[settings.language]
    out = _Layout(settings.columns)
    _heading(out, settings, copy=copy, fiscal=fiscal, networks=(invoice.network,))
    _particulars(out, settings, invoice, (w["invoice"], invoice.id), number=number, sold_at=invoice.created_at,
                 now=now)
    _goods(out, settings, invoice)

    _bitcoin_amount(out, invoice, w)
    out.pair(w["rate_source"], f"{paper_text(invoice.rate.source)}, {local_time(invoice.rate.at)}")
    out.pair(w["network"], invoice.network)
    out.lines([w["address"]])
    out.lines(chunks(invoice.address, out.columns))
    _bitcoin_outcome(out, invoice, settings.language)
    out.add(Rule())

    if invoice.payments:
        out.add(QR("\n".join(p.txid for p in invoice.payments)))
        out.centered(w["qr_tx"])
    else:
        out.add(QR(invoice.uri or invoice.address))
        out.centered(w["qr_request"])
    return _ending(out, settings, fiscal=fiscal, copy=copy)


def build_sale_receipt(sale: TenderedSale, invoices: Mapping[str, Invoice], settings: ReceiptSettings, *,
                       number: int, now: datetime, copy: bool = False,
                       fiscal: Registration | None = None) -> Receipt:
    """The slip for a sale paid in cash, by card or split: the goods and totals as on the Bitcoin
    slip, then each tender: cash with what was handed over and the change, card with its approval
    code, Bitcoin with its invoice (`invoices`, by id: amount in BTC and sat, rate, transactions,
    status as it stands at `now`; only the invoice id when it is not at hand).

    The drawer opens for an original with a cash tender (Receipt.open_drawer), never for a COPY."""
    w = LABELS[settings.language]
    out = _Layout(settings.columns)
    used = [invoices[t.invoice_id] for t in sale.tenders if isinstance(t, BitcoinTender) and t.invoice_id in invoices]
    _heading(out, settings, copy=copy, fiscal=fiscal, networks=tuple(invoice.network for invoice in used))
    _particulars(out, settings, sale, (w["sale"], sale.id), number=number, sold_at=sale.at, now=now)
    _goods(out, settings, sale)
    for tender in sale.tenders:
        out.pair(w[tender.kind], f"{money(tender.amount_tiyn)} {CURRENCY}", bold=True)
        if isinstance(tender, CashTender):
            out.pair(f"  {w['tendered']}", money(tender.tendered_tiyn))
            out.pair(f"  {w['change']}", money(tender.change_tiyn), bold=True)
        elif isinstance(tender, CardTender):
            out.pair(f"  {w['approval_code']}", paper_text(tender.approval_code))
        else:
            out.pair(f"  {w['invoice']}", tender.invoice_id)
            invoice = invoices.get(tender.invoice_id)
            if invoice is not None:
                _bitcoin_amount(out, invoice, w, indent="  ")
                _bitcoin_outcome(out, invoice, settings.language, indent="  ")
    out.add(Rule())
    cash = any(isinstance(tender, CashTender) for tender in sale.tenders)
    return _ending(out, settings, fiscal=fiscal, copy=copy, open_drawer=cash and not copy)


def _heading(out: _Layout, settings: ReceiptSettings, *, copy: bool, fiscal: Registration | None,
             networks: tuple[str, ...], title: str = "") -> None:
    """The merchant, what the paper is (`title`, the payment slip's by default; fiscal or not, COPY),
    and a test network shouted."""
    w = LABELS[settings.language]
    out.centered(paper_text(settings.merchant_name), bold=True, tall=True)
    out.centered(f"{w['bin']} {settings.merchant_bin}")
    if settings.merchant_address:
        out.centered(paper_text(settings.merchant_address))
    out.add(Rule())
    out.centered(title or w["title"], bold=True)
    out.centered(w["not_fiscal"] if fiscal is None else w["fiscal"], bold=fiscal is not None)
    if copy:
        out.centered(w["copy"], bold=True, wide=True, tall=True)
    for network in dict.fromkeys(n for n in networks if n != "mainnet"):
        out.centered(network.upper(), bold=True, wide=True, tall=True)
        out.centered(w["test_network"], bold=True)
    out.add(Rule())


def _particulars(out: _Layout, settings: ReceiptSettings, sold: _Made, document: tuple[str, str], *,
                 number: int, sold_at: datetime, now: datetime) -> None:
    """The receipt's number, the invoice's, sale's or refund's id (`document`: label, id), who, where and when."""
    w = LABELS[settings.language]
    out.pair(w["receipt_no"], f"{number:06d}")
    out.pair(*document)
    out.pair(w["terminal"], sold.terminal_id)
    cashier = paper_text(sold.cashier or settings.cashier)
    if cashier:
        out.pair(w["cashier"], cashier)
    out.pair(w["date"], local_time(sold_at))
    out.pair(w["printed"], local_time(now))
    out.add(Rule())


def _goods(out: _Layout, settings: ReceiptSettings, sold: _Sold) -> None:
    """The lines, their discounts, the VAT included at each rate and the total."""
    w, lang, cols = LABELS[settings.language], settings.language, settings.columns
    for line in sold.lines:
        out.lines(wrap(paper_text(line.name(lang)), cols))
        out.lines(pair(f"  {quantity(line, lang)} x {money(line.unit_price_tiyn)}", money(line.gross_tiyn), cols))
        if line.discount_tiyn:
            out.lines(pair(f"  {w['line_discount']}", f"-{money(line.discount_tiyn)}", cols))
    out.add(Rule())

    if sold.discount_tiyn:
        out.pair(w["discounts"], f"-{money(sold.discount_tiyn)}")
    vat = [(rate, amount) for rate, amount in sorted(sold.vat.items()) if rate > 0]
    for rate, amount in vat:
        out.pair(f"{w['vat']} {percent(rate)}", money(amount))
    if not vat:
        out.lines([w["no_vat"]])
    out.pair(w["total"], f"{money(sold.total_tiyn)} {CURRENCY}", bold=True, tall=True)
    out.add(Rule())


def _bitcoin_amount(out: _Layout, invoice: Invoice, w: dict[str, str], indent: str = "") -> None:
    """What the invoice asked in BTC and sat, what came if that differs, and the locked rate
    (labels after `indent`: under a split's Bitcoin tender)."""
    out.pair(indent + w["amount"], f"{format_btc(invoice.amount_sat)} BTC")
    out.lines([format_sats(invoice.amount_sat).rjust(out.columns)])
    if invoice.payments and invoice.received_sat != invoice.amount_sat:
        out.pair(indent + w["received"], f"{format_btc(invoice.received_sat)} BTC")
    out.pair(indent + w["rate"], f"1 BTC = {money(invoice.rate.tiyn_per_btc)} {CURRENCY}")


def _bitcoin_outcome(out: _Layout, invoice: Invoice, language: str, indent: str = "") -> None:
    """The invoice's transactions, if any came (ids whole, across the width), and its payment status."""
    w = LABELS[language]
    if invoice.payments:
        out.lines([indent + (w["transaction"] if len(invoice.payments) == 1 else w["transactions"])])
        for payment in invoice.payments:
            out.lines(chunks(payment.txid, out.columns))
    out.pair(indent + w["status"], payment_status(invoice, language), bold=True)


def _ending(out: _Layout, settings: ReceiptSettings, *, fiscal: Registration | None, copy: bool,
            open_drawer: bool = False) -> Receipt:
    """The fiscal block when registered, the merchant's footer, the cut."""
    if fiscal is not None:
        fiscal_block(out, fiscal, LABELS[settings.language])
    if settings.footer:
        out.add(Feed())
        out.centered(paper_text(settings.footer))
    out.add(Feed(2), Cut())
    return Receipt(out.columns, tuple(out.blocks), copy, open_drawer)


def fiscal_block(out: _Layout, fiscal: Registration, w: dict[str, str]) -> None:
    """What the register gave back, as the law wants it on paper: the fiscal sign, the cashbox's
    registration (РНМ) and factory (ЗНМ) numbers, the OFD, "offline" when registered offline,
    and the QR of the OFD's link, exactly as returned (the adapter checked it printable)."""
    out.add(Rule())
    out.centered(w["fiscal"], bold=True)
    out.pair(w["fiscal_sign"], paper_text(fiscal.fiscal_sign))
    out.pair(w["rnm"], paper_text(fiscal.registration_number))
    out.pair(w["znm"], paper_text(fiscal.factory_number))
    out.pair(w["date"], local_time(fiscal.registered_at))
    out.lines([w["ofd"]])
    out.lines(wrap(paper_text(fiscal.ofd_name), out.columns))
    if fiscal.offline:
        out.centered(w["offline"], bold=True)
    out.add(QR(fiscal.ticket_url))
    out.centered(w["qr_ticket"])
