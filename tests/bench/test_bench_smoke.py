"""`python -m pos.bench --quick` runs every benchmark to the end and prints a row for each figure.

CI's smoke run of the benchmark (issue 6): small sizes, one process, exit status 0 whether
or not a target is met; a benchmark that crashes makes it fail. The detection benchmark
starts its own regtest node, so this needs the node like the chain tests do.
"""

from __future__ import annotations

import subprocess
import sys

from pos.bench.__main__ import BENCHMARKS
from pos.bench.table import HEADER

#: The start of every figure's row, per benchmark (sizes and counts follow in the quick run).
FIGURES = {
    "store": ["store: save a new invoice (median), 1k stored", "store: save it settled: moves to its day",
              "store: load a past day's invoices", "store: get an old invoice by id", "store: open the store"],
    "receipt": ["receipt bytes (40 lines, native QR)", "same receipt, raster QR", "build + encode 40-line receipt",
                "print via pyserial + pty @9600", "print via pyserial + pty @115200"],
    "detection": ["detection latency, median of 3", "detection latency, worst of 3",
                  "requests per poll, 1 open invoice", "requests per poll, 10 open invoice", "poll duration",
                  "payment broadcast -> hand-over on screen, median of 3",
                  "payment broadcast -> hand-over on screen, worst of 3", "hand-overs made by the quick look",
                  "requests per second, 1 invoice on screen + 10 in background"],
    "startup": ["start-up: minimal Textual app (one Static), median of 2",
                "start-up: pos to the Sale screen's first frame, median of 2",
                "start-up phase: interpreter start-up", "start-up phase: import textual.app",
                "start-up phase: own imports, config, services", "start-up phase: App.run to first frame",
                "start-up: heavy modules loaded by the first frame"],
    "charge": ["charge: Charge key to QR painted, median of 5", "charge: Charge key to QR painted, worst of 5",
               "charge part: address derivation", "charge part: payment URI", "charge part: QR matrix",
               "charge part: QR drawn", "charge part: the rest"],
    "journal": ["journal: append an entry (write + fsync, median), 1k entries",
                "journal: append an entry (write + fsync, median), 10k entries",
                "journal: find the head at opening (median), 10k entries"],
    "memory": ["memory: RSS after start-up", "memory: RSS after the first sale", "memory: RSS after 50 sales",
               "memory: growth over 50 sales", "memory: growth per sale after the first",
               "memory: the store's files (JSON) after 50 sales"],
    "fleet": ["fleet: sale on a till -> its row in PostgreSQL, online", "fleet: catch-up of a day offline",
              "fleet: back office inserts"],
}


def test_every_benchmark_has_its_figures_listed_here():
    assert sorted(BENCHMARKS) == sorted(FIGURES)


def test_the_quick_run_completes_and_prints_every_figure():
    # One test, one run: under pytest-xdist a module fixture would run once per worker.
    done = subprocess.run([sys.executable, "-m", "pos.bench", "--quick"], capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].split() == list(HEADER)
    assert lines[-1].endswith("targets met")
    missing = {name: [figure for figure in figures if not any(row.startswith(figure) for row in lines[2:])]
               for name, figures in FIGURES.items()}
    assert not any(missing.values()), f"no row for {missing}\n{done.stdout}\n{done.stderr[-3000:]}"
