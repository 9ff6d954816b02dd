"""Fresh starts, as a new user makes them: N new systems in a row, each with a new broker and a new data dir.

For each system (`rrc up --demo` with RRC_LOG_LEVEL=WARNING and private webhook targets allowed, as in the run
that stalled): the demo data in, a partner webhook subscription to a local receiver and an SSE client connected, a
severe GDACS earthquake in, its plan approved. Then, one after another: the first offer must go out within 30 s of
the approval, and after the first offered expert declines, the seat must be offered to the next candidate within
30 s. In `--idle-runs` of the runs the same cycle runs again on a second crisis after `--idle-s` of idling (past the
metadata refresh that froze the stalled run).

    python bench/fresh_start.py [--runs 10] [--idle-runs 3] [--idle-s 360]

Ends with one JSON line: runs, successes, p50/max of both delays. The goal is runs == successes.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import emit, percentile  # noqa: E402

DEADLINE_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hooks(http.server.ThreadingHTTPServer):
    """The partner's webhook receiver: answers 200 and counts what it got."""

    daemon_threads = True

    def __init__(self) -> None:
        self.received: list[dict] = []
        super().__init__(("127.0.0.1", 0), _HookHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _HookHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.server.received.append({"id": self.headers.get("webhook-id"), "size": len(body)})  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        return None


@dataclass
class System:
    """One `rrc up --demo` with its own broker, data dir and ports."""

    home: Path
    env: dict
    url: str
    proc: subprocess.Popen
    log_path: Path
    tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, home: Path, extra_env: dict | None = None) -> "System":
        api_port, kafka_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_") or k == "RRC_DEMO_DATA"}
        env.update(RRC_DATA_DIR=str(home / "data"), RRC_API_PORT=str(api_port), RRC_KAFKA_PORT=str(kafka_port),
                   RRC_KAFKA_CONTROLLER_PORT=str(free_port()), RRC_LOG_LEVEL="WARNING",
                   RRC_ALLOW_PRIVATE_TARGETS="true", **(extra_env or {}))
        log_path = home / "up.log"
        log = open(log_path, "wb")
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "up", "--demo"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return cls(home=home, env=env, url=f"http://127.0.0.1:{api_port}", proc=proc, log_path=log_path)

    def wait_demo(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            for line in text.splitlines():
                for role in ("coordinator", "admin"):
                    if line.startswith(f"demo: {role} token "):
                        self.tokens[role] = line.split()[-1]
            if {"coordinator", "admin"} <= set(self.tokens):
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"rrc up exited with {self.proc.returncode}:\n{text[-3000:]}")
            time.sleep(0.5)
        raise TimeoutError("the demo did not finish loading")

    def token(self, role: str, *extra: str) -> str:
        out = subprocess.run([sys.executable, "-m", "cli.main", "token", "create", "--role", role, *extra],
                             cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60, check=True)
        return out.stdout.strip()

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=20)

    def stop(self, timeout: float = 30) -> float:
        """SIGINT, as Ctrl-C does; returns how long everything took to go."""
        started = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return time.monotonic() - started


def sse_client(url: str, token: str, stop: threading.Event, seen: list) -> threading.Thread:
    def run() -> None:
        while not stop.is_set():
            try:
                with httpx.stream("GET", f"{url}/v1/events/stream", headers={"Authorization": f"Bearer {token}"},
                                  timeout=httpx.Timeout(10, read=None)) as r:
                    for line in r.iter_lines():
                        if line.startswith("id:"):
                            seen.append(line[3:].strip())
                        if stop.is_set():
                            return
            except httpx.HTTPError:
                time.sleep(0.5)

    thread = threading.Thread(target=run, daemon=True, name="sse-client")
    thread.start()
    return thread


def gdacs_quake(tag: str, lat: float, lon: float, country: str) -> dict:
    """A severe (orange) GDACS earthquake alert observed now, as the normalised signal the feed parser makes."""
    event_id = str(int(time.time() * 1000) % 10_000_000)
    return {"signal_id": f"gdacs:EQ:{event_id}:{tag}", "source": "gdacs", "source_id": f"EQ-{event_id}-{tag}",
            "kind": "disaster", "hazard": "earthquake", "title": f"Orange earthquake alert M6.9 ({tag})",
            "countries": [country], "location": {"lat": lat, "lon": lon}, "severity": "severe",
            "urgency": "immediate", "certainty": "observed", "magnitude": {"value": 6.9, "unit": "Mw"},
            "observed_at": datetime.now(timezone.utc).isoformat(), "status": "actual",
            "references": [f"gdacs:EQ:{event_id}{tag}"]}


