"""The languages the terminal speaks, in the order the screens and catalog list them.

Kazakh (the state language) first, Russian, English: catalog names (name_kk, name_ru,
name_en), screen texts (pos.i18n), receipts (pos.core.receipt) and [ui] language all
follow this one list.
"""

LANGUAGES = ("kk", "ru", "en")
