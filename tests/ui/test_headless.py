"""The headless script runner (a contract): commands, events as JSON lines, exit statuses."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pos.headless import ScriptError, event_matches, parse_script, run_script
from tests.ui.conftest import make_config, make_services
from tests.ui.qr_decode import decode_svg


def run(tmp_path: Path, script: str, services=None) -> tuple[int, list[dict], str]:
    path = tmp_path / "sale.script"
    path.write_text(script, encoding="utf-8")
    out, errors = io.StringIO(), io.StringIO()
    status = run_script(services or make_services(make_config(ui={"language": "en"})), path, out=out,
                        errors=errors)
    return status, [json.loads(line) for line in out.getvalue().splitlines()], errors.getvalue()


def test_a_script_sells_charges_and_reports_events_with_a_screenshot(tmp_path: Path) -> None:
    services = make_services(make_config(ui={"language": "en"}))
    shot = tmp_path / "shots" / "charge.svg"
    status, events, errors = run(tmp_path, f"""
# two items, then charge
type 4870001000011
press enter
type 2*MILK-01
press enter f10
wait invoice_created 10
wait payment_state state=new marks= 5
screenshot {shot}
""", services)
    assert (status, errors) == (0, "")
    created = next(e for e in events if e["event"] == "invoice_created")
    assert created["total_kzt"] == "1430.00" and created["amount_sat"] == 3178
    assert created["uri"].startswith("BITCOIN:") and created["address"].lower() in created["uri"].lower()
    assert {"event": "backend_state", "state": "online", "height": 200} in events
    assert {"event": "printer_state", "state": "ok", "problems": []} in events
    assert events[-1] == {"event": "screenshot", "file": str(shot)}
    assert decode_svg(shot.read_text(encoding="utf-8")) == [created["uri"]]
    assert services.store.get_invoice(created["invoice"]).total_tiyn == 143000


def test_a_wait_that_times_out_fails_the_run_and_says_where(tmp_path: Path) -> None:
    status, _, errors = run(tmp_path, "press f10\nwait invoice_created 0.3\npress f9\n")
    assert status == 1
    assert errors.strip().endswith("sale.script:2: timed out after 0.3 s waiting for invoice_created")


def test_one_event_answers_one_wait(tmp_path: Path) -> None:
    status, events, errors = run(tmp_path, "type BREAD-01\npress enter f10\nwait invoice_created 5\n"
                                           "wait invoice_created 0.3\n")
    assert status == 1 and "sale.script:4" in errors
    assert sum(e["event"] == "invoice_created" for e in events) == 1


@pytest.mark.parametrize("line,said", [
    ("jump f10", "unknown command 'jump'"),
    ("press", "press needs at least one key"),
    ("wait", "wait needs an event name"),
    ("wait payment_state settled", "'settled' is not a number of seconds"),
    ("wait payment_state state=settled =x 3", "'=x' must be FIELD=VALUE"),
    ("screenshot shot.png", "screenshot needs one FILE.svg"),
    ("sleep soon", "'soon' is not a number of seconds"),
    ("type", "type needs some text"),
])
def test_bad_lines_are_refused_before_anything_runs(tmp_path: Path, line: str, said: str) -> None:
    with pytest.raises(ScriptError, match="x.script:3: " + said.replace("(", r"\(")):
        parse_script(f"# fine\npress f10\n{line}\n", "x.script")
    status, events, errors = run(tmp_path, f"press f10\n{line}\n")
    assert status == 2 and events == [] and said in errors


def test_type_keeps_spaces_and_wait_fields_match_as_text_or_sets() -> None:
    [typed, waited] = parse_script("type  a b \nwait payment_state state=settled marks=paid_over,paid_late 90")
    assert typed.text == " a b "
    assert waited.seconds == 90 and waited.fields == (("state", "settled"), ("marks", "paid_over,paid_late"))
    event = {"event": "payment_state", "state": "settled", "marks": ["paid_late", "paid_over"], "received_sat": 5}
    assert event_matches(event, "payment_state", waited.fields)
    assert event_matches(event, "payment_state", (("received_sat", "5"),))
    assert not event_matches(event, "payment_state", (("marks", ""),))
    assert not event_matches(event, "invoice_created", ())


def test_a_missing_script_is_a_clear_error(tmp_path: Path) -> None:
    errors = io.StringIO()
    assert run_script(make_services(), tmp_path / "nope.script", out=io.StringIO(), errors=errors) == 2
    assert "cannot read script" in errors.getvalue()


def test_a_script_that_outlives_the_app_fails(tmp_path: Path) -> None:
    status, _, errors = run(tmp_path, "press ctrl+q\npress f10\n")
    assert status == 1 and "sale.script:2: the app has exited" in errors
    assert run(tmp_path, "type BREAD-01\npress ctrl+q\n")[0] == 0  # quitting as the last line is fine