def wait_for(what: str, probe, timeout: float, poll: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(poll)
    raise TimeoutError(f"{what}: not within {timeout:g} s (last: {str(last)[:300]})")


def staffing_cycle(system: System, coordinator: httpx.Client, tag: str, lat: float, lon: float,
                   country: str) -> tuple[float, float]:
    """Crisis in, plan approved, first offer, decline, next offer: returns (approve->offer s, decline->next s)."""
    signal_body = gdacs_quake(tag, lat, lon, country)
    r = coordinator.post("/v1/signals", json=signal_body)
    r.raise_for_status()

    def plan_for_signal():
        items = coordinator.get("/v1/plans", params={"limit": 500}).json()["items"]
        return next((p for p in items if p.get("trigger_signal_id") == signal_body["signal_id"]
                     and p["status"] == "proposed"), None)

    plan = wait_for("a plan for the new crisis", plan_for_signal, 60)
    approved_at = time.monotonic()
    r = coordinator.post(f"/v1/plans/{plan['plan_id']}/approve")
    if r.status_code not in (200, 201):
        raise RuntimeError(f"approve answered {r.status_code}: {r.text[:300]}")
    iv = r.json()["intervention"]["intervention_id"]

    def staffing():
        s = coordinator.get(f"/v1/interventions/{iv}/staffing")
        return s.json() if s.status_code == 200 and s.json().get("offers") else None

    def with_alternates(st):
        """An open offer whose seat has a candidate left to ask after a decline."""
        seats = [s for s in st["seats"] if s["candidates_left"] > 0 and s["open_requests"]]
        return next(({"request_id": rid, "seat_summary": s} for s in seats for rid in s["open_requests"]), None)

    st = wait_for("the first offer", staffing, DEADLINE_S)
    to_offer = time.monotonic() - approved_at
    first = with_alternates(st)
    if first is None:
        raise RuntimeError("no offered seat has another candidate (roster too thin for this plan)")
    first.update(next(o for o in st["offers"] if o["request_id"] == first["request_id"]))
    expert = system.client(system.token("expert", "--expert-id", first["expert_id"]))
    declined_at = time.monotonic()
    r = expert.post(f"/v1/deployment-requests/{first['request_id']}/decline", json={"reason": "fresh-start bench"})
    if r.status_code != 200:
        raise RuntimeError(f"decline answered {r.status_code}: {r.text[:300]}")

    def next_offer():
        """The seat that held the declined offer, offered to somebody else."""
        st = staffing() or {"seats": []}
        was = first["seat_summary"]
        return next((s for s in st["seats"] if s["role"] == was["role"] and s["seat"] == was["seat"]
                     and s["open_requests"] and first["request_id"] not in s["open_requests"]), None)

    wait_for("the next candidate's offer", next_offer, DEADLINE_S)
    return to_offer, time.monotonic() - declined_at


def one_run(n: int, idle_s: float, keep: Path | None) -> dict:
    home = Path(tempfile.mkdtemp(prefix=f"rrc-fresh-{n}-"))
    system = System.start(home)
    hooks = Hooks()
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    stop_sse = threading.Event()
    result: dict = {"run": n, "ok": False, "delays_s": []}
    try:
        system.wait_demo()
        admin = system.client(system.tokens["admin"])
        coordinator = system.client(system.tokens["coordinator"])
        partner_id = admin.get("/v1/partners", params={"limit": 1, "active": "true"}).json()["items"][0]["partner_id"]
        partner = system.client(system.token("partner", "--partner-id", partner_id))
        r = partner.post("/v1/subscriptions", json={"url": hooks.url, "event_types": ["rrc.*"]})
        r.raise_for_status()
        seen: list = []
        sse_client(system.url, system.tokens["coordinator"], stop_sse, seen)
        result["delays_s"].append(staffing_cycle(system, coordinator, f"a{uuid.uuid4().hex[:4]}", 38.3, 38.1, "TUR"))
        if idle_s > 0:
            time.sleep(idle_s)
            # Istanbul: about 800 km from the first, beyond the 300 km an earthquake crisis spans, so a new crisis
            result["delays_s"].append(staffing_cycle(system, coordinator, f"b{uuid.uuid4().hex[:4]}", 40.9, 29.0,
                                                     "TUR"))
        result.update(ok=True, webhooks=len(hooks.received), sse_events=len(seen))
    except Exception as exc:  # noqa: BLE001 - a failed run is a figure, with its reason
        result["error"] = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        stop_sse.set()
        hooks.shutdown()
        result["stop_s"] = round(system.stop(), 1)
        log = system.log_path.read_text(errors="replace")
        result["log_missing_topic"] = "Ignoring missing topic" in log
        result["log_tracebacks"] = log.count("Traceback")
        if keep is not None and not result["ok"]:
            target = keep / f"run-{n}"
            shutil.copytree(home, target, ignore=shutil.ignore_patterns("faust", "kafka-logs", "logs"),
                            dirs_exist_ok=True)
            result["kept"] = str(target)
        shutil.rmtree(home, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--idle-runs", type=int, default=3, help="runs that repeat the cycle after idling")
    parser.add_argument("--idle-s", type=float, default=360)
    parser.add_argument("--keep", type=Path, default=None, help="copy the logs of failed runs here")
    args = parser.parse_args()
    results = []
    for n in range(args.runs):
        idle = args.idle_s if n < args.idle_runs else 0
        result = one_run(n, idle, args.keep)
        results.append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)
    offers = [d[0] for r in results for d in r["delays_s"]]
    nexts = [d[1] for r in results for d in r["delays_s"]]
    emit({"runs": len(results), "successes": sum(r["ok"] for r in results),
          "idle_runs": min(args.idle_runs, args.runs), "idle_s": args.idle_s,
          "approve_to_first_offer_p50_s": round(percentile(offers, 50), 2),
          "approve_to_first_offer_max_s": round(max(offers, default=float("nan")), 2),
          "decline_to_next_offer_p50_s": round(percentile(nexts, 50), 2),
          "decline_to_next_offer_max_s": round(max(nexts, default=float("nan")), 2),
          "stop_max_s": max((r["stop_s"] for r in results), default=float("nan"))})


if __name__ == "__main__":
    main()
