"""Shared fixtures: the real broker (started once per session), unique topic prefixes, produce/consume helpers."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("RRC_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    assert SHARED_DATA.is_dir(), f"shared sample data not found at {SHARED_DATA} (set RRC_SHARED_DATA)"
    return SHARED_DATA


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """RRC_TEST_BROKER when set (make test starts one), else a throwaway broker for this session."""
    existing = os.environ.get("RRC_TEST_BROKER")
    if existing:
        yield existing
        return
    from streams.broker.throwaway import throwaway_broker

    with throwaway_broker() as kafka:
        yield kafka.bootstrap


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def make_settings(kafka_bootstrap, topic_prefix, tmp_path):
    """Settings for one test: the session broker, a unique topic prefix, a private data dir."""
    from config.settings import Settings

    def make(**overrides):
        values = dict(broker=kafka_bootstrap, topic_prefix=topic_prefix, data_dir=tmp_path / "data",
                      topic_partitions=4, log_json=False)
        values.update(overrides)
        return Settings(**values)

    return make
