"""Python's cyclic garbage collector around the terminal's start-up.

Start-up creates some 90,000 long-lived objects (modules, classes, style rules, widgets), and
the collector would walk them again and again before the first frame: about 25 ms of a
260 ms start here. pos.cli pauses it before building anything; the App resumes it after the
Sale screen's first frame with one full collection (20-25 ms, the screen already up) and
freezes the survivors, which live as long as the process, so later collections skip them.
Both ends live here so that only a pause made here is resumed: a collector that someone
else turned off (Textual during smooth scrolling) is left alone.
"""

from __future__ import annotations

import gc

_paused = False


def pause_for_start_up() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_after_start_up() -> None:
    """Once, after the first frame; again on exit does nothing (or ends a start-up that failed)."""
    global _paused
    if _paused:
        _paused = False
        gc.collect()
        gc.freeze()
        gc.enable()
