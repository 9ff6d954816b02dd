"""Read a YAML config file into a pydantic model, every failure as one error type naming the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def _plain(exc: ValidationError, raw: object) -> str:
    return str(exc)


def parse_yaml(path: Path, model: type[M], error: type[Exception],
               describe: Callable[[ValidationError, object], str] = _plain, sep: str = " ") -> M:
    """`model` from the YAML at `path`; `error` (with the path) when unreadable or invalid."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"cannot read {path}: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(f"{path}:{sep}{describe(exc, raw)}") from exc
