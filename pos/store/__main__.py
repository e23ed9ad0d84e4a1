"""`python -m pos.store repair DIR`: see pos.store.repair (stop the terminal first)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pos.core.ports import StoreError
from pos.store.repair import repair


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pos.store", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    repair_cmd = commands.add_parser("repair", help="set damaged files aside, rebuild the index and counters")
    repair_cmd.add_argument("directory", type=Path, help="the store directory ([store] path in config.toml)")
    args = parser.parse_args(argv)
    try:
        for line in repair(args.directory.expanduser()):
            print(line)
    except StoreError as exc:
        print(f"pos.store: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
