"""End-to-end fixtures: the real `rrc worker` process (worker + API) on the session broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx
import pytest

from streams.broker.local import free_port


@dataclass
class Server:
    url: str
    env: dict

    def token(self, role: str, *extra: str) -> str:
        out = subprocess.run([sys.executable, "-m", "cli.main", "token", "create", "--role", role, *extra],
                             env=self.env, capture_output=True, text=True, timeout=60, check=True)
        return out.stdout.strip()

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=15)


@pytest.fixture(scope="module")
def server(kafka_bootstrap, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
    env.update(RRC_BROKER=kafka_bootstrap, RRC_API_PORT=str(port), RRC_DATA_DIR=str(tmp / "data"),
               RRC_TOPIC_PREFIX=f"e2e{port}.", RRC_MAX_BODY_BYTES=str(2 * 1024 * 1024),
               RRC_RATE_LIMIT_PER_S="500", RRC_RATE_LIMIT_BURST="1000")
    log = open(tmp / "worker.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=3).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, (tmp / "worker.log").read_text()[-3000:]
        time.sleep(0.5)
    else:
        raise AssertionError("the API never became healthy")
    yield Server(url=url, env=env)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def wait_until(fetch, predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fetch()
        if predicate(last):
            return last
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; last: {str(last)[:500]}")
