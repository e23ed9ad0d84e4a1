"""pos users add / list: the people at the till, added for set-up with their PIN asked twice."""

from __future__ import annotations

import pytest

from pos.cli import main
from pos.commands import users
from pos.pin import verify_pin
from pos.store import open_store
from tests.test_export import config_for, store_bytes


@pytest.fixture
def config(tmp_path):
    return config_for(tmp_path, tmp_path / "store")


def typed(monkeypatch, *answers: str) -> None:
    it = iter(answers)
    monkeypatch.setattr(users.getpass, "getpass", lambda prompt: next(it))


def test_a_person_is_added_with_their_pin_hashed_and_listed_without_it(monkeypatch, capsys, config, tmp_path):
    typed(monkeypatch, "4321", "4321")
    assert main(["users", "add", "Айгерим", "--role", "manager", "--config", str(config)]) == 0
    assert main(["users", "list", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.endswith("Айгерим\tmanager\n") and "4321" not in out and "scrypt" not in out
    store = open_store(tmp_path / "store")
    try:
        [cashier] = store.cashiers()
        assert verify_pin("4321", cashier.pin_hash) and not verify_pin("1234", cashier.pin_hash)
    finally:
        store.close()


@pytest.mark.parametrize("answers, name, message", [
    (("4321", "4322"), "Aigerim", "the two PINs differ"),
    (("12", "12"), "Aigerim", "4 to 12 digits"),
    (("4321", "4321"), " Aigerim", "a cashier's name is 1 to 24 printable characters"),
])
def test_what_cannot_be_used_is_one_line_and_adds_nobody(monkeypatch, capsys, config, tmp_path, answers, name,
                                                         message):
    typed(monkeypatch, *answers)
    assert main(["users", "add", name, "--role", "cashier", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pos users: ") and message in err and err.count("\n") == 1
    if (tmp_path / "store").exists():
        store = open_store(tmp_path / "store")
        assert store.cashiers() == []
        store.close()


def test_listing_before_any_store_says_so(capsys, config):
    assert main(["users", "list", "--config", str(config)]) == 2
    assert "nobody added yet" in capsys.readouterr().err


def test_listing_while_the_terminal_runs_reads_its_store_and_changes_nothing(monkeypatch, capsys, config, tmp_path):
    typed(monkeypatch, "4321", "4321")
    assert main(["users", "add", "Bolat", "--role", "cashier", "--config", str(config)]) == 0
    running = open_store(tmp_path / "store")
    try:
        before = store_bytes(tmp_path / "store")
        assert main(["users", "list", "--config", str(config)]) == 0
        assert capsys.readouterr().out.endswith("Bolat\tcashier\n")
        assert store_bytes(tmp_path / "store") == before
    finally:
        running.close()
