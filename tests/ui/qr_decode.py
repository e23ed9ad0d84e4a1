"""Decode the QR code in an SVG screenshot the way a phone would see the screen.

SVG -> PNG with rsvg-convert (librsvg2-bin), then zbarimg (zbar-tools). Missing tools
fail the test: tests/setup-and-run.sh installs them. The screenshot is rendered at
2x first (a HiDPI screen); the half-block glyphs of the terminal font leave hairline
seams at some scales, so two neighbouring zooms are tried before giving up.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ZOOMS = ("2", "1.5", "2.5", "3")
#: rsvg-convert + zbarimg were seen to miss a screenshot once under heavy load that they
#: decoded on a second try (same file): one more round before calling the QR unreadable.
ROUNDS = 2


def require(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: apt-get install librsvg2-bin zbar-tools "
                    "(tests/setup-and-run.sh does it)")


def decode_png(path: Path) -> list[str]:
    """Every QR payload zbarimg finds in the picture ([] when none)."""
    require("zbarimg")
    found = subprocess.run(["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
                           capture_output=True, text=True, timeout=60)
    return found.stdout.strip().splitlines() if found.returncode == 0 else []


def decode_svg(svg: str) -> list[str]:
    """Every QR payload zbarimg finds in the screenshot ([] when none)."""
    require("rsvg-convert", "zbarimg")
    with tempfile.TemporaryDirectory() as tmp:
        svg_path, png_path = Path(tmp, "screen.svg"), Path(tmp, "screen.png")
        svg_path.write_text(svg, encoding="utf-8")
        for zoom in ZOOMS * ROUNDS:
            subprocess.run(["rsvg-convert", "-z", zoom, "-o", str(png_path), str(svg_path)], check=True,
                           capture_output=True, timeout=60)
            found = decode_png(png_path)
            if found:
                return found
    return []
