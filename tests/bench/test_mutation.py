"""`python -m pos.bench.mutation`: its targets exist, and a run goes from the tree's copy to the scores.

The quick mode (money.py and payment.py, about 550 mutants) takes one and a half to several
minutes on 2 shared cores, more beside the rest of the suite: over the two minutes issue 17
allows the test command, so it is a command only (README, "Mutation testing"). Here one
function is mutated, through the same steps, to show that the command works.
"""

from __future__ import annotations

import ast
import tomllib

import pytest

from pos.bench.mutation import ROOT, TARGETS, TESTS, Target, copy_tree, main, mutmut_config, report, run_mutmut, scores


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


def test_a_run_over_one_function_kills_its_mutants_and_reports_them(tmp_path):
    target = Target("pos/core/money.py", ("div_up",))
    copy_tree(tmp_path)
    run_mutmut(tmp_path, (target,), children=1)
    [score] = scores(tmp_path, (target,))
    assert score.total >= 3 and score.killed == score.total and score.passed, score
    assert report(tmp_path, [score]).startswith("pos/core/money.py")


def test_a_path_that_is_not_a_target_is_refused_before_anything_runs(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["pos/core/catalog.py"])
    assert stopped.value.code == 2
    assert "not a target: pos/core/catalog.py" in capsys.readouterr().err
