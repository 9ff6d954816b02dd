"""Fixtures for the intake unit tests: where the shared real feed samples live, and how to read them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


def shared_data_dir() -> Path:
    """RRC_SHARED_DATA if set, else <repo>/../shared/data (CI clones the repo with shared/ beside it)."""
    env = os.environ.get("RRC_SHARED_DATA")
    return Path(env).resolve() if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.fail(f"shared feed samples not found at {path}; set RRC_SHARED_DATA")
    return path


@pytest.fixture(scope="session")
def sample(shared_data: Path):
    """sample('gdacs/gdacs_rss_2019-12-30.xml') -> the file's bytes."""

    def read(relative: str) -> bytes:
        return (shared_data / relative).read_bytes()

    return read
