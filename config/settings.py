"""Typed settings for rrc, read once from `RRC_`-prefixed environment variables (and an optional `.env`)."""

from __future__ import annotations

import os
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "dev-secret", "secret", "placeholder"}


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rrc"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rrc"


class Settings(BaseSettings):
    """Every knob rrc has; see the configuration table in README.md."""

    model_config = SettingsConfigDict(env_prefix="RRC_", env_file=".env", extra="ignore")

    mode: Mode = Mode.DEVELOPMENT
    broker: str | None = Field(
        default=None,
        description="External Kafka bootstrap servers (host:port[,host:port]); unset means the local broker.",
    )
    kafka_port: int = Field(default=9092, ge=1, le=65535, description="Port of the local broker.")
    kafka_controller_port: int | None = Field(
        default=None, ge=1, le=65535, description="Controller port of the local broker (default: kafka_port + 1)."
    )
    kafka_version: str = Field(default="4.0.2", description="Apache Kafka release run by the local broker.")
    kafka_heap: str = Field(default="768m", description="JVM heap of the local broker (at most 1g).")
    kafka_cache_dir: Path = Field(default_factory=lambda: default_cache_dir() / "kafka")
    data_dir: Path = Field(default_factory=default_data_dir)
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    topic_prefix: str = Field(default="", description="Prefix for every topic and the consumer group (test isolation).")
    topic_partitions: int = Field(default=4, ge=1, le=256)
    replication_factor: int = Field(default=1, ge=1, le=7, description="Replication factor of created topics.")
    app_id: str = "rrc"
    session_timeout_s: float = Field(
        default=30.0, ge=6, le=300, description="Consumer group session timeout: how soon a dead worker's partitions move."
    )
    secret_key: SecretStr = Field(
        default=SecretStr("dev-secret"), description="Key for signing tokens and webhook secrets derivation."
    )
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    console_session_hours: float = Field(default=8, gt=0, le=24 * 7,
                                         description="How long a console sign-in lasts (the token's own expiry ends it "
                                                     "sooner).")
    console_assets_dir: Path | None = Field(
        default=None, description="Where the console's npm packages are (unset: api/console/node_modules of the "
                                  "checkout, where `make` installs them).")
    rate_limit_per_s: float = Field(default=20.0, gt=0, description="Sustained API requests per second per token.")
    rate_limit_burst: int = Field(default=60, ge=1, description="Requests a token may make in a burst above the rate.")
    health_timeout_s: float = Field(default=1.5, gt=0, le=10)
    deployment_end_reminder_days: int = Field(
        default=3, ge=0, le=60, description="Days before a mission's end that the expert is reminded of it."
    )
    delivery_sweep_interval_s: float = Field(
        default=60.0, gt=0, le=3600, description="How often delivery control re-checks targets time alone may move."
    )
    delivery_at_risk_share: float = Field(
        default=0.75, gt=0, lt=1, description="Share of a deadline target's window after which it is at risk."
    )
    delivery_off_track_margin: float = Field(
        default=0.2, gt=0, lt=1, description="How far below target a projection may fall before it is off track."
    )
    delivery_rate_lag_margin: float = Field(
        default=0.15, gt=0, lt=1,
        description="How far the delivery rate (spent over allocated) may trail the elapsed share of an intervention's "
                    "time before rrc.delivery.rate_lagging fires."
    )
    delivery_digest_over: int = Field(
        default=10, ge=1, le=10_000,
        description="An office told of more early warnings than this by one evaluation (a sweep that finds many at "
                    "risk) gets them as digests that list each, rather than one notification per warning."
    )
    delivery_state_cache: int = Field(
        default=20_000, ge=0, le=1_000_000,
        description="Interventions whose delivery state the owner keeps parsed between batches (about 16 KB each); "
                    "the others are read from its store and parsed again when a message or the sweep needs them."
    )
    offices_file: Path | None = Field(
        default=None, description="YAML file of the field structure and approval rules; unset means config/offices.yaml."
    )
    feeds_file: Path | None = Field(
        default=None, description="YAML file of polled feeds (see config/feeds.example.yaml); unset means no polling."
    )
    feeds_max_body_bytes: int = Field(
        default=960 * 1024, ge=1024, description="Largest feed document fetched and published (below Kafka's 1 MiB)."
    )
    feeds_max_backoff_s: float = Field(default=3600, gt=0, description="Longest wait between retries of a failing feed.")
    crisis_quiet_days: dict[str, float] = Field(
        default_factory=dict, description="Quiet days before a crisis closes, per hazard family (JSON object)."
    )
    crisis_sweep_interval_s: float = Field(default=3600, gt=0, description="How often quiet crises are swept.")
    allow_private_targets: bool = Field(
        default=False, description="Development only: let webhook targets be local or private addresses.")
    plan_exercises: bool = Field(default=False, description="Also propose plans for exercise (test) crises.")
    command_wait_s: float = Field(default=10, gt=0, le=60,
                                  description="How long the API waits for the owner to apply a command.")
    deployment_parallel_offers: int = Field(default=1, ge=1, le=5,
                                            description="Offers out at once per open seat of an intervention.")
    deployment_answer_hours: dict[str, float] = Field(
        default_factory=lambda: {"extreme": 4, "severe": 12},
        description="Hours an expert has to answer a deployment request, per crisis severity (JSON object).")
    deployment_answer_hours_default: float = Field(default=24, gt=0,
                                                   description="Hours to answer for severities not listed above.")
    expiry_sweep_interval_s: float = Field(default=60, gt=0,
                                           description="How often overdue deployment offers are expired.")
    clock_skew_file: Path | None = Field(
        default=None, description="Testing only: a file holding seconds added to the worker's clock (moves time).")
    clock_speed: float = Field(default=1.0, gt=0, le=1_000_000,
                               description="A rehearsal's clock runs this many times faster than the wall (rrc replay "
                                           "sets it for its own worker); 1 is real time.")
    clock_epoch: datetime | None = Field(default=None, description="Where a faster clock starts (default: when the "
                                                                   "worker starts); rrc replay sets it.")
    fault_file: Path | None = Field(
        default=None, description="Testing only: a JSON file naming stages to stall on purpose ({\"stall\": [...]}).")
    stage_stall_s: float = Field(default=30, gt=0, le=3600,
                                 description="A stage holding one batch longer than this (or a rebalance lasting "
                                             "longer) makes /health/ready answer 503 naming it.")
    producer_timeout_s: float = Field(default=30, gt=0, le=600,
                                      description="Longest wait for the broker to acknowledge what a stage sends or "
                                                  "writes; past it the stage fails loudly and retries.")
    smtp_host: str | None = Field(default=None, description="SMTP server for email notifications (none: no email).")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = Field(default=True, description="Use STARTTLS with the SMTP server.")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = Field(default="rrc@localhost", description="Sender address of notification emails.")
    notify_retry_s: list[float] = Field(default_factory=lambda: [2, 10, 60],
                                        description="Waits between notification attempts (JSON list of seconds).")
    notify_timeout_s: float = Field(default=10, gt=0, le=60, description="Timeout of one notification attempt.")
    webhook_retry_s: list[float] = Field(
        default_factory=lambda: [5, 300, 1800, 7200, 18000, 36000, 86400],
        description="Waits before each retry of a partner webhook (JSON list of seconds, jittered by 20%).")
    webhook_timeout_s: float = Field(default=10, gt=0, le=60, description="Deadline of one webhook call.")
    webhook_max_connections: int = Field(default=256, ge=1, le=4096,
                                         description="Connections of the one pooled webhook client.")
    webhook_max_in_flight: int = Field(default=128, ge=1, le=4096, description="Webhook calls in flight at once.")
    webhook_secret_overlap_s: float = Field(default=86400, ge=0,
                                            description="How long an old signing secret still signs after a rotation.")
    events_stream_buffer: int = Field(default=10_000, ge=100, le=1_000_000,
                                      description="Public events kept for SSE resumption (Last-Event-ID).")
    compression: Literal["lz4", "zstd", "gzip", "snappy", "none"] = Field(
        default="zstd", description="How the worker's producer compresses record batches (owners' events and "
                                    "changelogs), or none. A delivery sweep writes 10,000 states of 3 KB each; "
                                    "compressed, the broker takes and the views fetch a fraction of those bytes "
                                    "(the sweep's changelog wait went from 0.8 to 0.2 s).")
    gc_freeze_interval_s: float = Field(
        default=60, ge=0, description="How often the worker moves surviving objects out of the cyclic collector's "
                                      "reach (gc.freeze); 0 never. Large heaps otherwise stall on full collections.")
    gc_thresholds: Annotated[tuple[int, int, int], NoDecode] = Field(
        default=(200_000, 20, 100), description="Python's collector thresholds in the worker (gc.set_threshold), "
                                                "comma-separated. Python's own 700,10,10 made the owners' parsing "
                                                "of their state spend about a third of its time in collections; "
                                                "the first figure is above what one owner batch allocates at once "
                                                "(1,000 states), since a young collection of a large heap costs "
                                                "about 1 us per object: at 50,000, 19 of them took 1 s of a 7 s "
                                                "sweep.")
    log_level: str | None = Field(default=None, description="Terminal log level; unset: WARNING on a terminal, "
                                                            "INFO otherwise.")
    log_json: bool | None = Field(default=None, description="true: JSON lines on the terminal too; false: readable "
                                                            "lines; unset: readable on a terminal, JSON otherwise.")
    log_file: Path | None = Field(default=None, description="Where the full JSON log goes (rotated, 50 MB x 5); unset "
                                                            "means <data dir>/logs/rrc.jsonl.")

    @field_validator("gc_thresholds", mode="before")
    @classmethod
    def _thresholds(cls, v: object) -> object:
        if isinstance(v, str):
            parts = [p.strip() for p in v.split(",")]
            if len(parts) != 3 or not all(p.isdigit() for p in parts):
                raise ValueError("gc_thresholds must be three whole numbers, e.g. 200000,20,100")
            return tuple(int(p) for p in parts)
        return v

    @field_validator("kafka_heap")
    @classmethod
    def _heap_bounded(cls, v: str) -> str:
        units = {"k": 1 / (1024 * 1024), "m": 1 / 1024, "g": 1.0}
        v = v.strip().lower()
        if not v or v[-1] not in units or not v[:-1].isdigit():
            raise ValueError("kafka_heap must look like 512m or 1g")
        if int(v[:-1]) * units[v[-1]] > 1.0:
            raise ValueError("kafka_heap must be at most 1g")
        return v

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> "Settings":
        if self.mode is Mode.PRODUCTION and self.secret_key.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("RRC_SECRET_KEY is a placeholder; set a real secret in production mode")
        if self.mode is Mode.PRODUCTION and self.allow_private_targets:
            raise ValueError("RRC_ALLOW_PRIVATE_TARGETS is a development setting; it is refused in production mode")
        if self.mode is Mode.PRODUCTION and self.clock_skew_file is not None:
            raise ValueError("RRC_CLOCK_SKEW_FILE is a testing setting; it is refused in production mode")
        if self.mode is Mode.PRODUCTION and self.fault_file is not None:
            raise ValueError("RRC_FAULT_FILE is a testing setting; it is refused in production mode")
        return self

    @property
    def local_broker(self) -> bool:
        return not self.broker

    @property
    def bootstrap_servers(self) -> str:
        return self.broker or f"127.0.0.1:{self.kafka_port}"

    @property
    def controller_port(self) -> int:
        return self.kafka_controller_port or self.kafka_port + 1

    def topic_name(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
