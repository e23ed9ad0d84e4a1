"""`pos backoffice`: the fleet's back office (README, "Fleet").

    pos backoffice                                the hub's journal stream into PostgreSQL, until stopped
    pos backoffice report --day D [--terminal T]  the day's figures per terminal and for the fleet
    pos backoffice export --from D --to D ...     `pos export` over every terminal's records
    pos backoffice publish-catalog FILE           a new price list for every till

The hub is [sync]'s, the database [backoffice] database. A problem a person can fix (no hub
or database configured or reachable, a bad price list) is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from pos.commands import export
from pos.config import Config
from pos.core.catalog import CatalogError

EXIT_OK, EXIT_USAGE = 0, 2
RUN, REPORT, EXPORT, PUBLISH = None, "report", "export", "publish-catalog"


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    office = commands.add_parser(
        "backoffice", parents=[common], help="the fleet's back office: the tills' journals into PostgreSQL, "
        "central reports, prices to the tills",
        description="Without an action: read the hub's journal stream ([sync]) into PostgreSQL ([backoffice] "
                    "database) until stopped, checking every till's hash chain.")
    actions = office.add_subparsers(dest="action", metavar="ACTION")
    report = actions.add_parser(REPORT, parents=[common], help="a business day's figures per terminal and in total")
    report.add_argument("--day", type=export._day, required=True, metavar="DATE", help="business day, YYYY-MM-DD")
    report.add_argument("--terminal", metavar="ID", help="this terminal only")
    export.add_parser(actions, common)
    publish = actions.add_parser(PUBLISH, parents=[common], help="publish a catalog CSV to every till")
    publish.add_argument("file", type=Path, metavar="FILE", help="catalog CSV (the format of [pricing] catalog)")


def run(config: Config, args: argparse.Namespace) -> int:
    from pos.fleet.central import CentralError
    from pos.fleet.hub import HubError

    problem = _missing(config, args.action)
    if problem:
        print(f"pos backoffice: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.action == PUBLISH:
            return _publish(config, args.file)
        if args.action == REPORT:
            return _report(config, args.day, args.terminal)
        if args.action == EXPORT:
            return _export(config, args)
        return _serve(config)
    except (HubError, CentralError, CatalogError) as exc:
        print(f"pos backoffice: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _missing(config: Config, action: str | None) -> str:
    if action != PUBLISH and not config.backoffice.database:
        return f"{config.source}: [backoffice] database: the PostgreSQL URL is needed"
    if action in (RUN, PUBLISH) and not config.sync.url:
        return f"{config.source}: [sync] url: the hub's address is needed"
    return ""


def _serve(config: Config) -> int:
    from pos.fleet.central import Central
    from pos.fleet.consumer import consume

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    central = Central(config.backoffice.database)

    async def serve() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        progress = await consume(config, central, stopping)
        logging.info("back office stopped: %d new entries, %d repeated, %d chain break(s)", progress.new,
                     progress.repeated, progress.breaks)

    try:
        asyncio.run(serve())
    finally:
        central.close()
    return EXIT_OK


def _report(config: Config, day: date, terminal: str | None) -> int:
    from pos.fleet.central import Central
    from pos.fleet.figures import FLEET, day_report, figure_lines

    central = Central(config.backoffice.database)
    try:
        invoices = central.invoices([day], terminal)
        states = central.terminals()
        breaks = central.breaks(terminal)
    finally:
        central.close()
    at = datetime.now(timezone.utc)
    shown = [terminal] if terminal else sorted(set(invoices) | set(states))
    print(f"Business day {day} (Asia/Almaty), figures as each terminal's X report computes them")
    for name in shown:
        print(f"terminal {name}")
        for line in figure_lines(day_report(name, day, invoices.get(name, []), at)):
            print(f"  {line}")
        state = states.get(name)
        if state is not None:
            print(f"  journal: {state.received} entries received, chain checked to entry {state.checked_to}, "
                  f"{state.breaks} break(s)")
    if terminal is None:
        print("all terminals")
        every = [invoice for found in invoices.values() for invoice in found]
        for line in figure_lines(day_report(FLEET, day, every, at)):
            print(f"  {line}")
    for where, seq, message in breaks:
        print(f"CHAIN BREAK terminal {where} entry {seq}: {message}")
    return EXIT_OK


def _export(config: Config, args: argparse.Namespace) -> int:
    from pos.fleet.central import Central, CentralError

    central = Central(config.backoffice.database)

    def read(days: list[date]) -> export.Records:  # the fleet keeps invoices only, so far
        try:
            return export.Records([invoice for found in central.invoices(days).values() for invoice in found])
        except CentralError as exc:
            raise export.ExportError(str(exc)) from None

    try:
        return export.run_export(config, args, read=read)
    finally:
        central.close()


def _publish(config: Config, path: Path) -> int:
    from pos.core.catalog import MAX_CATALOG_BYTES
    from pos.fleet.consumer import publish_catalog

    if not path.is_file():  # a pipe or a device would hang the read
        raise CatalogError(f"{path}: no such regular file")
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_CATALOG_BYTES + 1)
    except OSError as exc:
        raise CatalogError(f"{path}: {exc.strerror or exc}") from None
    version = asyncio.run(publish_catalog(config, raw, str(path)))
    print(f"price list {version.label} published to the hub's {config.sync.catalog_bucket} bucket: the tills take "
          "it between sales")
    return EXIT_OK
