"""Printer faults in the cashier's language.

The drivers name each fault with a code and describe it in English for the log
(drivers.status.DESCRIPTIONS); the print queue keeps that English text with the job. The
screens show the codes translated, and in a kept text each known description is replaced by
its translation; anything else (an OS error naming a device) is shown as written.
"""

from __future__ import annotations

from typing import Callable, Iterable

from drivers.status import DESCRIPTIONS

Tr = Callable[..., str]


def problem(tr: Tr, code: str) -> str:
    return tr(f"printer.problem.{code}") if code in DESCRIPTIONS else code


def problems_text(tr: Tr, codes: Iterable[str]) -> str:
    return ", ".join(problem(tr, code) for code in codes)


def printer_text(tr: Tr, text: str) -> str:
    for code, english in sorted(DESCRIPTIONS.items(), key=lambda item: -len(item[1])):  # longest first
        text = text.replace(english, problem(tr, code))
    return text.replace("after printing: ", tr("printer.after_printing"))
