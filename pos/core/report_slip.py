"""An X or Z report on the receipt roll: the same document blocks as the payment slip.

`build_report_slip(report, settings, now=...)` lays a pos.core.report.Report out for 32 or
48 columns in Kazakh, Russian or English. It reuses the payment slip's layout, its
fitting helpers and its words (pos.core.receipt: states, VAT, cashier...), adding only the
report's own words, so the two papers read alike and drivers.escpos prints both.
"""

from __future__ import annotations

from datetime import datetime

from pos.core.fiscal import FiscalZ
from pos.core.receipt import (
    CURRENCY, LABELS, Receipt, ReceiptSettings, Rule, _Layout, Cut, Feed, local_time, money, paper_text, percent,
    wrap,
)
from pos.core.money import format_sats
from pos.core.report import BITCOIN_SIDE, Z, Report, Tally
from pos.core.tender import TENDER_KINDS

REPORT_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "X": "X REPORT", "Z": "Z REPORT", "no": "No", "not_fiscal_report": "Not a fiscal document",
        "register": "FISCAL REGISTER", "terminal_side": "Till", "register_side": "Register",
        "sales_count": "Sales", "returns_count": "Returns", "returns_sum": "Returns sum", "sales_sum": "Sales sum",
        "register_z": "Register Z No", "matches": "Figures match", "mismatch": "FIGURES DIFFER",
        "x_note": "The shift stays open", "shift": "Shift", "opened": "Opened", "closed": "Closed",
        "sales": "SALES", "bitcoin": "Bitcoin", "cash": "Cash", "card": "Card", "sales_total": "Total sales",
        "by_vat": "BY VAT RATE", "vat_rate": "VAT", "refunds": "REFUNDS", "refunds_total": "Total refunds",
        "refunds_requested": "Requested, not paid yet", "net": "NET", "drawer": "CASH DRAWER",
        "float": "Opening float", "cash_sales": "Cash sales", "cash_refunds": "Cash refunds",
        "expected": "Expected", "counted": "Counted", "not_counted": "not counted", "difference": "Difference",
        "bitcoin_side": "BITCOIN BY STATE", "awaiting_confirmation": "handed over, awaiting confirmation",
        "refunded": "refunded", "vat_refunds": "refunds",
    },
    "ru": {
        "X": "X-ОТЧЁТ", "Z": "Z-ОТЧЁТ", "no": "№", "not_fiscal_report": "Не является фискальным документом",
        "register": "ФИСКАЛЬНЫЙ РЕГИСТРАТОР", "terminal_side": "Касса", "register_side": "ККМ",
        "sales_count": "Продажи", "returns_count": "Возвраты", "returns_sum": "Сумма возвр.",
        "sales_sum": "Сумма продаж", "register_z": "Z ККМ №", "matches": "Суммы совпадают",
        "mismatch": "СУММЫ НЕ СОВПАДАЮТ",
        "x_note": "Смена не закрывается", "shift": "Смена", "opened": "Открыта", "closed": "Закрыта",
        "sales": "ПРОДАЖИ", "bitcoin": "Bitcoin", "cash": "Наличные", "card": "Карта",
        "sales_total": "Всего продаж", "by_vat": "ПО СТАВКАМ НДС", "vat_rate": "НДС", "refunds": "ВОЗВРАТЫ",
        "refunds_total": "Всего возвратов", "refunds_requested": "Запрошено, ещё не выплачено",
        "net": "ЗА ВЫЧЕТОМ ВОЗВРАТОВ", "drawer": "ДЕНЕЖНЫЙ ЯЩИК", "float": "Размен на начало",
        "cash_sales": "Продажи наличными", "cash_refunds": "Возвраты наличными", "expected": "Должно быть",
        "counted": "Пересчитано", "not_counted": "не пересчитано", "difference": "Разница",
        "bitcoin_side": "BITCOIN ПО СОСТОЯНИЮ", "awaiting_confirmation": "выдан, ожидает подтверждения",
        "refunded": "возвращено", "vat_refunds": "возвраты",
    },
    "kk": {
        "X": "X-ЕСЕП", "Z": "Z-ЕСЕП", "no": "№", "not_fiscal_report": "Фискалдық құжат емес",
        "register": "ФИСКАЛДЫҚ ТІРКЕГІШ", "terminal_side": "Касса", "register_side": "ККМ",
        "sales_count": "Сатулар", "returns_count": "Қайтарулар", "returns_sum": "Қайтару сомасы",
        "sales_sum": "Сату сомасы", "register_z": "ККМ Z №", "matches": "Сомалар сәйкес",
        "mismatch": "СОМАЛАР СӘЙКЕС ЕМЕС",
        "x_note": "Ауысым жабылмайды", "shift": "Ауысым", "opened": "Ашылды", "closed": "Жабылды",
        "sales": "САТУЛАР", "bitcoin": "Bitcoin", "cash": "Қолма-қол", "card": "Карта",
        "sales_total": "Барлық сату", "by_vat": "ҚҚС МӨЛШЕРЛЕМЕСІ БОЙЫНША", "vat_rate": "ҚҚС",
        "refunds": "ҚАЙТАРУЛАР", "refunds_total": "Барлық қайтару", "refunds_requested": "Сұралды, әлі төленбеді",
        "net": "ҚАЙТАРУЛАРДЫ ШЕГЕРГЕНДЕ", "drawer": "АҚША ЖӘШІГІ", "float": "Бастапқы ұсақ ақша",
        "cash_sales": "Қолма-қол сату", "cash_refunds": "Қолма-қол қайтару", "expected": "Болуы тиіс",
        "counted": "Саналды", "not_counted": "саналмады", "difference": "Айырма",
        "bitcoin_side": "BITCOIN КҮЙІ БОЙЫНША", "awaiting_confirmation": "берілді, растау күтілуде",
        "refunded": "қайтарылды", "vat_refunds": "қайтарулар",
    },
}


