"""The `pos` command: parse arguments, load the configuration, start the right thing.

Every failure a person can fix (configuration, store, key, catalog) ends here as one
line on stderr and exit status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Callable, Sequence

from pos.check import describe_check
from pos.commands import backoffice, export, users
from pos.collector import pause_for_start_up, resume_after_start_up
from pos.commands import journal
from pos.config import Config, ConfigError, config_path, load_config

EXIT_USAGE = 2
DISTRIBUTION = "cryptocity-pos"


def version() -> str:
    """The installed package's version (pyproject.toml), as pip knows it."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


class _VersionAction(argparse.Action):
    """`pos --version`; the package metadata is read only when asked (it slows start-up)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"pos {version()}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="configuration file (default: $POS_CONFIG, then the shipped config.toml)")
    parser = argparse.ArgumentParser(prog="pos", parents=[common],
                                     description="CryptoCity POS: a point-of-sale terminal taking Bitcoin.")
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--kiosk", action="store_true", help="full screen; leaving needs the manager PIN")
    parser.add_argument("--headless", action="store_true", help="run with no terminal (needs --script)")
    parser.add_argument("--script", metavar="FILE", help="headless script: press/type/wait/screenshot/sleep")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    checked, exit_statuses = describe_check()
    sub.add_parser("check", parents=[common], help="validate the configuration, probe chain and printer",
                   description=checked, epilog=exit_statuses, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_parser("demo", parents=[common], help="a whole sale on a local regtest node: no internet, no coins")
    sub.add_parser("set-pin", parents=[common], help="make the [ui] manager_pin_hash line for a new PIN")
    journal.add_parser(sub, common)
    export.add_parser(sub, common)
    backoffice.add_parser(sub, common)
    users.add_parser(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.headless and not args.script:
        print("pos: --headless needs --script FILE", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "set-pin":
        return set_pin()
    try:
        if args.command == "journal":  # `verify --archive` needs no configuration
            return journal.run(args, lambda: load_config(config_path(getattr(args, "config", None))).store.directory)
        config = load_config(config_path(getattr(args, "config", None)))
        if args.command == "check":
            from pos.check import run_check

            return run_check(config)
        if args.command == "demo":
            from pos.demo import run_demo

            return run_demo(config)
        if args.command == "export":
            return export.run_export(config, args)
        if args.command == "backoffice":
            return backoffice.run(config, args)
        if args.command == "users":
            return users.run(config, args)
        return run_terminal(config, kiosk=args.kiosk or config.terminal.kiosk,
                            script=args.script if args.headless else None)
    except ConfigError as exc:
        print(f"pos: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def run_terminal(config: Config, *, kiosk: bool, script: str | None) -> int:
    pause_for_start_up()  # until the Sale screen's first frame: see pos.collector
    try:
        return _run_terminal(config, kiosk=kiosk, script=script)
    finally:
        resume_after_start_up()  # nothing to do unless start-up never reached a frame


def _run_terminal(config: Config, *, kiosk: bool, script: str | None) -> int:
    from pos.core.ports import StoreError
    from pos.logs import setup_logging
    from pos.services import StartupError, build_services
    from pos.store import open_store

    # The store's lock first: nothing inside the store (pos.log, bitcoinlib's providers file
    # with the node's address) is written by a second pos that the lock is about to refuse.
    try:
        store = open_store(config.store.directory)
    except StoreError as exc:
        print(f"pos: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        setup_logging(config.store.directory)
        services = build_services(config, store=store)
    except (StoreError, StartupError) as exc:
        store.close()
        print(f"pos: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if script is not None:
            from pos.headless import run_script

            return run_script(services, script, kiosk=kiosk)
        from pos.ui.app import PosApp

        PosApp(services, kiosk=kiosk).run()
        return 0
    finally:
        services.close()


def set_pin(read: Callable[[str], str] = getpass.getpass) -> int:
    from pos.pin import hash_pin

    try:
        pin = users.ask_pin(read, "the manager")
    except users.UsageError as exc:
        print(f"pos: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print("Put this line in the [ui] section of your config.toml:")
    print(f'manager_pin_hash = "{hash_pin(pin)}"')
    return 0
