"""`pos users add NAME --role cashier|manager` and `pos users list`: the people at the till, for set-up.

The PIN is asked twice without echo, as `pos set-pin` asks the manager PIN, and kept as a salted
scrypt hash in the store (pos.sale.day.add_cashier), journaled as a manager's act: `add` opens the
store for writing, so the terminal must be stopped. `list` reads it as `pos export` does, without
its lock and writing nothing, while the terminal runs.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any, Callable

from pos.config import Config
from pos.core.cashier import ROLES, CashierError, check_new_pin
from pos.core.invoice import utcnow
from pos.core.ports import StoreError
from pos.core.text import printable

EXIT_USAGE = 2


class UsageError(Exception):
    """What the person typed cannot be used; the message says why."""


def ask_pin(read: Callable[[str], str], whose: str) -> str:
    """A new PIN of 4 to 12 digits, typed twice the same."""
    try:
        pin = check_new_pin(read(f"New PIN for {whose} (4-12 digits): "))
    except CashierError as exc:
        raise UsageError(str(exc)) from None
    if read("Repeat it: ") != pin:
        raise UsageError("the two PINs differ")
    return pin


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    users = commands.add_parser("users", parents=[common], help="add or list the cashiers and managers")
    actions = users.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", parents=[common], help="add a person (or give them a new PIN or role); "
                             "asks the PIN twice; the terminal must be stopped")
    add.add_argument("name", help="as printed on receipts and reports")
    add.add_argument("--role", choices=ROLES, required=True)
    actions.add_parser("list", parents=[common], help="names and roles (never a PIN)")


def run(config: Config, args: argparse.Namespace, read: Callable[[str], str] | None = None) -> int:
    """0 when done; 2 with one line on stderr. `read` asks the PIN (getpass: no echo)."""
    from pos.sale.day import add_cashier
    from pos.store import open_store, read_store

    try:
        directory = config.store.directory
        if args.action == "list":
            if not directory.is_dir():
                raise UsageError(f"no store at {directory} ([store] path): nobody added yet")
            for cashier in read_store(directory, lambda store: store.cashiers(), terminal=config.terminal.id):
                print(f"{printable(cashier.name)}\t{cashier.role}")
            return 0
        pin = ask_pin(read or getpass.getpass, printable(args.name))
        try:
            store = open_store(directory, terminal=config.terminal.id)
        except StoreError as exc:
            raise UsageError(f"{exc}. Stop the terminal first") from None
        try:
            cashier = add_cashier(store, args.name, args.role, pin, utcnow())
            print(f"pos users: {printable(cashier.name)} added as {cashier.role}")
        finally:
            store.close()
    except (UsageError, CashierError, StoreError, ValueError) as exc:
        print(f"pos users: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0
