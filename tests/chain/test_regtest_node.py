"""The regtest node harness fails loudly, saying what to install, when its parts are missing."""

from __future__ import annotations

import pytest

import pos.regtest.node as regtest
from pos.regtest.node import RegtestNode, RegtestNodeError


def test_without_node_js_the_error_says_to_install_it(monkeypatch):
    monkeypatch.setattr(regtest.shutil, "which", lambda name: None)
    with pytest.raises(RegtestNodeError, match=r"Node.js is not installed \('node' is not on PATH\)"):
        RegtestNode().start()


def test_without_the_npm_packages_the_error_gives_the_command(monkeypatch, tmp_path):
    monkeypatch.setattr(regtest, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(RegtestNodeError, match=r"run `npm ci --prefix pos/regtest --no-audit --no-fund`"):
        RegtestNode().start()


def test_a_node_that_dies_at_start_reports_its_own_error(monkeypatch, tmp_path):
    script = tmp_path / "node.js"
    script.write_text("process.stderr.write('regtest node failed: port in use\\n'); process.exit(1);\n")
    monkeypatch.setattr(regtest, "SCRIPT", script)
    node = RegtestNode()
    with pytest.raises(RegtestNodeError, match="did not start: regtest node failed: port in use"):
        node.start()
    assert not node.running
