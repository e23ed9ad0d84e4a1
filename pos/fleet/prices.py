"""The fleet's price list: one catalog CSV (pos.core.catalog's format) the back office publishes.

A version is the hub's revision of the key and the SHA-256 of the CSV's bytes. A till takes
a new version between sales only (pos.sale.till.Till.take_catalog), keeps the version it
uses in a store state document of its own (so a start while the hub is down sells at the
last prices it had, not at the shipped file's), and journals the version each sale used.

The CSV travels in one hub message and in one journal entry (the state document), so it
is bounded well below both limits (the hub's 1 MB message, the journal's line).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from pos.core.catalog import Catalog, CatalogError, RowError, parse_catalog
from pos.core.ports import Store

#: `catalog:` keys have a state file of their own (pos.store.layout.state_name): the cart's
#: document, rewritten at every scan, does not carry the price list with it.
CATALOG_STATE = "catalog:fleet"
#: ~3 000 products with names in three languages; JSON escaping stays under the hub's 1 MB.
MAX_CATALOG_BYTES = 512 * 1024


@dataclass(frozen=True)
class CatalogVersion:
    revision: int
    sha256: str
    text: str

    @property
    def label(self) -> str:
        """What a sale journals and the back office shows: `<revision>/<first 12 hex of the SHA-256>`."""
        return f"{self.revision}/{self.sha256[:12]}"


@dataclass(frozen=True)
class Offer:
    """A version checked and parsed, ready to be taken between sales."""

    version: CatalogVersion
    catalog: Catalog
    errors: tuple[RowError, ...]


def check_size(raw: bytes, where: str) -> None:
    if len(raw) > MAX_CATALOG_BYTES:
        raise CatalogError(f"{where}: the price list is {len(raw)} bytes; the fleet carries at most "
                           f"{MAX_CATALOG_BYTES} (split the shop's catalog, or keep it in [pricing] catalog)")


def offer_of(raw: bytes, revision: int, where: str) -> Offer:
    """CatalogError when the bytes are no usable catalog (the till keeps its prices then)."""
    check_size(raw, where)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogError(f"{where}: the price list is not UTF-8 text") from None
    catalog, errors = parse_catalog(text)
    if not catalog.products:
        raise CatalogError(f"{where}: the price list has no product a till could sell")
    return Offer(CatalogVersion(revision, hashlib.sha256(raw).hexdigest(), text), catalog, tuple(errors))


def saved_offer(store: Store) -> Offer | None:
    """The version the till used last (None: it has never taken one, or what is kept cannot be read)."""
    saved = store.get_state(CATALOG_STATE)
    if not saved:
        return None
    try:
        offer = offer_of(str(saved["text"]).encode(), int(saved["revision"]), f"store state {CATALOG_STATE}")
        return replace(offer, version=replace(offer.version, sha256=str(saved["sha256"])))
    except (CatalogError, KeyError, TypeError, ValueError):
        return None


def keep(store: Store, version: CatalogVersion) -> None:
    store.put_state(CATALOG_STATE, {"revision": version.revision, "sha256": version.sha256, "text": version.text})
