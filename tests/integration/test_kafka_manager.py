"""The local broker manager against a real Apache Kafka: up twice is harmless, status, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import Settings
from streams.broker.local import LocalKafka, free_port

pytestmark = pytest.mark.integration
RRC = [sys.executable, "-m", "cli.main"]


def _env(tmp_path: Path, port: int, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
    env.update(RRC_KAFKA_PORT=str(port), RRC_KAFKA_CONTROLLER_PORT=str(free_port()),
               RRC_DATA_DIR=str(tmp_path / "data"), RRC_KAFKA_HEAP="384m", **extra)
    return env


def test_up_twice_status_and_down(tmp_path):
    port = free_port()
    env = _env(tmp_path, port)
    try:
        first = subprocess.run([*RRC, "kafka", "up"], env=env, capture_output=True, text=True, timeout=180)
        assert first.returncode == 0, first.stderr
        assert "started" in first.stdout
        second = subprocess.run([*RRC, "kafka", "up"], env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout
        status = subprocess.run([*RRC, "kafka", "status"], env=env, capture_output=True, text=True, timeout=30)
        assert status.returncode == 0 and status.stdout.startswith("running")
        pid = int((tmp_path / "data" / "kafka" / "broker.pid").read_text())
    finally:
        down = subprocess.run([*RRC, "kafka", "down"], env=env, capture_output=True, text=True, timeout=60)
    assert down.returncode == 0 and "stopped" in down.stdout
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(") ")[1][:1]
    status = subprocess.run([*RRC, "kafka", "status"], env=env, capture_output=True, text=True, timeout=30)
    assert status.returncode == 3 and status.stdout.startswith("stopped")
    again = subprocess.run([*RRC, "kafka", "down"], env=env, capture_output=True, text=True, timeout=30)
    assert again.returncode == 0 and "not running" in again.stdout


def test_missing_maven_is_one_clear_line(tmp_path):
    """An empty jar cache and no mvn on PATH: one line naming Maven, exit non-zero, no traceback."""
    env = _env(tmp_path, free_port(), RRC_KAFKA_CACHE_DIR=str(tmp_path / "empty-cache"))
    env["PATH"] = str(Path(sys.executable).parent)  # python only: no mvn, no java
    p = subprocess.run([*RRC, "kafka", "up"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "Maven" in lines[0], p.stderr


def test_unreachable_registry_is_one_clear_line(tmp_path):
    """mvn that cannot reach any repository (offline, empty local repo): one line, exit non-zero."""
    settings = tmp_path / "settings.xml"
    settings.write_text(f"<settings><localRepository>{tmp_path / 'm2'}</localRepository><offline>true</offline></settings>")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "mvn").write_text(f"#!/bin/sh\nexec {subprocess.check_output(['which', 'mvn'], text=True).strip()} "
                                  f"-s {settings} \"$@\"\n")
    (fake_bin / "mvn").chmod(0o755)
    env = _env(tmp_path, free_port(), RRC_KAFKA_CACHE_DIR=str(tmp_path / "empty-cache"))
    env["PATH"] = f"{fake_bin}:{env['PATH']}"
    p = subprocess.run([*RRC, "kafka", "up"], env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "Maven could not resolve" in lines[0], p.stderr


def test_second_up_needs_no_network(tmp_path):
    """Once cached, the jars are used as they are: a broken mvn on PATH does not matter."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "mvn").write_text("#!/bin/sh\necho 'network used' >&2\nexit 1\n")
    (fake_bin / "mvn").chmod(0o755)
    settings = Settings()
    kafka = LocalKafka(version=settings.kafka_version, port=free_port(), controller_port=free_port(),
                       data_dir=tmp_path, cache_dir=Path(settings.kafka_cache_dir))
    old = os.environ["PATH"]
    os.environ["PATH"] = f"{fake_bin}:{old}"
    try:
        assert kafka.ensure_jars().is_dir()
    finally:
        os.environ["PATH"] = old
