"""The README's contract: `make run` brings the whole assistant up, says how
to talk to it, answers, and stops every process it started: on Ctrl-C, on
SIGTERM from a supervisor, and when one of its servers dies."""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Tuple

import requests

from clinic_common.settings import DERIVED
from tests.servers import ROOT, free_port


@contextmanager
def make_run(tmp_path: Path, **settings: str) -> Iterator[Tuple[subprocess.Popen, Dict[str, int]]]:
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WEB_PORT")}
    # None of the derived settings: they follow the ports.
    env = {k: v for k, v in os.environ.items() if k not in DERIVED}
    env.update(
        {
            **{k: str(v) for k, v in ports.items()},
            "TRACKER_DB_URL": f"sqlite:///{tmp_path}/tracker.db",
            "LEADS_DB_URL": f"sqlite:///{tmp_path}/leads.db",
            "LEADS_SPOOL_DIR": str(tmp_path / "lead-spool"),
            "PYTHON310": sys.executable,
            **settings,
        }
    )
    log_path = tmp_path / "run.log"
    run = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w+"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while "The clinic assistant is up" not in log_path.read_text():
            assert run.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "make run did not come up"
            time.sleep(0.5)
        yield run, ports
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(timeout=30)


def listening_addresses(port: int) -> set:
    """The IPv4 addresses a TCP port listens on, from /proc/net/tcp."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def wait_until_closed(ports: Dict[str, int], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while any(listening_addresses(p) for p in ports.values()):
        assert time.monotonic() < deadline, f"still listening: {ports}"
        time.sleep(0.2)


def test_make_run_serves_rest_widget_and_sms_then_stops_on_ctrl_c(tmp_path):
    with make_run(tmp_path, INSIGHTS_TOKEN="") as (run, ports):
        banner = (tmp_path / "run.log").read_text()
        assert f"http://localhost:{ports['WEB_PORT']}" in banner and "curl" in banner
        # No staff token: the banner says the staff page is closed, not where it is.
        assert "Staff page:     closed until INSIGHTS_TOKEN is set" in banner
        assert f"action server: http://127.0.0.1:{ports['ACTION_PORT']}/webhook" in banner

        rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
        reply = requests.post(
            f"{rasa}/webhooks/rest/webhook", json={"sender": "readme", "message": "how much does it cost?"}, timeout=30
        )
        assert any("$3,000 to $10,000" in m.get("text", "") for m in reply.json())
        # Booking runs on the action server: reached at the port it listens on.
        booking = requests.post(
            f"{rasa}/webhooks/rest/webhook", json={"sender": "readme", "message": "book a consultation"}, timeout=30
        )
        assert any("/go/book?c=" in m.get("text", "") for m in booking.json())
        page = requests.get(f"http://127.0.0.1:{ports['WEB_PORT']}/", timeout=10)
        assert page.ok and "/static/webchat.js" in page.text
        # The widget on the page talks to this Rasa server, which lets the page in.
        assert f'"socketUrl": "http://localhost:{ports["RASA_PORT"]}"' in page.text
        page_origin = f"http://localhost:{ports['WEB_PORT']}"
        handshake = requests.get(
            f"{rasa}/socket.io/?EIO=4&transport=polling", headers={"Origin": page_origin}, timeout=10
        )
        assert handshake.ok and handshake.headers.get("Access-Control-Allow-Origin") == page_origin
        assert requests.get(f"{rasa}/webhooks/twilio/", timeout=10).json() == {"status": "ok"}
        # The action server (no login of its own) and the page: this machine only.
        assert listening_addresses(ports["ACTION_PORT"]) == {"127.0.0.1"}
        assert listening_addresses(ports["WEB_PORT"]) == {"127.0.0.1"}
        # Development (the default) keeps the Rasa server on this machine too.
        assert listening_addresses(ports["RASA_PORT"]) == {"127.0.0.1"}
        assert "(development; Rasa listens on 127.0.0.1)" in banner

        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        run.wait(timeout=60)
        wait_until_closed(ports)
    # A stop asked for reads as one, not as a crash.
    log = (tmp_path / "run.log").read_text()
    assert "Stopped." in log and "A server stopped" not in log


def test_sigterm_to_make_alone_stops_everything(tmp_path):
    with make_run(tmp_path) as (run, ports):
        run.send_signal(signal.SIGTERM)  # a supervisor signals the process it started
        run.wait(timeout=60)
        wait_until_closed(ports)
    log = (tmp_path / "run.log").read_text()
    assert "Stopped." in log and "A server stopped" not in log


def test_a_dead_server_stops_the_rest_with_a_non_zero_exit(tmp_path):
    with make_run(tmp_path) as (run, ports):
        action_server = next(
            int(pid)
            for pid in os.listdir("/proc")
            if pid.isdigit()
            and f"--port\0{ports['ACTION_PORT']}".encode() in _cmdline(pid)
            and b"actions" in _cmdline(pid)
        )
        os.kill(action_server, signal.SIGKILL)
        assert run.wait(timeout=60) != 0
        wait_until_closed(ports)
        assert "A server stopped" in (tmp_path / "run.log").read_text()


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_production_refuses_to_start_with_the_public_development_secrets(tmp_path):
    env = {
        **os.environ,
        "CLINIC_ENV": "production",
        "PYTHON310": sys.executable,
        "TRACKER_DB_URL": f"sqlite:///{tmp_path}/tracker.db",
        "RASA_PORT": str(free_port()),
        "LEADS_DB_URL": f"sqlite:///{tmp_path}/leads.db",
        "LEADS_SPOOL_DIR": str(tmp_path / "lead-spool"),
        "TWILIO_AUTH_TOKEN": "a-real-token-from-the-console",
    }
    done = subprocess.run(
        ["make", "--no-print-directory", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode != 0
    assert "SMS_SENDER_HASH_KEY, SMS_NUMBER_KEY, CLINIC_WEBHOOK_SECRET" in done.stderr
    assert "TWILIO_AUTH_TOKEN" not in done.stderr.split("development secrets:")[1].split("\n")[0]
    assert "The clinic assistant is up" not in done.stdout


def test_the_tokens_are_on_no_command_line_and_refused_api_calls_are_logged_with_the_address(tmp_path):
    token, action_token = f"api-token-{uuid.uuid4().hex}", f"action-token-{uuid.uuid4().hex}"
    staff_token = f"staff-token-{uuid.uuid4().hex}"
    with make_run(tmp_path, RASA_API_TOKEN=token, ACTION_SERVER_TOKEN=action_token, INSIGHTS_TOKEN=staff_token) as (
        run,
        ports,
    ):
        rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
        # With a staff token the banner points at the staff page, which opens with it.
        staff_page = f"http://localhost:{ports['RASA_PORT']}/webhooks/insights/"
        assert f"Staff page:     {staff_page} (sign in with INSIGHTS_TOKEN)" in (tmp_path / "run.log").read_text()
        assert (
            requests.get(
                staff_page.replace("localhost", "127.0.0.1"),
                timeout=30,
                headers={"Authorization": f"Bearer {staff_token}"},
            ).status_code
            == 200
        )
        # Booking runs on the action server, which now wants the token: Rasa sends it.
        booking = requests.post(
            f"{rasa}/webhooks/rest/webhook", json={"sender": "api-user", "message": "book a consultation"}, timeout=30
        )
        assert any("/go/book?c=" in m.get("text", "") for m in booking.json())
        tracker = f"{rasa}/conversations/api-user/tracker"
        assert requests.get(tracker, params={"token": token}, timeout=10).status_code == 200
        assert requests.get(tracker, params={"token": "a-wrong-guess"}, timeout=10).status_code == 401
        assert requests.get(tracker, timeout=10).status_code == 401

        servers = [pid for pid in _pids() if f"--port\0{ports['RASA_PORT']}".encode() in _cmdline(pid)]
        assert servers, "the Rasa server's process was not found"
        for secret in (token, action_token):
            assert [pid for pid in _pids() if secret.encode() in _cmdline(pid)] == []
        log = (tmp_path / "run.log").read_text()
        assert log.count("Refused an HTTP API call (GET /conversations/api-user/tracker) from 127.0.0.1") == 2
        assert token not in log and action_token not in log and "a-wrong-guess" not in log
        assert staff_token not in log


def _pids():
    return [pid for pid in os.listdir("/proc") if pid.isdigit()]


def test_a_token_on_the_command_line_is_refused():
    for args in (["--auth-token", "visible-to-ps"], ["--enable-api"]):
        started = subprocess.run(
            [sys.executable, "-m", "bot.launch", sys.executable, "-m", "bot.launch.rasa_cli", "run", *args],
            cwd=ROOT,
            env={**os.environ, "RASA_API_TOKEN": ""},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert started.returncode != 0
        assert "RASA_API_TOKEN" in started.stderr
