"""docker-compose.yml stays consistent with the code: services, the broker image, and RRC_ variables."""

from __future__ import annotations

from pathlib import Path

import yaml

from config.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def test_compose_services_and_variables():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"kafka", "rrc"}
    assert services["kafka"]["image"] == f"apache/kafka:{Settings().kafka_version}"
    kafka_env = services["kafka"]["environment"]
    assert kafka_env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    env = services["rrc"]["environment"]
    known = {f"RRC_{name.upper()}" for name in Settings.model_fields}
    assert set(env) <= known, f"unknown RRC_ variables: {set(env) - known}"
    assert env["RRC_BROKER"] == "kafka:9092"
    assert services["rrc"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["rrc"]["command"] == ["rrc", "worker"]
    assert (REPO / services["rrc"]["build"] / "Dockerfile").exists()


def test_dockerfile_copies_every_package():
    dockerfile = (REPO / "Dockerfile").read_text()
    for package in ("config", "streams", "responders", "api", "cli"):
        assert f"COPY {package} ./{package}" in dockerfile
