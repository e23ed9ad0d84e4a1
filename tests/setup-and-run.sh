#!/bin/sh
# Installs everything the test suite needs on a fresh machine, then runs all of it.
# Debian tools: librsvg2-bin (rsvg-convert) and zbar-tools (zbarimg) decode the QR from
# the app's own screenshot; console-setup-linux has the kiosk's console font, which
# tests/ui/test_console.py paints the screen with; nats-server and postgresql are the fleet's hub
# and back-office database (tests/fleet). Node packages: the bcoin regtest node (pos/regtest).
set -eu
cd "$(dirname "$0")/.."
if ! command -v rsvg-convert >/dev/null 2>&1 || ! command -v zbarimg >/dev/null 2>&1 \
        || [ ! -f /usr/share/consolefonts/FullCyrAsia-Fixed16.psf.gz ] || ! command -v nats-server >/dev/null 2>&1 \
        || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq librsvg2-bin zbar-tools console-setup-linux \
        nats-server postgresql
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'
npm ci --prefix pos/regtest --no-audit --no-fund
# The type checker first ([tool.mypy] in pyproject.toml: pos and drivers); an error stops the run.
.venv/bin/mypy
exec .venv/bin/python -m pytest -n 2 "$@"
