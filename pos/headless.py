"""`pos --headless --script FILE`: the same app with no terminal, driven by a script.

A contract for test rigs outside the project, so change it only compatibly. Script lines:

    press KEY [KEY...]              Textual key names: f10, enter, escape, ctrl+q, a, 1 ...
    type TEXT                       each character of TEXT as a key press (spaces included)
    wait EVENT [FIELD=VALUE...] [SECONDS]
                                    until an event of that name whose fields match arrives
                                    (default 60 s); a timeout ends the run with exit status 1
    screenshot FILE.svg             the screen as SVG (Textual's export_screenshot), then a
                                    `screenshot` event once the file is written
    sleep SECONDS
    # comment                       (blank lines are ignored too)

`wait` looks at the events that came after the one the previous `wait` matched, so an
event raised while keys were being pressed is not missed, and one event answers one
wait. FIELD=VALUE compares the event's field as text; a list field (marks) matches a
comma-separated set: `marks=paid_partial,paid_over`, `marks=` for none.

Events are written to stdout as JSON lines as they happen, e.g.
    {"event": "invoice_created", "invoice": "T01-000001", "address": "...", "amount_sat": 3178,
     "total_kzt": "1430.00", "total_tiyn": 143000, "uri": "bitcoin:..."}
Exit status: 0 when the script ran to its end, 1 when a wait timed out or the app
failed or exited before the script's end, 2 when the script cannot be read or parsed (nothing is run then).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the app is imported when a script runs, not with this module
    from pos.services import Services
    from pos.ui.app import PosApp

DEFAULT_WAIT_SECONDS = 60.0
SIZE = (80, 24)
VERBS = ("press", "type", "wait", "screenshot", "sleep")


class ScriptError(Exception):
    """A script that cannot run: the message names the file and line."""


@dataclass(frozen=True)
class Command:
    line: int
    verb: str
    args: tuple[str, ...]
    text: str = ""  # `type`: the rest of the line, spaces kept
    seconds: float = 0.0  # `wait`, `sleep`
    fields: tuple[tuple[str, str], ...] = ()  # `wait`


def _seconds(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ScriptError(f"{where}: {text!r} is not a number of seconds") from None
    if not 0 <= value <= 86_400:
        raise ScriptError(f"{where}: {text!r} seconds is out of range (0 to 86400)")
    return value


def parse_command(raw: str, line: int, where: str) -> Command | None:
    stripped = raw.strip()
    if not stripped or stripped.startswith("#"):
        return None
    verb, _, rest = stripped.partition(" ")
    args = tuple(rest.split())
    if verb not in VERBS:
        raise ScriptError(f"{where}: unknown command {verb!r} (known: {', '.join(VERBS)}, # comment)")
    if verb == "press":
        if not args:
            raise ScriptError(f"{where}: press needs at least one key")
        return Command(line, verb, args)
    if verb == "type":
        text = raw.split("type", 1)[1].removeprefix(" ").rstrip("\r\n")
        if not text:
            raise ScriptError(f"{where}: type needs some text")
        return Command(line, verb, args, text=text)
    if verb == "wait":
        if not args:
            raise ScriptError(f"{where}: wait needs an event name")
        seconds, pairs = DEFAULT_WAIT_SECONDS, list(args[1:])
        if pairs and "=" not in pairs[-1]:
            seconds = _seconds(pairs.pop(), where)
        fields = []
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not key:
                raise ScriptError(f"{where}: {pair!r} must be FIELD=VALUE")
            fields.append((key, value))
        return Command(line, verb, args, seconds=seconds, fields=tuple(fields))
    if verb == "screenshot":
        if len(args) != 1 or not args[0].endswith(".svg"):
            raise ScriptError(f"{where}: screenshot needs one FILE.svg")
        return Command(line, verb, args)
    if len(args) != 1:
        raise ScriptError(f"{where}: sleep needs one number of seconds")
    return Command(line, verb, args, seconds=_seconds(args[0], where))


def parse_script(text: str, name: str = "script") -> list[Command]:
    commands = []
    for number, raw in enumerate(text.splitlines(), start=1):
        command = parse_command(raw, number, f"{name}:{number}")
        if command is not None:
            commands.append(command)
    return commands


def field_matches(value: object, expected: str) -> bool:
    if isinstance(value, (list, tuple, set, frozenset)):
        return set(map(str, value)) == {v for v in expected.split(",") if v}
    if isinstance(value, bool):
        return expected.lower() == str(value).lower()
    if value is None:
        return expected in ("", "null", "none")
    return str(value) == expected


def event_matches(event: dict, name: str, fields: tuple[tuple[str, str], ...]) -> bool:
    return event.get("event") == name and all(
        key in event and field_matches(event[key], expected) for key, expected in fields)


class EventLog:
    """Every event, written out as a JSON line when it happens and kept for `wait`."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.events: list[dict] = []
        self.cursor = 0  # the first event the next `wait` may match

    def __call__(self, name: str, fields: dict) -> None:
        event = {"event": name, **fields}
        self.events.append(event)
        self.out.write(json.dumps(event, ensure_ascii=False) + "\n")
        self.out.flush()

    def take(self, name: str, fields: tuple[tuple[str, str], ...]) -> dict | None:
        for index in range(self.cursor, len(self.events)):
            if event_matches(self.events[index], name, fields):
                self.cursor = index + 1
                return self.events[index]
        return None


