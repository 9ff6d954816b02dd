"""A real local HTTP receiver for tests of outbound calls (webhooks, notifications): an asyncio socket server that
speaks enough HTTP/1.1 (keep-alive, Content-Length bodies), records every request and answers from a script."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from tests import published


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """`answer(request) -> (status, headers)` decides each response (default 200)."""

    answer: Callable[[Received], tuple[int, dict[str, str]]] = lambda r: (200, {})
    requests: list[Received] = field(default_factory=list)
    port: int = 0
    _server: asyncio.AbstractServer | None = None
    _connections: set[asyncio.Task] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> "Receiver":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        if self._server is not None:
            self._server.close()
            # Kept-alive connections outlive the server's close (Python 3.11): end them here, or their handlers are
            # left suspended in readline when the loop stops ("Exception ignored in: <coroutine Receiver._serve>").
            for task in list(self._connections):
                task.cancel()
            if self._connections:
                await asyncio.wait(self._connections, timeout=2)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = h.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                request = Received(method, path, headers, body)
                self.requests.append(request)
                if headers.get("content-type", "").startswith("application/cloudevents+json"):
                    published.saw("webhook", body)
                status, extra = self.answer(request)
                head = f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\n" + "".join(
                    f"{k}: {v}\r\n" for k, v in extra.items()) + "\r\n"
                writer.write(head.encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            writer.close()


class ThreadedReceiver:
    """The test's webhook receiver on its own event loop in a thread (the e2e tests themselves are synchronous)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.receiver = Receiver()
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.receiver.__aenter__())
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(10)

    @property
    def url(self) -> str:
        return self.receiver.url

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.receiver.__aexit__(None, None, None), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
