"""A real HTTP/1.1 socket server for delivery tests: scripted answers per path, every request recorded."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 410: "Gone", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay_s: float = 0.0
    hang_up: bool = False  # close the connection after answering, without saying so


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    arrived: float


class Receiver:
    def __init__(self, default: Reply = Reply()) -> None:
        self.default = default
        self.requests: list[Received] = []
        self.scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self.in_flight: dict[str, int] = defaultdict(int)
        self.max_in_flight: dict[str, int] = defaultdict(int)
        self._handlers: set[asyncio.Task] = set()
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.connections = 0

    async def start(self) -> "Receiver":
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self.server.wait_closed()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *replies: Reply) -> None:
        self.scripts[path].extend(replies)

    def on(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._handlers.add(task)
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                _method, path, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append(Received(path, headers, body, time.perf_counter()))
                self.in_flight[path] += 1
                self.max_in_flight[path] = max(self.max_in_flight[path], self.in_flight[path])
                try:
                    script = self.scripts.get(path)
                    reply = script.popleft() if script else self.default
                    if reply.delay_s:
                        await asyncio.sleep(reply.delay_s)
                    extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
                    writer.write(f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}\r\n"
                                 f"content-length: {len(reply.body)}\r\n{extra}\r\n".encode() + reply.body)
                    await writer.drain()
                    if reply.hang_up:
                        return
                finally:
                    self.in_flight[path] -= 1
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()
