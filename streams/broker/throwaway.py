"""A throwaway local broker on free ports with its own temporary data dir, for tests and benchmarks.

`python -m streams.broker.throwaway -- CMD ...` starts one, runs CMD with RRC_TEST_BROKER and RRC_BROKER set
to its address, and stops it afterwards, also when CMD fails; the exit code is CMD's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

from config.settings import Settings
from streams.broker.exceptions import BrokerError
from streams.broker.local import LocalKafka, free_port


@contextlib.contextmanager
def throwaway_broker(settings: Settings | None = None, heap: str = "512m") -> Iterator[LocalKafka]:
    settings = settings or Settings()
    tmp = Path(tempfile.mkdtemp(prefix="rrc-kafka-"))
    kafka = LocalKafka(version=settings.kafka_version, port=free_port(), controller_port=free_port(),
                       data_dir=tmp, cache_dir=Path(settings.kafka_cache_dir), heap=heap)
    try:
        kafka.up()
        yield kafka
    finally:
        kafka.down()
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def broker_for_run() -> Iterator[str]:
    """RRC_BROKER when set (an existing cluster), else a throwaway local broker."""
    existing = os.environ.get("RRC_TEST_BROKER") or os.environ.get("RRC_BROKER")
    if existing:
        yield existing
        return
    with throwaway_broker() as kafka:
        yield kafka.bootstrap


def keep_broker_logs(kafka: LocalKafka) -> None:
    """When the command failed, keep the broker's logs (its data dir is about to go) and say where they are."""
    kept = Path(tempfile.mkdtemp(prefix="rrc-kafka-logs-"))
    for source in (kafka.log_file, kafka.stdout_file):
        if source.exists():
            shutil.copy(source, kept / source.name)
    alive = "running" if kafka.is_running() else "NOT running"
    print(f"throwaway Kafka was {alive} at the end; its logs are kept in {kept}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: python -m streams.broker.throwaway -- CMD [ARGS...]", file=sys.stderr)
        return 2
    # SIGTERM (a CI timeout, a killed test loop) unwinds like Ctrl-C: the command is killed, the broker stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with throwaway_broker() as kafka:
            env = dict(os.environ, RRC_TEST_BROKER=kafka.bootstrap, RRC_BROKER=kafka.bootstrap)
            print(f"throwaway Kafka {kafka.version} on {kafka.bootstrap}", file=sys.stderr, flush=True)
            code = subprocess.call(argv, env=env)
            if code != 0:
                keep_broker_logs(kafka)
            return code
    except BrokerError as exc:
        print(f"rrc: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