def _counted(label: str, tally: Tally) -> str:
    return f"{label} ({tally.count})"


def _out(tiyn: int) -> str:
    """Money going out (refunds, discounts), minus-signed; nothing is 0.00, not -0.00."""
    return f"-{money(tiyn)}" if tiyn else money(0)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def build_report_slip(report: Report, settings: ReceiptSettings, *, now: datetime,
                      fiscal: FiscalZ | None = None) -> Receipt:
    """The report as printed at `now`; the same report, settings and time give the same paper.
    A Z with the register's side (`fiscal`) prints both sets of figures side by side."""
    w = {**LABELS[settings.language], **REPORT_LABELS[settings.language]}
    out = _Layout(settings.columns)
    shift = report.shift

    out.centered(paper_text(settings.merchant_name), bold=True, tall=True)
    out.centered(f"{w['bin']} {settings.merchant_bin}")
    out.add(Rule())
    title = w[report.kind] + (f" {w['no']} {report.number:06d}" if report.number else "")
    out.centered(title, bold=True, tall=True)
    out.centered(w["not_fiscal_report"])
    if report.kind != Z:
        out.centered(w["x_note"])
    out.add(Rule())
    out.pair(w["terminal"], paper_text(shift.terminal_id))
    out.pair(w["shift"], str(shift.number))
    out.pair(w["cashier"], paper_text(shift.cashier))
    out.pair(w["opened"], local_time(shift.opened_at))
    if shift.closed_at is not None:
        out.pair(w["closed"], local_time(shift.closed_at))
    out.pair(w["printed"], local_time(now))
    out.add(Rule())

    out.lines([w["sales"]], bold=True)
    for kind in TENDER_KINDS:
        out.pair(_counted(w[kind], report.tenders[kind]), money(report.tenders[kind].tiyn))
    out.pair(_counted(w["sales_total"], report.sales), f"{money(report.sales.tiyn)} {CURRENCY}", bold=True)
    if report.discounts.count:
        out.pair(_counted(w["discounts"], report.discounts), _out(report.discounts.tiyn))
    out.add(Rule())

    out.lines([w["by_vat"]], bold=True)
    for row in report.vat:
        out.pair(f"{w['vat_rate']} {percent(row.rate_bp)}" if row.rate_bp else w["no_vat"], money(row.sales_tiyn))
        if row.rate_bp:
            out.pair(f"  {w['vat']}", money(row.vat_tiyn))
        if row.refunds_tiyn:
            out.pair(f"  {w['vat_refunds']}", _out(row.refunds_tiyn))
    out.add(Rule())

    out.lines([w["refunds"]], bold=True)
    for kind in TENDER_KINDS:
        if report.refunds[kind].count:
            out.pair(_counted(w[kind], report.refunds[kind]), _out(report.refunds[kind].tiyn))
    out.pair(w["refunds_total"], _out(report.refunds_tiyn))
    if report.refunds_requested.count:
        out.pair(_counted(w["refunds_requested"], report.refunds_requested), money(report.refunds_requested.tiyn))
    out.pair(w["net"], f"{money(report.net_tiyn)} {CURRENCY}", bold=True)
    out.add(Rule())

    cash = report.cash
    out.lines([w["drawer"]], bold=True)
    out.pair(w["float"], money(cash.opening_float_tiyn))
    out.pair(w["cash_sales"], money(cash.sales_tiyn))
    out.pair(w["cash_refunds"], _out(cash.refunds_tiyn))
    out.pair(w["expected"], money(cash.expected_tiyn), bold=True)
    out.pair(w["counted"], w["not_counted"] if cash.counted_tiyn is None else money(cash.counted_tiyn))
    if cash.difference_tiyn is not None:
        out.pair(w["difference"], money(cash.difference_tiyn), bold=True)
    out.add(Rule())

    out.lines([w["bitcoin_side"]], bold=True)
    for where in BITCOIN_SIDE:
        tally = report.bitcoin[where]
        out.pair(_counted(_first_upper(w[where]), tally), money(tally.tiyn))
        if tally.sat:
            out.lines([format_sats(tally.sat).rjust(settings.columns)])
    if fiscal is not None:
        _register_side(out, report, fiscal, w)
    out.add(Feed(2), Cut())
    return Receipt(settings.columns, tuple(out.blocks))


