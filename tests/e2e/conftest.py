"""End-to-end fixtures: the real `rrc worker` process (worker + API) on the session broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest

from streams.broker.local import free_port
from tests.factories import roster_record


SUBJECT_FLAGS = {"expert": ("--expert-id", "experts"), "partner": ("--partner-id", "partners")}


@dataclass
class Server:
    url: str
    env: dict
    _admin: str | None = None
    proc: subprocess.Popen | None = None
    log: object = None

    def sigkill_and_restart(self, timeout: float = 120) -> None:
        """SIGKILL the worker (no clean stop: offsets, tables and sends cut wherever they are), start it again with
        the same settings, and wait until it is healthy."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = _spawn(self.env, self.log)
        _wait_healthy(self.url, self.proc, timeout)

    def create_token(self, role: str, *extra: str) -> subprocess.CompletedProcess:
        """`rrc token create` as an operator runs it, with the server's settings; the result, whatever it is."""
        return subprocess.run([sys.executable, "-m", "cli.main", "token", "create", "--role", role, *extra],
                              env=self.env, capture_output=True, text=True, timeout=60)

    def token(self, role: str, *extra: str) -> str:
        """A token for `role`; a coordinator acts for headquarters unless `--office` says otherwise, and the
        expert or partner it names is put on the roster first when it is not there (tokens need real ids)."""
        args = list(extra)
        if role == "coordinator" and "--office" not in args:
            args += ["--office", "hq"]
        if role in SUBJECT_FLAGS:
            flag, resource = SUBJECT_FLAGS[role]
            self.ensure_on_roster(resource, args[args.index(flag) + 1])
        out = self.create_token(role, *args)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    def admin(self) -> httpx.Client:
        if self._admin is None:
            out = self.create_token("admin")
            assert out.returncode == 0, out.stderr
            self._admin = out.stdout.strip()
        return self.client(self._admin)

    def ensure_on_roster(self, resource: str, record_id: str) -> None:
        with self.admin() as admin:
            if admin.get(f"/v1/{resource}/{record_id}").status_code == 200:
                return
            r = admin.post(f"/v1/{resource}", json=roster_record(resource, record_id))
            assert r.status_code in (201, 409), r.text

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=15)


@contextmanager
def running_server(kafka_bootstrap: str, tmp, **extra_env: str):
    """The real `rrc worker` (worker + API) on the session broker, with its own topic prefix and data dir."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
    env.update(RRC_BROKER=kafka_bootstrap, RRC_API_PORT=str(port), RRC_DATA_DIR=str(tmp / "data"),
               RRC_TOPIC_PREFIX=f"e2e{port}.", RRC_MAX_BODY_BYTES=str(2 * 1024 * 1024),
               RRC_RATE_LIMIT_PER_S="500", RRC_RATE_LIMIT_BURST="1000", **extra_env)
    log = open(tmp / "worker.log", "ab")
    url = f"http://127.0.0.1:{port}"
    running = Server(url=url, env=env, proc=_spawn(env, log), log=log)
    _wait_healthy(url, running.proc, 120, tmp / "worker.log")
    try:
        yield running
    finally:
        running.proc.send_signal(signal.SIGINT)
        try:
            running.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            running.proc.kill()
        log.close()


def _spawn(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=env, stdout=log, stderr=log)


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float, log_path=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, log_path.read_text()[-3000:] if log_path else "the worker exited"
        time.sleep(0.5)
    raise AssertionError("the API never became healthy")


@pytest.fixture(scope="module")
def server(kafka_bootstrap, tmp_path_factory):
    with running_server(kafka_bootstrap, tmp_path_factory.mktemp("e2e")) as running:
        yield running


def wait_until(fetch, predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fetch()
        if predicate(last):
            return last
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; last: {str(last)[:500]}")
