"""The public API contract checker (../shared/contract/check_api.py) against the running system."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.e2e


def test_check_api_contract(server):
    checker = SHARED_DATA.parent / "contract" / "check_api.py"
    assert checker.exists(), checker
    out = subprocess.run([sys.executable, str(checker), server.url, server.token("admin")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "FAIL" not in out.stdout
