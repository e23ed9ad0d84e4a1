"""A refund's fiscal return receipt through the print queue, with the local fake register: queued once
the refund is done (once), it waits while the return is not registered, then prints the return's
fiscal sign and the QR of its TicketUrl; a Bitcoin refund has none until paid; a refused one is dropped."""

from __future__ import annotations

import pytest

from drivers.decode import decode
from tests.fiscal.test_returns import CUSTOMER, shop  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("bitcoinlib_home")


def check_of(fake, external: str) -> dict:
    [check] = [c for c in fake.checks if c["ExternalCheckNumber"] == external]
    return check


def test_a_cash_refunds_return_receipt_waits_for_the_register_then_prints_the_returns_fiscal_block(shop, fake):
    printing, printer, sender = shop.services.printing, shop.services.printer, shop.sender(fake)
    sale = shop.sale()
    sender.send_pending()
    [refund] = shop.refund(sale)
    job = printing.submit_return(refund)
    assert job is not None and job.fiscal and job.document == refund.id
    assert printing.submit_return(refund) == job  # asked again (a restart's offer): the same job
    assert printing.process_queue() == [] and printer.receipts() == []  # the return is not registered yet
    sender.send_pending()
    [result] = printing.process_queue()
    assert result.printed and shop.services.store.pending_prints() == []
    check = check_of(fake, refund.id)
    [paper] = printer.receipts()
    assert check["OperationType"] == 3 and "ВОЗВРАТ ПРОДАЖИ" in paper and "ФИСКАЛЬНЫЙ ЧЕК" in paper
    assert check["Number"] in paper and check["Number"] != check_of(fake, sale.id)["Number"]
    assert decode(bytes(printer.data), "cp866").qr_payloads == [check["TicketUrl"]]
    assert printing.submit_return(refund) == job and printing.process_queue() == []  # never twice


def test_a_bitcoin_refunds_return_receipt_comes_once_the_refund_is_paid_and_registered(shop, fake):
    printing, printer, sender = shop.services.printing, shop.services.printer, shop.sender(fake)
    invoice = shop.bitcoin_sale()
    sender.send_pending()
    [refund] = shop.refund(invoice, address=CUSTOMER)
    assert printing.submit_return(refund) is None  # no money back yet: no return to print
    shop.refunds.poll()  # the address checked
    shop.services.watcher.pay(CUSTOMER, refund.amount_sat)
    [done] = shop.refunds.poll()
    assert printing.submit_return(done) is not None
    sender.send_pending()
    [result] = printing.process_queue()
    [paper] = printer.receipts()
    assert result.printed and "ВОЗВРАТ ПРОДАЖИ" in paper and "Bitcoin" in paper and refund.id in paper
    assert decode(bytes(printer.data), "cp866").qr_payloads == [check_of(fake, refund.id)["TicketUrl"]]


def test_a_return_the_register_refuses_leaves_the_print_queue_with_the_registers_reason(shop, fake):
    printing, sender = shop.services.printing, shop.sender(fake)
    sale = shop.sale()
    sender.send_pending()
    fake.refusal = "Сумма возврата превышает сумму чека"
    [refund] = shop.refund(sale)
    printing.submit_return(refund)
    sender.send_pending()
    [result] = printing.process_queue()
    assert result.outcome == "dropped" and "Сумма возврата превышает сумму чека" in result.error
    assert result.job.document == refund.id
    assert shop.services.store.pending_prints() == [] and shop.services.printer.receipts() == []
