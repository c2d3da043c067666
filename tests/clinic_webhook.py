"""A local stand-in for the clinic's lead webhook (their CRM), on loopback.

Modes: "ok" answers 200, "down" answers 503, "slow" waits before answering.
A payload whose contact is in `reject_contacts` gets 422, as a CRM refuses
one record it can't take. `received` holds the payloads it took (2xx),
`attempted` every payload POSTed, refused ones included.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List


class FakeClinicWebhook:
    def __init__(self) -> None:
        self.mode = "ok"
        self.slow_seconds = 10.0
        self.received: List[Dict[str, Any]] = []
        self.headers: List[Dict[str, str]] = []  # one per received payload
        self.attempted: List[Dict[str, Any]] = []  # every POST, refused ones included
        self.taking = threading.Lock()
        self.reject_contacts: set = set()
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                webhook.attempted.append(payload)
                if webhook.mode == "slow":
                    time.sleep(webhook.slow_seconds)
                if webhook.mode == "down":
                    self.send_response(503)
                    self.end_headers()
                    return
                if payload.get("contact") in webhook.reject_contacts:
                    self.send_response(422)
                    self.end_headers()
                    return
                with webhook.taking:  # headers[i] goes with received[i]
                    webhook.headers.append(dict(self.headers.items()))
                    webhook.received.append(payload)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}')
                except BrokenPipeError:
                    pass  # the client gave up waiting, as a slow-webhook test wants

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/leads"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeClinicWebhook":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def attempts(self) -> int:
        return len(self.attempted)

    @staticmethod
    def _wait(ready: Callable[[], bool], timeout: float, failure: Callable[[], str]) -> None:
        """Polls until `ready()`; fails with `failure()` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise AssertionError(failure())
            time.sleep(0.05)

    def wait_for_attempts(self, count: int, timeout: float = 10.0) -> List[Dict[str, Any]]:
        """Every payload POSTed, once `count` have arrived, accepted or not; fails if not."""
        self._wait(
            lambda: self.attempts >= count,
            timeout,
            lambda: f"{self.attempts} of {count} webhook POSTs arrived in {timeout}s",
        )
        return self.attempted

    def wait_for_one(self, matches: Callable[[Dict[str, Any]], bool], timeout: float = 10.0) -> Dict[str, Any]:
        """The first payload received that `matches`; fails if none arrives.
        (The session's webhook also gets other tests' leads.)"""

        def matching() -> List[Dict[str, Any]]:
            return [payload for payload in list(self.received) if matches(payload)]

        self._wait(
            lambda: bool(matching()),
            timeout,
            lambda: f"no matching POST in {timeout}s; received {len(self.received)} others",
        )
        return matching()[0]

    def wait_for(self, count: int, timeout: float = 10.0) -> List[Dict[str, Any]]:
        """Every payload received, once `count` have been taken; fails if fewer arrive."""
        self._wait(
            lambda: len(self.received) >= count,
            timeout,
            lambda: f"{len(self.received)} of {count} webhook payloads taken in {timeout}s",
        )
        return self.received
