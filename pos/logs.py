"""The terminal's log file: warnings (backend offline, gap limit, printer faults) go there.

Without a handler Python prints warnings to stderr, which would scribble over the
cashier's screen; so the terminal logs to `<store path>/pos.log`, rotated so an SD card
never fills up with it.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_NAME = "pos.log"


def setup_logging(directory: Path, level: int = logging.INFO) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOG_NAME
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    return path
