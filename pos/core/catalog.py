"""Products and the CSV catalog file.

Catalog file format (UTF-8 CSV, header row required, extra columns refused):
    sku,barcode,name_kk,name_ru,name_en,unit,price,vat_class
  * sku        1-32 characters: letters, digits, '-', '_'; unique
  * barcode    empty, or a GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) with a valid check digit; unique
  * name_*     Kazakh, Russian and English names; at least one is required, the others fall back;
               control characters (escape sequences) in a name become spaces (pos.core.text)
  * unit       'pcs' (whole quantities) or 'kg' / 'l' (weighed or measured, up to 3 decimals)
  * price      shelf price in tenge, VAT included, e.g. 450 or 1299.90 (at most 2 decimals, > 0,
               at most 1 000 000 000)
  * vat_class  'standard', 'reduced', 'zero' or 'exempt' (the rates come from config)
A bad row is reported with its line number and reason and skipped; good rows still load.
The file must be a regular file of at most MAX_CATALOG_BYTES: `catalog = "/dev/zero"`
(or a pipe) used to hang start-up.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pos.core.money import MAX_PRICE_TIYN, MoneyError, TooManyDigits, format_kzt, parse_kzt
from pos.core.languages import LANGUAGES
from pos.core.text import printable

COLUMNS = ("sku", "barcode", "name_kk", "name_ru", "name_en", "unit", "price", "vat_class")
UNITS = ("pcs", "kg", "l")
VAT_CLASSES = ("standard", "reduced", "zero", "exempt")
_SKU = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MAX_CATALOG_BYTES = 32 * 1024 * 1024  # ~200 000 products; a bigger file is a mistake, not a catalog


class CatalogError(ValueError):
    """The catalog file as a whole cannot be read (missing, not CSV, wrong header)."""


@dataclass(frozen=True)
class Product:
    sku: str
    names: dict[str, str]
    unit: str
    price_tiyn: int
    vat_class: str
    barcode: str = ""

    @property
    def weighed(self) -> bool:
        return self.unit != "pcs"

    def name(self, language: str) -> str:
        """The name in a language, falling back to Russian, then English, then Kazakh."""
        for lang in (language, "ru", "en", "kk"):
            if self.names.get(lang):
                return self.names[lang]
        return self.sku


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return printable(f"line {self.line}: {self.reason}")  # the reason quotes the file's text


@dataclass
class Catalog:
    products: dict[str, Product] = field(default_factory=dict)
    by_barcode: dict[str, str] = field(default_factory=dict)

    def add(self, product: Product) -> None:
        if product.sku in self.products:
            raise ValueError(f"duplicate SKU {product.sku!r}")
        if product.barcode and product.barcode in self.by_barcode:
            raise ValueError(f"barcode {product.barcode} already belongs to {self.by_barcode[product.barcode]}")
        self.products[product.sku] = product
        if product.barcode:
            self.by_barcode[product.barcode] = product.sku

    def by_sku(self, sku: str) -> Product | None:
        return self.products.get(sku.strip())

    def lookup(self, code: str) -> Product | None:
        """A scanned barcode or a typed SKU (SKUs match case-insensitively)."""
        code = code.strip()
        if code in self.by_barcode:
            return self.products[self.by_barcode[code]]
        if code in self.products:
            return self.products[code]
        upper = code.upper()
        return next((p for sku, p in self.products.items() if sku.upper() == upper), None)

    def search(self, text: str, limit: int = 50) -> list[Product]:
        """Products whose SKU, barcode or any name contains the text (case-insensitive)."""
        needle = text.strip().casefold()
        found = [
            p
            for p in self.products.values()
            if not needle
            or needle in p.sku.casefold()
            or needle in p.barcode
            or any(needle in n.casefold() for n in p.names.values())
        ]
        return found[:limit]


def gtin_valid(code: str) -> bool:
    """GS1 check digit of EAN-8, UPC-A (12), EAN-13 and GTIN-14."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def parse_row(row: dict[str, str]) -> Product:
    """One CSV row -> Product, or ValueError with the reason."""
    values = {k: (row.get(k) or "").strip() for k in COLUMNS}
    sku = values["sku"]
    if not _SKU.match(sku):
        raise ValueError(f"sku {sku!r} must be 1-32 letters, digits, '-' or '_'")
    barcode = values["barcode"]
    if barcode and not gtin_valid(barcode):
        raise ValueError(f"barcode {barcode!r} is not a valid EAN-8/UPC/EAN-13/GTIN-14 (check digit)")
    # Names reach the screen, the slip and the logs: no escape sequence from the file gets there.
    names = {lang: printable(values[f"name_{lang}"]).strip() for lang in LANGUAGES}
    names = {lang: name for lang, name in names.items() if name}
    if not names:
        raise ValueError("no name in any language (name_kk, name_ru, name_en)")
    unit = values["unit"]
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} must be one of {', '.join(UNITS)}")
    too_large = ValueError(f"price {values['price'][:32]!r} is more than the largest shelf price, "
                           f"{format_kzt(MAX_PRICE_TIYN, 'KZT')}")
    try:
        price = parse_kzt(values["price"])
    except TooManyDigits:
        raise too_large from None
    except MoneyError as exc:
        raise ValueError(f"price: {exc}") from None
    if price <= 0:
        raise ValueError(f"price {values['price']!r} must be more than zero")
    if price > MAX_PRICE_TIYN:
        raise too_large
    vat_class = values["vat_class"]
    if vat_class not in VAT_CLASSES:
        raise ValueError(f"vat_class {vat_class!r} must be one of {', '.join(VAT_CLASSES)}")
    return Product(sku=sku, names=names, unit=unit, price_tiyn=price, vat_class=vat_class, barcode=barcode)


def parse_catalog(text: str) -> tuple[Catalog, list[RowError]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    extra = [h for h in header if h not in COLUMNS]
    if missing or extra:
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            problems.append(f"unknown column(s) {', '.join(extra)}")
        raise CatalogError(f"header (line 1): {'; '.join(problems)}; expected {','.join(COLUMNS)}")
    reader.fieldnames = header
    catalog, errors = Catalog(), []
    for row in reader:
        line = reader.line_num
        if None in row:
            errors.append(RowError(line, f"more fields than the {len(COLUMNS)} columns"))
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        try:
            catalog.add(parse_row(row))
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
    return catalog, errors


def _read_regular_file(path: Path) -> bytes:
    """The file's bytes; CatalogError for a device, pipe or directory, or one over MAX_CATALOG_BYTES.

    Opened without blocking (a FIFO would wait for a writer) and checked on the open file,
    so what is read is what was checked.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise CatalogError(f"{path}: the catalog must be a regular file, not a device, pipe or directory")
    with os.fdopen(fd, "rb") as file:
        data = file.read(MAX_CATALOG_BYTES + 1)
    if len(data) > MAX_CATALOG_BYTES:
        raise CatalogError(f"{path}: the catalog is larger than {MAX_CATALOG_BYTES // (1024 * 1024)} MiB")
    return data


def load_catalog(path: Path) -> tuple[Catalog, list[RowError]]:
    """Read a catalog file; CatalogError names the file when it can't be read at all."""
    try:
        text = _read_regular_file(Path(path)).decode("utf-8-sig")
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read catalog ({exc})") from None
    try:
        return parse_catalog(text)
    except CatalogError as exc:
        raise CatalogError(f"{path}: {exc}") from None
    except csv.Error as exc:
        raise CatalogError(f"{path}: not a valid CSV file ({exc})") from None
