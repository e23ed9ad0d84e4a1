"""`python -m pos.bench.mutation [--quick] [--keep] [PATH ...]`: mutation testing of the money rules.

A test suite that passes whatever the code does proves nothing; mutmut (PyPI, the `test`
extra) changes the code one small fault at a time (a `>=` made `>`, a `1` made `2`, a
string emptied) and runs the tests that reach the changed function. A fault the tests
notice is killed; one they miss survives, and either a test that states the rule is
missing or the fault changes nothing anyone could observe (an equivalent mutant,
explained in README, "Mutation testing").

Mutated are the modules where a wrong comparison costs money or trust (TARGETS; adding
one is one line). The mutants are judged by the fast unit tests only (TESTS: no regtest
node, pty or UI), two at a time on two cores. Everything runs in a copy of the tree in a
temporary directory, so the working tree (and whoever edits it meanwhile) is never
touched. Printed: one line per module with its score against TARGET_PERCENT, then every
surviving mutant as the lines it changed. Exit 0 when every module meets the target, 1
when one misses, 2 when the run itself failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET_PERCENT = 95.0


@dataclass(frozen=True)
class Target:
    """A module to mutate; `functions` limits it to those functions ("Class.method"), empty: all of it."""

    path: str
    functions: tuple[str, ...] = ()
    quick: bool = False  # part of --quick (run by the test suite: keep it under two minutes)

    @property
    def module(self) -> str:
        return self.path.removesuffix(".py").replace("/", ".")

    def patterns(self) -> list[str]:
        """mutmut's names for this target's mutants (methods are `module.xǁClassǁmethod__mutmut_N`)."""
        if not self.functions:
            return [f"{self.module}.*"]
        patterns = []
        for name in self.functions:
            owner, _, function = name.rpartition(".")
            patterns.append(f"{self.module}.{f'xǁ{owner}ǁ{function}' if owner else f'x_{function}'}__mutmut_*")
        return patterns


#: The modules where a wrong comparison costs money or trust. Add one here: one line.
TARGETS = (
    Target("pos/core/money.py", quick=True),
    Target("pos/core/payment.py", quick=True),
    Target("pos/core/invoice.py"),
    Target("pos/core/cart.py"),
    Target("pos/core/receipt.py"),
    # The till's part of hand-over: the sale ends when its invoice is handed over, no quick
    # look after it, a handed-over invoice comes back after a restart, the tallies shown.
    Target("pos/sale/till.py", ("Till.apply", "Till.resume", "Till.poll_on_screen", "Till._tallied")),
    # The journal's chain check: an entry's canonical line and hash, and the links between entries.
    Target("pos/core/journal.py", ("canonical", "digest", "seal", "Entry.body", "Entry.line", "parse_line",
                                   "check_chain")),
)
#: The tests that judge the mutants: fast, plain pytest.
TESTS = ("tests/core", "tests/sale", "tests/drivers/test_receipt_document.py")
#: Not run: it checks that pos/config.toml is a link to the root's, which mutmut's copy is not.
IGNORED_TESTS = ("tests/core/test_config.py",)
#: What the tests need beside pos/ and tests/, copied into the temporary tree.
ALSO_COPY = ("config.toml", "drivers")
#: mutmut's exit codes of a mutant run, by what they mean here (anything else: "suspicious").
KILLED, SURVIVED, NO_TESTS, TIMEOUT = "killed", "survived", "no tests", "timeout"
STATUS = {1: KILLED, 3: KILLED, 0: SURVIVED, 5: NO_TESTS, 33: NO_TESTS, 36: TIMEOUT, 24: TIMEOUT, -24: TIMEOUT,
          152: TIMEOUT, 255: TIMEOUT}


class MutationRunError(RuntimeError):
    """mutmut could not run (the tests fail unmutated, or it is not installed): the log says why."""


@dataclass
class Score:
    """One target's mutants by outcome; a timeout counts as killed (the tests stopped the fault)."""

    target: Target
    counts: dict[str, int] = field(default_factory=dict)
    survivors: list[str] = field(default_factory=list)  # mutant names, not killed (survived or untested)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def killed(self) -> int:
        return self.counts.get(KILLED, 0) + self.counts.get(TIMEOUT, 0)

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.total if self.total else 0.0

    @property
    def passed(self) -> bool:
        return self.total > 0 and self.percent >= TARGET_PERCENT

    def line(self, width: int) -> str:
        missed = ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items()) if k not in (KILLED, TIMEOUT) and n)
        return (f"{self.target.path:<{width}}  {self.killed:>4} of {self.total:<4} killed  {self.percent:5.1f} %  "
                f"{'pass' if self.passed else 'MISS'}" + (f"  ({missed})" if missed else ""))


