"""Benchmarks: `python -m pos.bench [--quick] [NAME ...]` prints figures against their targets.

Each benchmark is a module here exposing `run(quick: bool) -> list[Row]` (pos.bench.table)
and one entry in BENCHMARKS in pos.bench.__main__. A benchmark is not a test: a missed
target is reported, not raised.
"""
