"""The action server ships on its own: actions/, rasa_sdk_plugins/ and
clinic_common/, copied without the rest of the project (no bot/, no
Makefile), run with rasa-sdk's own command, store a call-back request from a
real recorded conversation, and keep the shared secret."""

import shutil
import sqlite3
import subprocess
import sys

import requests

from tests.integration.test_action_server_secret import HEADER, TOKEN, made_up_call
from tests.servers import ROOT, free_port, wait_until_up

SHIPPED = ("actions", "rasa_sdk_plugins", "clinic_common")


def test_the_action_server_runs_from_its_own_folders_alone(tmp_path):
    image = tmp_path / "image"
    for folder in SHIPPED:
        shutil.copytree(ROOT / folder, image / folder, ignore=shutil.ignore_patterns("__pycache__"))
    assert not (image / "bot").exists()
    data = tmp_path / "data"
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CLINIC_SETTINGS_FILE": "",
        "ACTION_SERVER_TOKEN": TOKEN,
        "LEADS_DB_URL": f"sqlite:///{data}/leads.db",
        "TRACKER_DB_URL": f"sqlite:///{data}/tracker.db",
        "LEADS_SPOOL_DIR": str(data / "lead-spool"),
    }
    log = tmp_path / "actions.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        cwd=image,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", server, log)
        webhook = f"http://127.0.0.1:{port}/webhook"
        assert requests.post(webhook, json=made_up_call("alone"), timeout=30).status_code == 401
        answer = requests.post(webhook, json=made_up_call("alone"), headers={HEADER: TOKEN}, timeout=30)
        assert answer.status_code == 200, log.read_text()[-3000:]
        assert answer.json()["responses"][-1]["text"].startswith("Thanks, ")
        with sqlite3.connect(data / "leads.db") as db:
            assert db.execute("select count(*) from leads where sender_id = 'alone'").fetchone()[0] == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "No module named 'bot" not in log.read_text()
