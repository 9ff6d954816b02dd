"""Notifications to experts over real local sockets: a webhook receiver that fails then accepts, a refused private
target, a final 4xx, and email through a minimal local SMTP server; each ends in a delivery record."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone

import httpx
import pytest

from responders.notifications import DeliveryFailed, EmailChannel, WebhookChannel, deliver
from responders.roster import generate_roster
from tests.receiver import Receiver

NOTE = {"notification_id": "ntf-evt-1", "expert_id": "exp-0000001", "request_id": "req-1",
        "event_type": "rrc.deployment.requested", "subject": "Deployment request: assessor for M7.8",
        "text": "You are asked to deploy as assessor.", "created_at": "2026-03-02T08:00:00+00:00"}


def clock():
    return datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def expert(webhook: str | None = None, email: str | None = "a.b@roster.example.org"):
    [e], _ = generate_roster(1, 0, seed=2, epoch=date(2026, 3, 1))
    contact = {"email": email, "webhook_url": webhook}
    return e.model_validate({**e.model_dump(), "contact": contact})


class Sleeps(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


async def test_a_webhook_that_fails_twice_then_accepts_is_delivered_on_the_third_attempt():
    answers = iter([500, 503, 200])
    async with Receiver(answer=lambda r: (next(answers), {})) as rx, httpx.AsyncClient() as client:
        channel = WebhookChannel(client, allow_private=True)
        sleeps = Sleeps()
        record = await deliver(NOTE, expert(f"{rx.url}/hook", None), [channel], [1, 5, 30], clock=clock, sleep=sleeps)
    assert record.outcome == "delivered" and record.delivered_on == ["webhook"]
    assert [a.status_code for a in record.attempts] == [500, 503, 200] and sleeps == [1, 5]
    assert {r.headers["webhook-id"] for r in rx.requests} == {"ntf-evt-1"}  # receivers drop repeats by it
    assert rx.requests[-1].json()["request_id"] == "req-1"


async def test_a_final_4xx_is_not_retried_and_exhausted_retries_fail():
    async with Receiver(answer=lambda r: (404, {})) as rx, httpx.AsyncClient() as client:
        record = await deliver(NOTE, expert(f"{rx.url}/gone", None), [WebhookChannel(client, allow_private=True)],
                               [1, 1], clock=clock, sleep=Sleeps())
        assert record.outcome == "failed" and len(record.attempts) == 1 and record.attempts[0].status_code == 404
    async with Receiver(answer=lambda r: (502, {})) as rx, httpx.AsyncClient() as client:
        record = await deliver(NOTE, expert(f"{rx.url}/down", None), [WebhookChannel(client, allow_private=True)],
                               [1, 1], clock=clock, sleep=Sleeps())
        assert record.outcome == "failed" and len(record.attempts) == 3 and len(rx.requests) == 3


async def test_private_targets_are_refused_at_send_time_unless_allowed():
    async with Receiver() as rx, httpx.AsyncClient() as client:
        record = await deliver(NOTE, expert(f"{rx.url}/hook", None), [WebhookChannel(client)], [1],
                               clock=clock, sleep=Sleeps())
    assert record.outcome == "failed" and "refused" in record.attempts[0].error and not rx.requests


async def test_no_channel_and_unknown_expert_are_recorded():
    async with httpx.AsyncClient() as client:
        channel = WebhookChannel(client, allow_private=True)
        assert (await deliver(NOTE, expert(None), [channel], [], clock=clock)).outcome == "no_channel"
        assert (await deliver(NOTE, None, [channel], [], clock=clock)).outcome == "unknown_expert"


class SmtpServer:
    """Just enough SMTP (RFC 5321 without extensions) to receive one message per session."""

    def __init__(self, refuse_rcpt: bool = False) -> None:
        self.messages: list[tuple[str, list[str], str]] = []
        self.refuse_rcpt = refuse_rcpt

    async def __aenter__(self):
        self.server = await asyncio.start_server(self.session, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        self.server.close()

    async def session(self, reader, writer):
        async def say(line: str):
            writer.write(f"{line}\r\n".encode())
            await writer.drain()

        await say("220 test ESMTP")
        sender, rcpts = "", []
        while line := (await reader.readline()).decode().strip():
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                await say("250 test")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip("<> ")
                await say("250 ok")
            elif verb == "RCPT":
                if self.refuse_rcpt:
                    await say("550 no such user")
                    continue
                rcpts.append(line.split(":", 1)[1].strip("<> "))
                await say("250 ok")
            elif verb == "DATA":
                await say("354 go on")
                data = []
                while (chunk := (await reader.readline()).decode()) not in (".\r\n", ""):
                    data.append(chunk)
                self.messages.append((sender, rcpts, "".join(data)))
                await say("250 queued")
            elif verb == "QUIT":
                await say("221 bye")
                break
            else:
                await say("250 ok")
        writer.close()


async def test_email_goes_through_smtp_with_the_request_text_and_a_refused_recipient_is_final():
    async with SmtpServer() as smtp:
        channel = EmailChannel("127.0.0.1", smtp.port, "rrc@ilo.example.org", starttls=False, timeout_s=5)
        record = await deliver(NOTE, expert(None, "amina.diallo@roster.example.org"), [channel], [1],
                               clock=clock, sleep=Sleeps())
    assert record.outcome == "delivered" and record.delivered_on == ["email"]
    [(sender, rcpts, data)] = smtp.messages
    assert sender == "rrc@ilo.example.org" and rcpts == ["amina.diallo@roster.example.org"]
    assert "Subject: Deployment request: assessor for M7.8" in data and "deploy as assessor" in data
    async with SmtpServer(refuse_rcpt=True) as smtp:
        channel = EmailChannel("127.0.0.1", smtp.port, "rrc@ilo.example.org", starttls=False, timeout_s=5)
        with pytest.raises(DeliveryFailed) as info:
            await channel.send(NOTE, expert(None))
    assert not info.value.retryable
