"""Every string the cashier sees, in Kazakh, Russian and English.

One plain Python catalog per language (pos/i18n/kk.py, ru.py, en.py: a MESSAGES dict
of key -> str.format template). Why not gettext: nothing to compile at build time,
a missing key is a failing test (tests/ui/test_i18n.py checks every key and its
placeholders in all three), and switching language at runtime is swapping a dict.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Mapping

from pos.core.languages import LANGUAGES

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


@cache
def messages(language: str) -> Mapping[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (known: {', '.join(LANGUAGES)})")
    return importlib.import_module(f"pos.i18n.{language}").MESSAGES


class Translator:
    """`tr("sale.total", amount=...)` -> the text in the current language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._messages = messages(language)

    def __call__(self, key: str, /, **fields: object) -> str:
        template = self._messages.get(key) or messages("en").get(key) or key
        return template.format(**fields) if fields else template
