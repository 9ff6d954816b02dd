"""Logs: readable lines at WARNING on a terminal, JSON lines at INFO otherwise, and the full JSON log in a file."""

from __future__ import annotations

import io
import json
import logging

import pytest

from config.logging import setup_logging


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_readable_warnings_and_the_file_gets_everything_as_json(tmp_path):
    terminal, path = Terminal(), tmp_path / "logs" / "rrc.jsonl"
    setup_logging(stream=terminal, file=path)
    log = logging.getLogger("rrc.test")
    log.info("batch applied", extra={"stage": "plan", "events": 2})
    log.warning("seat has no candidate", extra={"crisis_id": "cri-1"})
    lines = terminal.getvalue().splitlines()
    assert len(lines) == 1 and "WARNING" in lines[0] and "crisis_id=cri-1" in lines[0]
    assert not lines[0].startswith("{")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["msg"] for r in records] == ["batch applied", "seat has no candidate"]
    assert records[0]["stage"] == "plan" and records[0]["level"] == "info"


def test_a_pipe_gets_json_at_info_and_json_can_be_forced_on_a_terminal():
    pipe = io.StringIO()
    setup_logging(stream=pipe)
    logging.getLogger("rrc.test").info("hello", extra={"signal_id": "sig-1"})
    assert json.loads(pipe.getvalue())["signal_id"] == "sig-1"
    terminal = Terminal()
    setup_logging(json_lines=True, stream=terminal)
    logging.getLogger("rrc.test").info("forced")
    assert json.loads(terminal.getvalue())["msg"] == "forced"
