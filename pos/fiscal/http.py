"""One JSON POST with a deadline, for fiscal registers: exact decimals both ways, typed failures.

Amounts go out as JSON numbers written from Decimal (`to_json`): Python's json module would
need a float, and a float cannot hold 0.1 tenge. Answers are read with parse_float=Decimal
for the same reason. Nothing here logs, and no message carries a request header or body,
so an API key or password never reaches a log or the screen.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from decimal import Decimal
from typing import Any

from pos.core.fiscal import FiscalUnavailable, NeedsAttention
from pos.rates.http import USER_AGENT, host_of

#: A register's answer is a few kilobytes (a printable receipt with a logo at most).
MAX_BYTES = 2_000_000
#: HTTP statuses that say "not now": worth the same request later.
RETRYABLE_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))


def to_json(value: Any) -> str:
    """JSON text with every Decimal written exactly as a number ('1250.50'); floats are refused."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not an amount")
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError("a float in a fiscal request: amounts must be Decimal")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


def post_json(url: str, body: dict, headers: dict[str, str], timeout: float) -> dict:
    """The JSON object a 200 answer holds. FiscalUnavailable for no answer, a 5xx (or 408, 429)
    or an answer that is not a JSON object; NeedsAttention for other statuses (a wrong URL or key)."""
    host = host_of(url)
    request = urllib.request.Request(url, data=to_json(body).encode("utf-8"), method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
        "User-Agent": USER_AGENT, **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        error = FiscalUnavailable if exc.code in RETRYABLE_STATUSES else NeedsAttention
        raise error(f"{host}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FiscalUnavailable(f"{host}: no answer ({exc.reason})") from None
    except (OSError, ValueError) as exc:  # timeouts, resets, a cut-off answer
        raise FiscalUnavailable(f"{host}: no answer ({exc or type(exc).__name__})") from None
    if len(raw) > MAX_BYTES:
        raise FiscalUnavailable(f"{host}: the answer is larger than {MAX_BYTES} bytes")
    try:
        answer = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (ValueError, RecursionError):  # not JSON, or nested beyond reading
        raise FiscalUnavailable(f"{host}: the answer is not JSON") from None
    if not isinstance(answer, dict):
        raise FiscalUnavailable(f"{host}: the answer is not a JSON object")
    return answer
