"""The terminal's log file: warnings (backend offline, gap limit, printer faults) go there.

Without a handler Python prints warnings to stderr, which would scribble over the
cashier's screen; so the terminal logs to `<store path>/pos.log`, rotated so an SD card
never fills up with it. The log names invoices, addresses and backend errors: like the
store, it is readable by its owner only (0600, in a 0700 directory), rotated files too.
"""

from __future__ import annotations

import logging
import os
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

from pos.core.ports import StoreError
from pos.store.atomic import FILE_MODE, make_dirs

LOG_NAME = "pos.log"


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler whose files (the first and each one after a rotation) are 0600."""

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)  # a log left by an older version may be 0644
        except OSError:
            os.close(fd)
            raise
        return open(fd, "a", encoding=self.encoding, errors=self.errors)  # self.mode is "a" once rotating

    def handleError(self, record: logging.LogRecord) -> None:
        """A line that cannot be written (disk full, store turned read-only) is dropped quietly.

        logging's default prints a traceback to stderr, over the cashier's screen; the store
        fault behind it is shown on screen by the app (pos.ui.app, store_failed).
        """


def setup_logging(directory: Path, level: int = logging.INFO) -> Path:
    """Log to `<directory>/pos.log`; StoreError names the file when it cannot be written."""
    path = directory / LOG_NAME
    try:
        make_dirs(directory)  # 0700, like the store it usually is
        handler = PrivateRotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot write the log file {path}: {exc.strerror or exc}") from None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    return path
