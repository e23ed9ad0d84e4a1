"""`pos journal verify [--from DATE]`, `pos journal verify --archive FILE`, `pos journal export`.

Each prints one line: the summary (exit 0) or the first entry, record or file that does not
match (exit 1). A problem a person can fix (no store, the terminal running, a bad date) is one
line on stderr and exit 2, as for every `pos` command.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable

from pos.core.ports import StoreError

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE = 0, 1, 2


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """`journal` and its two actions, under pos's sub-commands."""
    journal = commands.add_parser("journal", parents=[common], help="verify or export the tamper-evident journal")
    actions = journal.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", parents=[common], help="check every link and every store record (exit 1 "
                                "naming the first that does not match); the terminal must be stopped")
    verify.add_argument("--from", dest="since", type=_day, metavar="DATE",
                        help="check from this business day (YYYY-MM-DD) on, taking its first entry on trust")
    verify.add_argument("--archive", type=Path, metavar="FILE", help="check an exported archive instead (no store "
                        "or configuration needed)")
    export = actions.add_parser("export", parents=[common], help="write the entries of some days to an archive "
                                "(JSON lines + manifest) that `pos journal verify --archive` checks anywhere")
    export.add_argument("--from", dest="since", type=_day, metavar="DATE", required=True)
    export.add_argument("--to", dest="until", type=_day, metavar="DATE", required=True)
    export.add_argument("--out", type=Path, metavar="FILE", required=True)


def run(args: argparse.Namespace, store_directory: Callable[[], Path]) -> int:
    """`store_directory` loads the configuration only when a store is needed (not for --archive)."""
    from pos.store import audit

    try:
        if args.action == "verify" and args.archive is not None:
            verdict = audit.verify_archive(args.archive)
        elif args.action == "verify":
            verdict = audit.verify_store(store_directory(), args.since)
        else:
            verdict = audit.export(store_directory(), args.since, args.until, args.out)
    except StoreError as exc:
        print(f"pos: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(verdict.message, file=sys.stdout if verdict.ok else sys.stderr)
    return EXIT_OK if verdict.ok else EXIT_MISMATCH
