"""Structured logging: one JSON object per line with the ids that matter (signal, crisis, plan, request)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from logging.handlers import RotatingFileHandler
from pathlib import Path

_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Formats a record as JSON; `extra={...}` fields (signal_id, crisis_id, ...) become top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class ReadableFormatter(logging.Formatter):
    """One short line for a person at a terminal: time, level, logger, message, then the ids as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        ids = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")
                       and k != "color_message")
        line = f"{at} {record.levelname:<7} {record.name}: {record.getMessage()}" + (f"  [{ids}]" if ids else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(level: str | None = None, json_lines: bool | None = None, stream=None,
                  file: Path | None = None, file_level: str = "INFO") -> None:
    """The terminal handler: readable lines at WARNING on a TTY, JSON lines at INFO otherwise (`json_lines` and
    `level` force either). With `file`, every record at `file_level` or above also goes there as JSON (rotated)."""
    stream = stream or sys.stderr
    tty = hasattr(stream, "isatty") and stream.isatty()
    as_json = (not tty) if json_lines is None else json_lines
    terminal_level = (level or ("WARNING" if tty and not as_json else "INFO")).upper()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if as_json else ReadableFormatter())
    handler.setLevel(terminal_level)
    handlers: list[logging.Handler] = [handler]
    lowest = logging.getLevelName(terminal_level)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        to_file = RotatingFileHandler(file, maxBytes=50 * 1024 * 1024, backupCount=5, encoding="utf-8")
        to_file.setFormatter(JsonFormatter())
        to_file.setLevel(file_level.upper())
        handlers.append(to_file)
        lowest = min(lowest, logging.getLevelName(file_level.upper()))
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(lowest)
    debug = terminal_level == "DEBUG" or (file is not None and file_level.upper() == "DEBUG")
    # aiokafka logs every failed reconnect at ERROR; the health endpoint reports the broker's state instead.
    logging.getLogger("aiokafka").setLevel(logging.DEBUG if debug else logging.CRITICAL)
    # but group membership (joins, assignments, revocations, commits refused by a rebalance) is what an operator
    # needs when a partition stops moving: a few lines per rebalance.
    logging.getLogger("aiokafka.consumer.group_coordinator").setLevel(logging.DEBUG if debug else logging.INFO)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per job run drowns the useful logs
