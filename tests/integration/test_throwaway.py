"""`python -m streams.broker.throwaway -- CMD`: SIGTERM stops the command and the broker; no JVM is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.integration


def test_sigterm_stops_command_and_broker(tmp_path):
    marker = tmp_path / "ready"
    script = f"import pathlib, time; pathlib.Path({str(marker)!r}).write_text('x'); time.sleep(300)"
    proc = subprocess.Popen([sys.executable, "-m", "streams.broker.throwaway", "--", sys.executable, "-c", script],
                            stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    assert "throwaway Kafka" in line, line
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    port = line.rsplit(":", 1)[1].strip()
    jvms = _jvms_on(port)
    assert len(jvms) == 1, jvms
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert not [pid for pid in jvms if _running(pid)], "the broker JVM outlived its throwaway"


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped by init."""
    try:
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _jvms_on(port: str) -> list[int]:
    """Kafka JVMs whose config lives in a throwaway dir and listens on `port` (read from their server.properties)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if b"kafka.Kafka" not in cmdline:
            continue
        props = cmdline[cmdline.index(b"kafka.Kafka") + 1].decode()
        try:
            if f":{port}" in open(props).read():
                found.append(int(pid))
        except OSError:
            continue
    return found


def test_a_failing_command_keeps_the_broker_logs():
    out = subprocess.run([sys.executable, "-m", "streams.broker.throwaway", "--", sys.executable, "-c",
                          "raise SystemExit(3)"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 3
    line = next(x for x in out.stderr.splitlines() if "logs are kept in" in x)
    assert "was running at the end" in line
    kept = line.rsplit(" ", 1)[1]
    files = [os.path.join(kept, name) for name in os.listdir(kept)]
    assert files and any(os.path.getsize(f) > 0 for f in files), files
