"""One GET with a deadline, for the rate sources: plain urllib, errors that name the host."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlsplit

from pos.core.ports import RateUnavailable

#: Rate answers are a few kilobytes; anything much larger is not what we asked for.
MAX_BYTES = 1_000_000
USER_AGENT = "CryptoCity-POS/0.1 (+https://cryptocity.example/pos)"


def host_of(url: str) -> str:
    return urlsplit(url).hostname or url


def fetch(url: str, timeout: float) -> bytes:
    """The body of a 200 answer; RateUnavailable("<host>: ...") for anything else."""
    host = host_of(url)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise RateUnavailable(f"{host}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise RateUnavailable(f"{host}: no answer ({exc.reason})") from None
    except (OSError, ValueError) as exc:  # timeouts, resets, a malformed URL
        raise RateUnavailable(f"{host}: no answer ({exc or type(exc).__name__})") from None
    if len(body) > MAX_BYTES:
        raise RateUnavailable(f"{host}: the answer is larger than {MAX_BYTES} bytes")
    return body