def copy_tree(into: Path) -> None:
    """The files the tests need, without the node's packages or caches."""
    skip = shutil.ignore_patterns("node_modules", "__pycache__", ".hypothesis", ".pytest_cache", "mutants")
    for name in ("pos", "tests", *ALSO_COPY):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, symlinks=True, ignore=skip)
        else:
            shutil.copy2(source, into / name)
    shutil.copy2(ROOT / "pyproject.toml", into / "pyproject.toml")


def mutmut_config(targets: tuple[Target, ...]) -> str:
    """The [tool.mutmut] section appended to the copy's pyproject.toml (TOML lists are JSON lists)."""
    settings = {
        "source_paths": ["pos"],
        "only_mutate": [t.path for t in targets],
        "also_copy": list(ALSO_COPY),
        "pytest_add_cli_args_test_selection": list(TESTS),
        "pytest_add_cli_args": [*(f"--ignore={p}" for p in IGNORED_TESTS), "-p", "no:cacheprovider", "-p",
                                "no:xdist", "-q"],
    }
    return "\n[tool.mutmut]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())


def run_mutmut(workdir: Path, targets: tuple[Target, ...], children: int) -> None:
    """Raises MutationRunError (with the log's end) when mutmut fails."""
    with open(workdir / "pyproject.toml", "a", encoding="utf-8") as config:
        config.write(mutmut_config(targets))
    log = workdir / "mutmut.log"
    patterns = [p for t in targets for p in t.patterns()]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    with open(log, "wb") as out:
        # A session of its own, so that an interrupted run takes mutmut's workers down with it.
        mutmut = subprocess.Popen([sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *patterns],
                                  cwd=workdir, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            code = mutmut.wait()
        finally:
            if mutmut.poll() is None:
                os.killpg(mutmut.pid, signal.SIGKILL)
                mutmut.wait()
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise MutationRunError(f"mutmut exited with {code}; the end of {log}:\n{tail}")


def scores(workdir: Path, targets: tuple[Target, ...]) -> list[Score]:
    """Each target's outcomes, from mutmut's per-file results (mutants/<path>.meta)."""
    result = []
    for target in targets:
        meta = workdir / "mutants" / f"{target.path}.meta"
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"] if meta.exists() else {}
        score = Score(target)
        for name, code in codes.items():
            if code is None:  # outside the target's functions: generated, not run
                continue
            status = STATUS.get(code, "suspicious")
            score.counts[status] = score.counts.get(status, 0) + 1
            if status not in (KILLED, TIMEOUT):
                score.survivors.append(name)
        result.append(score)
    return result


def changed_lines(workdir: Path, name: str, path: str) -> list[str]:
    """The mutant as the lines it removes and adds (mutmut's own diff, read in its tree)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant  # the test extra; only needed here

    with contextlib.chdir(workdir):
        diff = get_diff_for_mutant(name, path=path)
    return [line for line in diff.splitlines()[2:] if line[:1] in "+-"]


def report(workdir: Path, results: list[Score]) -> str:
    width = max(len(s.target.path) for s in results)
    lines = [s.line(width) for s in results]
    survivors = [(s, name) for s in results for name in s.survivors]
    if survivors:
        lines += ["", f"surviving mutants ({len(survivors)}):"]
    for score, name in survivors:
        lines.append(f"  {name}")
        lines += [f"      {line}" for line in changed_lines(workdir, name, score.target.path)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pos.bench.mutation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="only the quick targets (money.py, payment.py)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary tree (for `mutmut show NAME`)")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 2, help="mutants run at once")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="only these targets, e.g. pos/core/money.py")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.paths) - {t.path for t in TARGETS})
    if unknown:
        parser.error(f"not a target: {', '.join(unknown)}; targets: {', '.join(t.path for t in TARGETS)}")
    targets = tuple(t for t in TARGETS if (not args.paths or t.path in args.paths) and (t.quick or not args.quick))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated run still cleans up (finally)
    workdir = Path(tempfile.mkdtemp(prefix="pos-mutation-"))
    try:
        copy_tree(workdir)
        print(f"mutating {len(targets)} module(s) in {workdir} ...", file=sys.stderr, flush=True)
        run_mutmut(workdir, targets, args.children)
        results = scores(workdir, targets)
        print(report(workdir, results))
    except MutationRunError as exc:
        print(f"pos.bench.mutation: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    met = sum(s.passed for s in results)
    print(f"\n{met} of {len(results)} modules at {TARGET_PERCENT:g} % or above")
    return 0 if met == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
