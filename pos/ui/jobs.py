"""Blocking calls (chain polls, printing, rate fetches, charging) in thread workers.

Why a helper of its own: every blocking call follows the same rules, written once here.
One job per name at a time; asked again while it runs, it runs once more afterwards
(so a receipt queued during a print run is not left waiting for the next timer).
Results and exceptions come back on the event loop; an exception goes to the caller's
`failed`, never to a traceback on the cashier's screen. Workers are never cancelled
halfway: a receipt being printed finishes.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, TypeVar

from textual.app import App

T = TypeVar("T")
#: A job noted to run again. Its result's type is the job's own (T in run()), which a dict of
#: several jobs cannot spell: Any, checked where run() is called.
Job = tuple[Callable[[], Any], Callable[[Any], object], Callable[[Exception], object]]


class BlockingJobs:
    def __init__(self, app: App) -> None:
        self._app = app
        self._busy: set[str] = set()
        self._again: dict[str, Job] = {}

    def running(self, name: str) -> bool:
        return name in self._busy

    def run(self, name: str, job: Callable[[], T], done: Callable[[T], object],
            failed: Callable[[Exception], object]) -> bool:
        """Start the job (True), or note it to run again once the running one ends (False)."""
        if name in self._busy:
            self._again[name] = (job, done, failed)
            return False
        self._busy.add(name)

        def work() -> None:
            try:
                result = job()
            except Exception as exc:  # noqa: BLE001 - handed to `failed`, see the module docstring
                self._from_thread(name, failed, exc)
            else:
                self._from_thread(name, done, result)

        self._app.run_worker(work, thread=True, group=name, name=name, exit_on_error=False)
        return True

    def _from_thread(self, name: str, callback: Callable[[T], object], value: T) -> None:
        try:
            # mypy cannot solve textual's `T | Awaitable[T]` for a coroutine function (it infers Never).
            self._app.call_from_thread(self._finished, name, callback, value)  # type: ignore[arg-type]
        except RuntimeError:
            pass  # the app closed while the job ran

    async def _finished(self, name: str, callback: Callable[[T], object], value: T) -> None:
        self._busy.discard(name)
        try:
            result = callback(value)
            if inspect.isawaitable(result):
                await result
        finally:
            again = self._again.pop(name, None)
            if again:
                self.run(name, *again)
