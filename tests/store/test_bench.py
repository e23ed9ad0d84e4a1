"""`python -m pos.bench`: the store benchmark runs and prints its table; a crash is an exit code."""

import subprocess
import sys
import types

import pytest

from pos.bench import __main__ as bench
from pos.bench.table import Row, render


def test_the_quick_store_benchmark_prints_its_table():
    done = subprocess.run([sys.executable, "-m", "pos.bench", "--quick", "store"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["figure", "value", "baseline", "ratio", "target", "result"]
    for figure in ("save a new invoice (median), 1k stored", "save it settled", "load a past day's invoices",
                   "get an old invoice by id", "open the store"):
        assert any(figure in line for line in lines), figure
    assert lines[-1].endswith("targets met")


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
