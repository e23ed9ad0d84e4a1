"""`python -m pos.bench [--quick] [NAME ...]`: run benchmarks, print one table.

Exits 0 when every benchmark ran, whether or not its figures met their targets
(benchmarks are not tests); exits 1 when one crashed, after printing what the others measured.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from pos.bench.table import Row, print_table

#: Benchmark modules in pos.bench, in the order they run. Add yours here.
BENCHMARKS = [
    "store",
    "journal",
    "receipt",
    "detection",
    "startup",
    "charge",
    "memory",
    "fleet",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pos.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a few seconds (smoke runs)")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(BENCHMARKS)} "
                        "(default: all)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    rows: list[Row] = []
    crashed = []
    for name in args.names or BENCHMARKS:
        print(f"running {name}{' (quick)' if args.quick else ''} ...", file=sys.stderr, flush=True)
        try:
            rows += importlib.import_module(f"pos.bench.{name}").run(quick=args.quick)
        except Exception:
            traceback.print_exc()
            crashed.append(name)
    print_table(rows)
    if crashed:
        print(f"\ncrashed: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
