"""A real local HTTP server receiving webhooks, built from the example receiver of the README (its code is read
from README.md and run as it is written there)."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_receiver() -> dict[str, Any]:
    """The namespace of the README's example receiver (``verify``, ``handle_event``, ``Receiver``, ``SECRET``)."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- example-receiver -->\n```python\n(.*?)```", text, re.S)
    assert match, "README.md lost its example receiver"
    namespace: dict[str, Any] = {"__name__": "readme_receiver"}
    exec(compile(match.group(1), "README.md#example-receiver", "exec"), namespace)
    return namespace


@dataclass
class Received:
    event: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass
class LocalReceiver:
    url: str
    secret: bytes
    events: list[Received] = field(default_factory=list)
    # Answers to give, in turn, before the README's own (401 for a bad signature, else 204): (status, delay s).
    script: list[tuple[int, float]] = field(default_factory=list)
    requests: int = 0
    rejected: int = 0


def start_receiver(secret: bytes) -> tuple[LocalReceiver, ThreadingHTTPServer]:
    namespace = readme_receiver()
    namespace["SECRET"] = secret
    state = LocalReceiver(url="", secret=secret)
    lock = threading.Lock()
    current = threading.local()

    def handle_event(event: dict[str, Any]) -> None:
        state.events.append(Received(event=event, headers=current.headers, at=time.monotonic()))

    namespace["handle_event"] = handle_event

    base: Any = namespace["Receiver"]

    class Scripted(base):
        def do_POST(self) -> None:
            with lock:
                state.requests += 1
                answer = state.script.pop(0) if state.script else None
            if answer is not None:
                status, delay = answer
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(delay)
                self.send_response(status)
                self.end_headers()
                return
            current.headers = dict(self.headers.items())
            before = len(state.events)
            super().do_POST()  # the README's receiver: verify, handle_event, 204 (or 401)
            if len(state.events) == before:
                state.rejected += 1

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server