def _register_side(out: _Layout, report: Report, fiscal: FiscalZ, w: dict[str, str]) -> None:
    """The till's figures beside the register's Z, and whether they agree (flagged when not)."""
    refunds = sum(t.count for t in report.refunds.values())
    sales, returns = (report.sales.count, report.sales.tiyn), (refunds, report.refunds_tiyn)
    theirs = fiscal.report
    value = 13  # the widest amount a shift prints, "99 999 999.99"

    def row(label: str, mine: str, register: str) -> None:
        width = out.columns - 2 * value
        if len(label) > width:  # a narrow roll: the label on a line of its own
            out.lines([label])
            label = ""
        out.lines([label.ljust(width) + mine.rjust(value) + register.rjust(value)])

    out.add(Rule())
    out.lines([w["register"]], bold=True)
    if theirs is not None:
        out.pair(w["register_z"], f"{theirs.report_number:06d}")
    row("", w["terminal_side"], w["register_side"])
    row(w["sales_count"], str(sales[0]), "-" if theirs is None else str(theirs.sales_count))
    row(w["sales_sum"], money(sales[1]), "-" if theirs is None else money(theirs.sales_tiyn))
    row(w["returns_count"], str(returns[0]), "-" if theirs is None else str(theirs.returns_count))
    row(w["returns_sum"], money(returns[1]), "-" if theirs is None else money(theirs.returns_tiyn))
    out.centered(w["matches"] if fiscal.matches(sales, returns) else w["mismatch"], bold=True)
    if fiscal.note:
        out.lines(wrap(paper_text(fiscal.note), out.columns))