def next_refresh(app: PosApp) -> asyncio.Future[None]:
    """Done at the app's next screen refresh; one cancelled meanwhile (a deadline passed) is left alone."""
    refreshed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def resolve() -> None:
        if not refreshed.done():
            refreshed.set_result(None)

    app.call_after_refresh(resolve)
    return refreshed


async def _run(services: Services, commands: list[Command], name: str, kiosk: bool, log: EventLog,
               errors: TextIO) -> int:
    from pos.ui.app import PosApp

    app = PosApp(services, kiosk=kiosk, events=log)
    async with app.run_test(headless=True, size=SIZE) as pilot:
        for command in commands:
            where = f"{name}:{command.line}"
            if not app.is_running:
                print(f"{where}: the app has exited; the rest of the script is not run", file=errors)
                return 1
            if command.verb == "press":
                await pilot.press(*command.args)
            elif command.verb == "type":
                await pilot.press(*command.text)
            elif command.verb == "sleep":
                await pilot.pause(command.seconds)
            elif command.verb == "screenshot":
                await pilot.pause()  # what was asked for is drawn first: its messages handled,
                await next_refresh(app)  # then a screen refresh (a screen pushed last is laid out there)
                path = Path(command.args[0])
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(app.export_screenshot(), encoding="utf-8")
                log("screenshot", {"file": str(path)})
            else:
                deadline = time.monotonic() + command.seconds
                while log.take(command.args[0], command.fields) is None:
                    if not app.is_running:
                        print(f"{where}: the app exited while waiting for {command.args[0]}", file=errors)
                        return 1
                    if time.monotonic() >= deadline:
                        wanted = " ".join([command.args[0], *(f"{k}={v}" for k, v in command.fields)])
                        print(f"{where}: timed out after {command.seconds:g} s waiting for {wanted}", file=errors)
                        return 1
                    await asyncio.sleep(0.05)
    return 0


def run_script(services: Services, script_path: str | Path, *, kiosk: bool = False, out: TextIO | None = None,
               errors: TextIO | None = None) -> int:
    """Run the app headless under a script; events as JSON lines on `out` (stdout)."""
    out, errors = out or sys.stdout, errors or sys.stderr
    path = Path(script_path)
    try:
        commands = parse_script(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        print(f"pos: cannot read script {path}: {exc.strerror or exc}", file=errors)
        return 2
    except UnicodeDecodeError:
        print(f"pos: script {path} is not UTF-8 text", file=errors)
        return 2
    except ScriptError as exc:
        print(f"pos: {exc}", file=errors)
        return 2
    try:
        return asyncio.run(_run(services, commands, str(path), kiosk, EventLog(out), errors))
    except Exception as exc:  # noqa: BLE001 - a test rig gets a status and a line, not a traceback
        print(f"pos: the app failed while running {path}: {type(exc).__name__}: {exc}", file=errors)
        return 1
