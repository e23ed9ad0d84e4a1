"""Cold start: a fresh `pos` process to the first frame of the cashier's Sale screen, headless.

Every run is a new Python process (`python -c PROBE`) running the real entry point,
pos.cli.main, with a config of its own (store in a temporary directory, the manual rate,
the shipped key and mock printer, a bcoin backend on a closed local port so that the
first poll, which loads bitcoinlib as on a terminal, never leaves the machine), under
Textual's headless driver (TEXTUAL_DRIVER). The baseline is a minimal Textual app, one
Static on the default screen, started by the same probe in the same run; the two are
interleaved so that a busy moment on the machine hits both.

Timing covers the whole process: the parent reads time.monotonic() just before starting
it, and the probe writes time.monotonic() when the first frame of the wanted screen is
drawn (CLOCK_MONOTONIC is one clock for all processes on Linux). "Drawn" is the call of
App._display, where every screen's compositor hands over a rendered frame (headless,
Textual stops there instead of writing to a terminal). Textual's Ready event is no
substitute: during the batched start-up it is posted before the first frame is drawn.
The probe also records which of bitcoinlib, qrcode and serial (pyserial) had been
imported by then: they must stay off the start-up path.

Bytecode: each run looks for compiled modules in a cache of its own (PYTHONPYCACHEPREFIX)
filled by one unmeasured run of each app, as on a terminal where the package was compiled
when installed. Without it, PYTHONDONTWRITEBYTECODE (set in some shells and CI) would make
every `pos` start compile its own modules from source while Textual's came precompiled.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pos.bench.table import Row
from pos.config import DEFAULT_PATH, load_config

TARGET_RATIO = 1.5
HEAVY_MODULES = ("bitcoinlib", "qrcode", "serial")
RUN_TIMEOUT = 60.0
SIZE = (80, 24)

#: Runs the app named in argv[1] ("pos" with argv[4] the config, or "minimal") and exits
#: at the first frame of the screen class named in argv[3], writing to the file argv[2]
#: the time, the heavy modules imported by then, and when Textual and the app's run began.
PROBE = """
import json, sys, time
started = time.monotonic()
from textual.app import App
textual_loaded = time.monotonic()
kind, out, wanted = sys.argv[1:4]
heavy = %(heavy)r
draw = App._display
run = App.run
marks = {"started": started, "textual": textual_loaded}

def display(self, screen, frame):
    draw(self, screen, frame)
    if frame is not None and not self._batch_count and type(screen).__name__ == wanted and "frame" not in marks:
        marks["frame"] = time.monotonic()
        with open(out, "w") as f:
            json.dump({"marks": marks, "heavy": [m for m in heavy if m in sys.modules]}, f)
        self.exit()

def timed_run(self, *args, **kwargs):
    marks["run"] = time.monotonic()
    return run(self, *args, **kwargs)

App._display = display
App.run = timed_run
if kind == "pos":
    from pos.cli import main
    sys.exit(main(["--config", sys.argv[4]]))
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("CryptoCity POS")

Minimal().run()
""" % {"heavy": HEAVY_MODULES}


@dataclass(frozen=True)
class Start:
    """One cold start: seconds from launch to each mark, and the heavy modules loaded by the frame."""

    interpreter: float  # launch -> the probe's first line
    textual: float  # launch -> textual.app imported
    run: float  # launch -> App.run called (the app's own imports, config and services done)
    frame: float  # launch -> first frame drawn
    heavy: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """An app the probe starts: its name for the probe, extra arguments, the screen to wait for."""

    name: str
    argv: tuple[str, ...]
    screen: str


def _config_file(directory: Path) -> Path:
    """A config like a terminal's, in `directory`; everything not named here is the shipped default."""
    shipped = load_config(DEFAULT_PATH)
    path = directory / "config.toml"
    path.write_text(
        f'[merchant]\nname = {json.dumps(shipped.merchant.name)}\nbin = "{shipped.merchant.bin}"\n'
        f'[store]\npath = {json.dumps(str(directory / "store"))}\n'
        f'[chain]\nxpub = "{shipped.chain.xpub}"\nbackend = "bcoin"\nurl = "http://127.0.0.1:9"\n'
        '[pricing]\nrate_source = "manual"\n', encoding="utf-8")
    return path


def _environment(directory: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "POS_CONFIG")}
    env.update(TEXTUAL_DRIVER="textual.drivers.headless_driver:HeadlessDriver", COLUMNS=str(SIZE[0]),
               LINES=str(SIZE[1]), PYTHONPYCACHEPREFIX=str(directory / "pycache"))
    return env


def _start(app: Target, directory: Path, env: dict[str, str]) -> Start:
    out = directory / "frame.json"
    out.unlink(missing_ok=True)
    launched = time.monotonic()
    done = subprocess.run([sys.executable, "-c", PROBE, app.name, str(out), app.screen, *app.argv],
                          cwd=directory, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"the {app.name} app did not draw a {app.screen} frame (exit status "
                           f"{done.returncode}): {done.stderr.strip()[-2000:]}")
    result = json.loads(out.read_text(encoding="utf-8"))
    marks = {name: at - launched for name, at in result["marks"].items()}
    return Start(marks["started"], marks["textual"], marks["run"], marks["frame"], tuple(result["heavy"]))


def measure(runs: int) -> dict[str, list[Start]]:
    """`runs` cold starts of each app, interleaved, after one unmeasured start of each."""
    with tempfile.TemporaryDirectory(prefix="pos-bench-startup-") as tmp:
        directory = Path(tmp)
        env = _environment(directory)
        apps = [Target("minimal", (), "Screen"), Target("pos", (str(_config_file(directory)),), "SaleScreen")]
        starts: dict[str, list[Start]] = {app.name: [] for app in apps}
        for app in apps:
            _start(app, directory, env)  # fills the bytecode cache and the page cache
        for i in range(runs):
            for app in apps if i % 2 == 0 else apps[::-1]:
                starts[app.name].append(_start(app, directory, env))
        return starts


def run(quick: bool) -> list[Row]:
    runs = 2 if quick else 10
    starts = measure(runs)
    return rows(starts["pos"], starts["minimal"])


def _median_ms(starts: list[Start], phase) -> float:
    return statistics.median(phase(s) for s in starts) * 1000


def rows(pos: list[Start], minimal: list[Start]) -> list[Row]:
    n = len(pos)
    base = _median_ms(minimal, lambda s: s.frame)
    value = _median_ms(pos, lambda s: s.frame)
    heavy = sorted({m for s in pos for m in s.heavy})
    phases = [
        ("interpreter start-up", lambda s: s.interpreter),
        ("import textual.app", lambda s: s.textual - s.interpreter),
        ("own imports, config, services", lambda s: s.run - s.textual),
        ("App.run to first frame", lambda s: s.frame - s.run),
    ]
    return [
        Row(f"start-up: minimal Textual app (one Static), median of {n}", base, "ms"),
        Row(f"start-up: pos to the Sale screen's first frame, median of {n}", value, "ms", base,
            f"<= {TARGET_RATIO:g}x minimal", value <= TARGET_RATIO * base),
        *(Row(f"start-up phase: {name}", _median_ms(pos, phase), "ms", _median_ms(minimal, phase))
          for name, phase in phases),
        Row(f"start-up: heavy modules loaded by the first frame ({', '.join(heavy) or 'none'})", len(heavy),
            "modules", target=f"0 of {', '.join(HEAVY_MODULES)}", passed=not heavy),
    ]
