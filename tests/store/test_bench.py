"""`python -m pos.bench`: the table's rows, a crash is an exit code (the quick run itself: tests/bench)."""

import sys
import types

import pytest

from pos.bench import __main__ as bench
from pos.bench.table import Row, render


def test_rows_line_up_with_ratio_and_verdict():
    rows = [Row("save, 1k", 1.5, "ms", target="baseline"), Row("save, 100k", 3.3, "ms", 1.5, "<= 2x", False),
            Row("save, 10k", 1.2, "ms", 1.5, "<= 2x", True)]
    assert render(rows).splitlines() == [
        "figure       value  baseline  ratio  target    result",
        "----------  ------  --------  -----  --------  ------",
        "save, 1k    1.5 ms         -      -  baseline  -",
        "save, 100k  3.3 ms    1.5 ms  2.20x  <= 2x     MISS",
        "save, 10k   1.2 ms    1.5 ms  0.80x  <= 2x     pass",
    ]


def test_a_benchmark_that_crashes_makes_the_run_fail_after_the_others_print(monkeypatch, capsys):
    def crash(quick):
        raise RuntimeError("boom")

    monkeypatch.setitem(sys.modules, "pos.bench.fine", types.SimpleNamespace(run=lambda quick: [Row("x", 1, "ms")]))
    monkeypatch.setitem(sys.modules, "pos.bench.broken", types.SimpleNamespace(run=crash))
    monkeypatch.setattr(bench, "BENCHMARKS", ["broken", "fine"])
    assert bench.main(["--quick"]) == 1
    captured = capsys.readouterr()
    assert "x" in captured.out and "RuntimeError: boom" in captured.err and "crashed: broken" in captured.err


def test_an_unknown_benchmark_is_refused():
    with pytest.raises(SystemExit) as exited:
        bench.main(["nosuch"])
    assert exited.value.code == 2
