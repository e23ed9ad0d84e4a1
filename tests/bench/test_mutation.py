"""`python -m pos.bench.mutation`: its targets exist, and its quick mode runs and meets the target.

The quick mode mutates pos/core/money.py and pos/core/payment.py (issue 17): a new rule in
either that no test pins makes this test fail, with the surviving mutants printed.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib

from pos.bench.mutation import ROOT, TARGETS, TESTS, Target, mutmut_config


def defined_functions(path: str) -> set[str]:
    """Top-level functions and methods ("Class.method") of a module."""
    names = set()
    for node in ast.parse((ROOT / path).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(f"{node.name}.{item.name}" for item in node.body if isinstance(item, ast.FunctionDef))
    return names


def test_every_target_and_its_functions_exist_so_none_drops_out_silently():
    for target in TARGETS:
        assert (ROOT / target.path).is_file(), target.path
        missing = set(target.functions) - defined_functions(target.path)
        assert not missing, f"{target.path} has no {sorted(missing)}: rename them in TARGETS"
    assert all((ROOT / path).exists() for path in TESTS)


def test_mutmut_names_each_targets_mutants_by_module_function_and_method():
    assert Target("pos/core/money.py").patterns() == ["pos.core.money.*"]
    assert Target("pos/sale/till.py", ("Till.apply", "fast_poll_seconds")).patterns() == [
        "pos.sale.till.xǁTillǁapply__mutmut_*", "pos.sale.till.x_fast_poll_seconds__mutmut_*"]


def test_the_mutmut_section_is_valid_toml_naming_every_target():
    section = tomllib.loads(mutmut_config(TARGETS))["tool"]["mutmut"]
    assert section["only_mutate"] == [t.path for t in TARGETS]
    assert section["pytest_add_cli_args_test_selection"] == list(TESTS)


def test_the_quick_run_scores_money_and_payment_and_meets_the_target():
    done = subprocess.run([sys.executable, "-m", "pos.bench.mutation", "--quick"], capture_output=True, text=True,
                          timeout=280, cwd=ROOT)
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["pos/core/money.py", "pos/core/payment.py"], done.stderr
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-3000:]}"
    assert lines[-1] == "2 of 2 modules at 95 % or above"
