"""Standard Webhooks signing: the published test vector, rotation overlap, tampering and replay windows."""

from __future__ import annotations

import base64
import re

import pytest

from responders.partners import signing
from responders.partners.signing import SecretError, SignatureError, headers, new_secret, sign, verify

# The Standard Webhooks reference test vector (same values in the spec's reference libraries' tests).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_sign_reproduces_the_standard_webhooks_test_vector():
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIGNATURE


def test_verify_accepts_the_test_vector_among_other_signatures_with_any_header_case():
    received = {"Webhook-Id": VECTOR_ID, "WEBHOOK-TIMESTAMP": str(VECTOR_TS),
                "webhook-signature": f"v1,bm9wZQ== v1a,whatever {VECTOR_SIGNATURE}"}
    assert verify(VECTOR_SECRET, received, VECTOR_BODY, now=VECTOR_TS + 10) is None


def test_new_secret_is_whsec_and_32_random_bytes():
    a, b = new_secret(), new_secret()
    assert a != b and re.fullmatch(r"whsec_[A-Za-z0-9+/]+={0,2}", a)
    assert len(base64.b64decode(a[len("whsec_"):])) == 32
    assert len(signing.decode_secret(new_secret(24))) == 24


@pytest.mark.parametrize("bad", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_" + "QUFB" * 2,
                                 "whsec_"])
def test_unusable_secrets_are_refused(bad):
    with pytest.raises(SecretError):
        sign(bad, "m", 1, b"")


def test_rotation_overlap_signs_with_both_secrets_and_either_verifies():
    old, new = new_secret(), new_secret()
    h = headers([new, old], "msg_1", 1_700_000_000, b"{}")
    assert h["webhook-id"] == "msg_1" and h["webhook-timestamp"] == "1700000000"
    assert len(h["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        verify(secret, h, b"{}", now=1_700_000_000)
    with pytest.raises(SignatureError, match="no matching signature"):
        verify(new_secret(), h, b"{}", now=1_700_000_000)


def test_headers_need_a_secret():
    with pytest.raises(SecretError):
        headers([], "m", 1, b"")


def test_tampered_body_fails():
    secret = new_secret()
    h = headers([secret], "msg_2", 1_700_000_000, b'{"a":1}')
    with pytest.raises(SignatureError, match="no matching signature"):
        verify(secret, h, b'{"a":2}', now=1_700_000_000)


def test_changed_id_or_timestamp_fails():
    secret = new_secret()
    h = headers([secret], "msg_3", 1_700_000_000, b"x")
    with pytest.raises(SignatureError, match="no matching"):
        verify(secret, {**h, "webhook-id": "msg_4"}, b"x", now=1_700_000_000)
    with pytest.raises(SignatureError, match="no matching"):
        verify(secret, {**h, "webhook-timestamp": "1700000001"}, b"x", now=1_700_000_000)


@pytest.mark.parametrize("offset, message", [(-301, "too old"), (301, "too new")])
def test_timestamps_outside_the_tolerance_fail(offset, message):
    secret = new_secret()
    ts = 1_700_000_000
    h = headers([secret], "msg_5", ts, b"x")
    with pytest.raises(SignatureError, match=message):
        verify(secret, h, b"x", now=ts - offset)
    verify(secret, h, b"x", now=ts - offset, tolerance_s=abs(offset))


@pytest.mark.parametrize("drop", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_are_named(drop):
    secret = new_secret()
    h = {k: v for k, v in headers([secret], "m", 100, b"").items() if k != drop}
    with pytest.raises(SignatureError, match=f"missing header: {drop}"):
        verify(secret, h, b"", now=100)


@pytest.mark.parametrize("value", ["abc", "1.5", "-100", "١٢٣"])
def test_non_numeric_timestamp_fails(value):
    secret = new_secret()
    h = {**headers([secret], "m", 100, b""), "webhook-timestamp": value}
    with pytest.raises(SignatureError, match="not unix seconds"):
        verify(secret, h, b"", now=100)


def test_garbage_signatures_do_not_crash():
    secret = new_secret()
    h = {**headers([secret], "m", 100, b""), "webhook-signature": "v1,%%% v1, ,,, v2,abcd é"}
    with pytest.raises(SignatureError, match="no matching"):
        verify(secret, h, b"", now=100)
