"""Feed configuration: one `FeedConfig` per polled feed, loaded from a YAML file (`RRC_FEEDS_FILE`)."""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from streams.pollers.exceptions import FeedConfigError

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BAD_HEADER_CHARS = re.compile(r"[\r\n\x00]")


class FeedFormat(StrEnum):
    """The intake formats (`responders.intake.FORMATS`); sent as the rrc-format header."""

    AUTO = "auto"
    CAP = "cap"
    GDACS = "gdacs"
    USGS = "usgs"
    RELIEFWEB = "reliefweb"
    ACLED = "acled"
    INDICATORS = "indicators"
    JSON = "json"


class FeedConfig(BaseModel):
    """One polled feed: where it is, how its documents are parsed downstream, how often it is fetched."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="Unique; a metric label and header.")
    url: str = Field(description="http://, https:// or file:///absolute/path")
    format: FeedFormat = FeedFormat.AUTO
    interval_s: float = Field(default=600, ge=1, le=7 * 24 * 3600, description="Seconds between polls.")
    timeout_s: float = Field(default=30, gt=0, le=600, description="Deadline of one whole fetch.")
    enabled: bool = True
    headers: dict[str, str] = Field(default_factory=dict, description="Extra request headers (http feeds).")

    @field_validator("url")
    @classmethod
    def _supported_url(cls, v: str) -> str:
        parts = urlsplit(v.strip())
        if parts.scheme in ("http", "https"):
            if not parts.hostname:
                raise ValueError("http(s) URL without a host")
        elif parts.scheme == "file":
            if parts.netloc not in ("", "localhost") or not Path(url2pathname(unquote(parts.path))).is_absolute():
                raise ValueError("file URL must be file:///absolute/path")
        else:
            raise ValueError(f"unsupported URL scheme {parts.scheme!r}; use http, https or file")
        return v.strip()

    @field_validator("headers")
    @classmethod
    def _clean_headers(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if not key or _BAD_HEADER_CHARS.search(key) or _BAD_HEADER_CHARS.search(value) or ":" in key:
                raise ValueError(f"invalid header {key!r}")
        return v

    @property
    def is_file(self) -> bool:
        return self.url.startswith("file:")

    @property
    def path(self) -> Path:
        """The local path of a file:// feed."""
        return Path(url2pathname(unquote(urlsplit(self.url).path)))


def load_feeds(path: str | os.PathLike[str]) -> list[FeedConfig]:
    """Read `feeds:` (and optional `defaults:`) from a YAML file; `${VAR}` in url and headers reads the env."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FeedConfigError(f"cannot read feeds file {path}: {exc}") from exc
    if isinstance(doc, list):
        doc = {"feeds": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("feeds", []), list):
        raise FeedConfigError(f"{path}: expected a mapping with a `feeds:` list")
    defaults = doc.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise FeedConfigError(f"{path}: `defaults:` must be a mapping")
    feeds: list[FeedConfig] = []
    for number, raw in enumerate(doc.get("feeds") or [], 1):
        if not isinstance(raw, dict):
            raise FeedConfigError(f"{path}: feed {number} is not a mapping")
        feeds.append(_feed(path, number, {**defaults, **raw}))
    seen: set[str] = set()
    for feed in feeds:
        if feed.name in seen:
            raise FeedConfigError(f"{path}: feed name {feed.name!r} appears twice")
        seen.add(feed.name)
    return feeds


def _feed(path: Path, number: int, raw: dict) -> FeedConfig:
    label = f"{path}: feed {raw.get('name', number)!r}"
    strict = bool(raw.get("enabled", True))  # a disabled feed may keep unset ${VAR}s
    raw = {**raw}
    if isinstance(raw.get("url"), str):
        raw["url"] = _expand(raw["url"], label, strict)
    if isinstance(raw.get("headers"), dict):
        raw["headers"] = {k: _expand(v, label, strict) if isinstance(v, str) else v for k, v in raw["headers"].items()}
    try:
        return FeedConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(feed)'}: {e['msg']}" for e in exc.errors())
        raise FeedConfigError(f"{label}: {problems}") from exc


def _expand(value: str, label: str, strict: bool) -> str:
    def sub(match: re.Match) -> str:
        name = match.group(1)
        if name in os.environ:
            return os.environ[name]
        if strict:
            raise FeedConfigError(f"{label}: environment variable {name} is not set")
        return match.group(0)

    return _ENV_REF.sub(sub, value)
