"""SSRF checks of outbound targets: local and private hosts refused unless the development setting allows them."""

from __future__ import annotations

import asyncio

import pytest

from config.settings import Settings
from responders.roster import generate_roster, import_experts
from responders.roster.exporter import export_experts_csv
from responders.security.targets import TargetRefused, check_resolved, check_url, contact_issues

REFUSED = [
    ("http://127.0.0.1/hook", "loopback"), ("http://[::1]:8080/", "loopback"), ("http://10.0.0.5/", "private"),
    ("https://172.16.3.4/x", "private"), ("https://192.168.1.10/", "private"), ("http://169.254.169.254/latest/",
                                                                                  "link-local"),
    ("http://[fe80::1]/", "link-local"), ("http://[fc00::1]/", "private"), ("http://0.0.0.0/", "unspecified"),
    ("http://100.64.0.1/", "carrier-grade"), ("http://224.0.0.1/", "multicast"),
    ("http://[::ffff:127.0.0.1]/", "loopback"), ("http://localhost:9000/", "local name"),
    ("http://hooks.localhost/", "local name"), ("http://printer.local/", "local name"),
    ("http://metadata.google.internal/", "local name"), ("http://intranet/", "local name"),
    ("ftp://example.org/file", "only http and https"), ("file:///etc/passwd", "only http and https"),
    ("https://user:pw@example.org/", "credentials"),
]


@pytest.mark.parametrize("url,why", REFUSED)
def test_local_private_and_odd_targets_are_refused(url, why):
    with pytest.raises(TargetRefused, match=why):
        check_url(url)


@pytest.mark.parametrize("url", ["https://hooks.example.org/rrc", "http://8.8.8.8/x", "https://[2001:4860:4860::8888]/h"])
def test_public_targets_pass(url):
    check_url(url)


def test_the_development_setting_allows_private_addresses_but_not_other_schemes():
    check_url("http://127.0.0.1:8080/hook", allow_private=True)
    check_url("http://localhost/hook", allow_private=True)
    with pytest.raises(TargetRefused):
        check_url("file:///etc/passwd", allow_private=True)


def test_production_mode_refuses_the_development_setting():
    with pytest.raises(ValueError, match="RRC_ALLOW_PRIVATE_TARGETS"):
        Settings(_env_file=None, mode="production", secret_key="a-real-secret-0123456789",
                 allow_private_targets=True)


def test_a_public_name_resolving_to_a_private_address_is_refused_at_send_time(monkeypatch):
    import socket

    async def fake_getaddrinfo(self, host, port, **kwargs):
        address = {"hooks.example.org": "10.0.0.7", "ok.example.org": "93.184.215.14"}[host]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(TargetRefused, match="resolves to 10.0.0.7, a private address"):
        asyncio.run(check_resolved("https://hooks.example.org/rrc"))
    assert asyncio.run(check_resolved("https://ok.example.org/rrc")) == ["93.184.215.14"]
    assert asyncio.run(check_resolved("https://hooks.example.org/rrc", allow_private=True)) == ["10.0.0.7"]


def test_imports_report_refused_webhooks_by_row_and_column_and_keep_the_rest():
    experts, _ = generate_roster(3, 0, seed=2)
    text = export_experts_csv(experts)
    header, *rows = text.splitlines()
    columns = header.split(",")
    cells = rows[1].split(",")
    cells[columns.index("webhook_url")] = "http://169.254.169.254/latest/meta-data"
    rows[1] = ",".join(cells)
    result = import_experts("\n".join([header, *rows]).encode(), format="csv",
                            check=lambda r: contact_issues(r, allow_private=False))
    assert len(result.records) == 2
    [issue] = result.issues
    assert issue.row == 3 and issue.field == "webhook_url" and "link-local" in issue.reason
