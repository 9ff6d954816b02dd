"""Ctrl-C of `rrc up` stops everything within 10 s and leaves no traceback in the log, with an SSE client connected
and work in flight, as a coordinator's terminal would see it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from streams.broker.local import free_port, process_alive
from tests.e2e.conftest import wait_until
from tests.integration.test_deployment_staffing import quake

pytestmark = pytest.mark.integration


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=3).status_code
    except httpx.HTTPError:
        return None


def _descendants(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout.split()
    parents = dict(zip(map(int, out[0::2]), map(int, out[1::2])))
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def test_ctrl_c_stops_rrc_up_within_ten_seconds_without_a_traceback(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
    env.update(RRC_DATA_DIR=str(tmp_path / "data"), RRC_API_PORT=str(port), RRC_KAFKA_PORT=str(free_port()),
               RRC_KAFKA_CONTROLLER_PORT=str(free_port()))
    log_path = tmp_path / "up.log"
    with open(log_path, "wb") as log:
        up = subprocess.Popen([sys.executable, "-m", "cli.main", "up"], env=env, stdout=log, stderr=log,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    kafka_pid_file = tmp_path / "data" / "kafka" / "broker.pid"
    try:
        wait_until(lambda: _status(f"{url}/health"), lambda s: s == 200, timeout=150, what="rrc up healthy")
        token = subprocess.run([sys.executable, "-m", "cli.main", "token", "create", "--role", "coordinator",
                                "--office", "hq"],
                               env=env, capture_output=True, text=True, check=True).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        connected = threading.Event()

        def sse() -> None:
            try:
                with httpx.stream("GET", f"{url}/v1/events/stream", headers=headers,
                                  timeout=httpx.Timeout(5, read=None)) as r:
                    connected.set()
                    for _ in r.iter_lines():
                        pass
            except httpx.HTTPError:
                pass

        threading.Thread(target=sse, daemon=True).start()
        assert connected.wait(10), "the SSE client connected"
        assert httpx.post(f"{url}/v1/signals", json=quake("stop-eq", 38.0, 38.0), headers=headers,
                          timeout=10).status_code == 202
        pids = {up.pid, *_descendants(up.pid), int(kafka_pid_file.read_text())}
        assert len(pids) >= 3, "rrc up, its worker and the broker"

        started = time.monotonic()
        os.killpg(up.pid, signal.SIGINT)  # what Ctrl-C in the terminal does: the whole foreground group
        deadline = started + 10
        while time.monotonic() < deadline and any(process_alive(p) for p in pids):
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        left = [p for p in pids if process_alive(p)]
        assert not left, f"still running after {elapsed:.1f} s: {left}"
    finally:
        if up.poll() is None:
            for child in _descendants(up.pid):  # a failed test leaves no worker behind either
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
            os.killpg(up.pid, signal.SIGKILL)
        if kafka_pid_file.exists():
            subprocess.run(["kill", "-9", kafka_pid_file.read_text().strip()], capture_output=True)
    text = log_path.read_text(errors="replace")
    assert "Traceback" not in text, text[-4000:]
    assert "CancelledError" not in text, text[-4000:]
