"""Every UI string exists in Kazakh, Russian and English, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from pos.i18n import LANGUAGES, Translator, messages

UI_SOURCES = [*Path("pos/ui").rglob("*.py")]
# tr("some.key"...) and Binding(..., "key.something") literals in the UI code
LITERAL_KEY = re.compile(r"""(?:tr\(\s*|Binding\([^)]*?,\s*[^,]+,\s*)["']([a-z_]+\.[a-z_]+|yes|no)["']""")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_key_is_translated_with_the_same_placeholders(language: str) -> None:
    english, other = messages("en"), messages(language)
    assert sorted(set(english) - set(other)) == [], f"missing in {language}"
    assert sorted(set(other) - set(english)) == [], f"unknown in {language}"
    for key, template in english.items():
        assert placeholders(other[key]) == placeholders(template), key
        assert other[key].strip(), key


def test_every_key_the_ui_names_exists() -> None:
    found = {key for source in UI_SOURCES for key in LITERAL_KEY.findall(source.read_text(encoding="utf-8"))}
    used = {key for key in found if not key.endswith("_")}  # prefixes: see the next test
    assert len(used) > 80  # the pattern still finds the keys
    assert sorted(used - set(messages("en"))) == []


@pytest.mark.parametrize("prefix,names", [
    ("state.", ("new", "processing", "settled", "expired", "invalid", "cancelled")),
    ("mark.", ("paid_partial", "paid_over", "paid_late")),
    ("unit.", ("pcs", "kg", "l")),
    ("status.backend_", ("online", "degraded", "offline", "unknown")),
    ("status.printer_", ("ok", "problem", "unknown")),
    ("charge.state_", ("settled", "expired", "invalid", "cancelled")),
    ("invoice.follow_up_", ("settle", "show_qr", "refunded")),
    ("refund.tender_", ("cash", "card", "bitcoin")),
])
def test_keys_built_from_core_names_exist(prefix: str, names: tuple[str, ...]) -> None:
    for language in LANGUAGES:
        assert [n for n in names if prefix + n not in messages(language)] == [], language


def test_translator_formats_and_falls_back_to_the_key() -> None:
    assert Translator("ru")("sale.total", amount="5 ₸") == "ИТОГО: 5 ₸"
    assert Translator("kk")("key.charge") == "Төлем"
    assert Translator("en")("no.such_key") == "no.such_key"
    with pytest.raises(ValueError):
        Translator("de")
