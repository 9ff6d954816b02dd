"""/health over a real broker: 200 when up, 503 within 2 s with the broker stopped, 200 again after restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from config.settings import Settings
from streams.broker.local import LocalKafka, free_port

pytestmark = pytest.mark.integration


def _wait_status(url: str, status: int, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(url, timeout=5)
            if last.status_code == status:
                return last
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered {status}; last: {last and (last.status_code, last.text)}")


def test_health_follows_the_broker(tmp_path):
    settings = Settings()
    kafka = LocalKafka(version=settings.kafka_version, port=free_port(), controller_port=free_port(),
                       data_dir=tmp_path / "kafka", cache_dir=Path(settings.kafka_cache_dir), heap="384m")
    kafka.up()
    api_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
    env.update(RRC_BROKER=kafka.bootstrap, RRC_API_PORT=str(api_port), RRC_DATA_DIR=str(tmp_path / "data"),
               RRC_TOPIC_PREFIX="health.", RRC_LOG_JSON="true")
    log = open(tmp_path / "worker.log", "wb")
    worker = subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{api_port}/health"
    try:
        ok = _wait_status(url, 200, timeout=90).json()
        assert ok["broker"]["ok"] is True and ok["worker"]["state"] == "running"
        assert ok["version"]

        kafka.down()
        started = time.monotonic()
        down = httpx.get(url, timeout=5)
        assert time.monotonic() - started < 2.0
        assert down.status_code == 503
        assert down.json()["broker"]["ok"] is False
        # Also while aiokafka keeps retrying in the background, the answer stays bounded.
        time.sleep(3)
        started = time.monotonic()
        assert httpx.get(url, timeout=5).status_code == 503
        assert time.monotonic() - started < 2.0

        kafka.up()
        back = _wait_status(url, 200, timeout=90).json()
        assert back["broker"]["ok"] is True
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=40)
        except subprocess.TimeoutExpired:
            worker.kill()
        kafka.down()
        log.close()
    assert worker.returncode is not None
