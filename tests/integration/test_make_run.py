"""The README's contract: `make run` brings the whole assistant up, says how
to talk to it, answers, and Ctrl-C stops every process it started."""
import os
import signal
import subprocess
import sys
import time

import requests

from tests.servers import ROOT, free_port


def test_make_run_serves_rest_widget_and_sms_then_stops_on_ctrl_c(tmp_path):
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WEB_PORT")}
    env = {
        **os.environ, **{k: str(v) for k, v in ports.items()},
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['ACTION_PORT']}/webhook",
        "TRACKER_DB_URL": f"sqlite:///{tmp_path}/tracker.db",
        "LEADS_DB_URL": f"sqlite:///{tmp_path}/leads.db",
        "PYTHON310": sys.executable,
    }
    log = (tmp_path / "run.log").open("w+")
    run = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while "The clinic assistant is up" not in (tmp_path / "run.log").read_text():
            assert run.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "make run did not come up"
            time.sleep(0.5)
        banner = (tmp_path / "run.log").read_text()
        assert f"http://localhost:{ports['WEB_PORT']}" in banner and "curl" in banner

        rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
        reply = requests.post(f"{rasa}/webhooks/rest/webhook",
                              json={"sender": "readme", "message": "how much does it cost?"}, timeout=30)
        assert any("$3,000 to $10,000" in m.get("text", "") for m in reply.json())
        booking = requests.post(f"{rasa}/webhooks/rest/webhook",
                                json={"sender": "readme", "message": "book a consultation"}, timeout=30)
        assert any("https://www.yourhairclinic.com/?" in m.get("text", "") for m in booking.json())
        page = requests.get(f"http://127.0.0.1:{ports['WEB_PORT']}/", timeout=10)
        assert page.ok and "/static/webchat.js" in page.text
        assert requests.get(f"{rasa}/webhooks/twilio/", timeout=10).json() == {"status": "ok"}
    finally:
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise
    for port in ports.values():
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)
        except requests.ConnectionError:
            continue
        raise AssertionError(f"something still listens on {port} after Ctrl-C")
