"""`rrc webhook verify` through the real `rrc` app (registered by cli.main)."""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

from cli.main import app
from cli.webhook import parse_headers
from responders.partners.signing import headers, new_secret

from .test_signing import VECTOR_BODY, VECTOR_ID, VECTOR_SECRET, VECTOR_SIGNATURE, VECTOR_TS

runner = CliRunner()


def run(*args: str, **kwargs):
    return runner.invoke(app, ["webhook", "verify", *args], **kwargs)


@pytest.fixture
def vector_files(tmp_path):
    body = tmp_path / "body.json"
    body.write_bytes(VECTOR_BODY)
    as_json = tmp_path / "headers.json"
    as_json.write_text(json.dumps({"webhook-id": VECTOR_ID, "webhook-timestamp": VECTOR_TS,
                                   "webhook-signature": VECTOR_SIGNATURE}))
    as_lines = tmp_path / "headers.txt"
    as_lines.write_text(f"POST /hook HTTP/1.1\nHost: partner.example\nWebhook-Id: {VECTOR_ID}\n"
                        f"Webhook-Timestamp: {VECTOR_TS}\nWebhook-Signature: {VECTOR_SIGNATURE}\n\n")
    return body, as_json, as_lines


@pytest.mark.parametrize("which", [1, 2])
def test_the_test_vector_verifies_from_json_or_header_lines(vector_files, which):
    body, headers_file = vector_files[0], vector_files[which]
    result = run("--secret", VECTOR_SECRET, "--headers", str(headers_file), "--body", str(body),
                 "--now", str(VECTOR_TS + 60))
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok\n"


def test_a_fresh_delivery_verifies_against_the_clock_with_inline_json_and_env_secret(tmp_path):
    secret = new_secret()
    payload = b'{"id":"evt-1"}'
    (tmp_path / "b").write_bytes(payload)
    signed = headers([secret], "evt-1", int(time.time()), payload)
    result = run("--headers", json.dumps(signed), "--body", str(tmp_path / "b"), env={"RRC_WEBHOOK_SECRET": secret})
    assert result.exit_code == 0, result.output


def test_old_timestamp_fails_with_the_reason_on_stderr(vector_files):
    body, as_json, _ = vector_files
    result = run("--secret", VECTOR_SECRET, "--headers", str(as_json), "--body", str(body))
    assert result.exit_code == 1 and result.stdout == ""
    assert "timestamp too old" in result.stderr


def test_tolerance_option_widens_the_window(vector_files):
    body, as_json, _ = vector_files
    result = run("--secret", VECTOR_SECRET, "--headers", str(as_json), "--body", str(body),
                 "--now", str(VECTOR_TS + 1000), "--tolerance", "1000")
    assert result.exit_code == 0, result.output


def test_tampered_body_and_wrong_secret_fail(vector_files, tmp_path):
    _, as_json, _ = vector_files
    tampered = tmp_path / "tampered"
    tampered.write_bytes(VECTOR_BODY.replace(b"2432", b"2433"))
    result = run("--secret", VECTOR_SECRET, "--headers", str(as_json), "--body", str(tampered),
                 "--now", str(VECTOR_TS))
    assert result.exit_code == 1 and "no matching signature" in result.stderr
    result = run("--secret", new_secret(), "--headers", str(as_json), "--body", str(vector_files[0]),
                 "--now", str(VECTOR_TS))
    assert result.exit_code == 1 and "no matching signature" in result.stderr


def test_unreadable_inputs_exit_2(tmp_path, vector_files):
    body, as_json, _ = vector_files
    result = run("--secret", VECTOR_SECRET, "--headers", str(tmp_path / "missing"), "--body", str(body))
    assert result.exit_code == 2 and "cannot read headers" in result.stderr
    result = run("--secret", VECTOR_SECRET, "--headers", str(as_json), "--body", str(tmp_path / "missing"))
    assert result.exit_code == 2 and "cannot read body" in result.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text("this is not a header\n")
    result = run("--secret", VECTOR_SECRET, "--headers", str(bad), "--body", str(body))
    assert result.exit_code == 2 and "not 'Name: value'" in result.stderr


def test_missing_header_is_reported(tmp_path, vector_files):
    body = vector_files[0]
    result = run("--secret", VECTOR_SECRET, "--headers", json.dumps({"webhook-id": VECTOR_ID}), "--body", str(body))
    assert result.exit_code == 1
    assert "missing headers: webhook-timestamp, webhook-signature" in result.stderr


def test_body_from_stdin(vector_files):
    _, as_json, _ = vector_files
    result = run("--secret", VECTOR_SECRET, "--headers", str(as_json), "--body", "-", "--now", str(VECTOR_TS),
                 input=VECTOR_BODY)
    assert result.exit_code == 0, result.output


def test_parse_headers_forms():
    assert parse_headers('{"a": "1", "b": 2}') == {"a": "1", "b": "2"}
    assert parse_headers("A: 1\r\nB: x:y\r\n") == {"A": "1", "B": "x:y"}
    with pytest.raises(ValueError):
        parse_headers("[1, 2]")
    with pytest.raises(ValueError):
        parse_headers("")
