"""The store, pos.log and bitcoinlib's providers file are the owner's only (issue 14).

They were created with the umask's modes (0644 files, 0755 directories), so every user of
the machine could read the day's sales and the node's user and password. Each test sets
the usual umask, 022, so the result does not depend on the machine running it.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Iterator

import pytest

from pos.chain.bcl import _write_settings, write_providers
from pos.logs import LOG_NAME, setup_logging
from pos.store import open_store
from tests.builders import make_invoice
from tests.conftest import config_for


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def modes(root: Path) -> dict[str, int]:
    """Every directory and file under root (root too), relative name -> permission bits."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def owner_only(found: dict[str, int], root: Path) -> dict[str, int]:
    """The entries that are not 0700 directories or 0600 files (empty when all is well)."""
    return {name: mode for name, mode in found.items()
            if mode != (0o700 if (root / name).is_dir() else 0o600)}


def test_a_new_store_and_everything_written_to_it_is_owner_only(tmp_path: Path) -> None:
    root = tmp_path / "share" / "cryptocity-pos"  # its parents are made by the store too
    store = open_store(root)
    store.save_invoice(make_invoice())
    store.put_state("ui.sale", {"lines": []})
    store.close()
    found = modes(root)
    assert len(found) > 4 and owner_only(found, root) == {}
    assert stat.S_IMODE((tmp_path / "share").stat().st_mode) == 0o700


def test_an_old_store_with_open_modes_is_tightened_when_opened(tmp_path: Path) -> None:
    root = tmp_path / "store"
    open_store(root).close()
    (root / "old.json.bak").write_text("{}")  # a 0644 file, as an older version left them
    for path in [root, *root.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    open_store(root).close()
    assert owner_only(modes(root), root) == {}


def test_the_log_and_its_rotated_files_are_owner_only(tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        path = setup_logging(tmp_path / "store")
        handler = root.handlers[0]
        handler.maxBytes = 200  # type: ignore[attr-defined]
        for n in range(20):
            logging.getLogger("pos.test").warning("invoice T01-%06d: payment seen", n)
        handler.close()
    finally:
        root.handlers, root.level = handlers, level
    assert path.name == LOG_NAME and (tmp_path / "store" / f"{LOG_NAME}.1").exists()
    assert owner_only(modes(tmp_path / "store"), tmp_path / "store") == {}


def test_bitcoinlibs_files_with_the_nodes_password_are_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "store" / "bitcoinlib"
    chain = config_for(tmp_path / "store", backend="bitcoind", network="regtest",
                       url="http://pos:s3cret@127.0.0.1:18443").chain
    _write_settings(target, chain)
    write_providers(target, chain)
    assert "s3cret" in (target / "providers.json").read_text()
    assert owner_only(modes(tmp_path / "store"), tmp_path / "store") == {}
