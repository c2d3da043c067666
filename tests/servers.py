"""Starts the real action server and Rasa server for integration tests.

Each runs as its own process on a free loopback port, with its own SQLite
files, exactly as `make run` starts them; only the clinic's webhook is a local
stand-in (tests/clinic_webhook.py).
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

from bot.launch.local_servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "assistant.tar.gz"


# The suite talks to each server from one address, hundreds of conversations
# in minutes, as no visitor does: the per-address limits are off for its
# servers, and tested with low values in tests/integration/test_rate_limits.py.
# The per-conversation limit keeps its default.
SUITE_RATE_LIMITS = {"RATE_LIMIT_ADDRESS": "", "RATE_LIMIT_NEW_CONVERSATIONS": ""}


class Assistant:
    """A running action server + Rasa server pair."""

    def __init__(self, workdir: Path, extra_env: Optional[Dict[str, str]] = None) -> None:
        self.workdir = workdir
        self.rasa_port = free_port()
        self.action_port = free_port()
        self.web_port = free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.page_url = f"http://127.0.0.1:{self.web_port}"
        self.tracker_db = workdir / "tracker.db"
        self.leads_db = workdir / "leads.db"
        self.spool = workdir / "lead-spool"
        self.backups = workdir / "backups"
        self.env = {
            **os.environ,
            "RASA_PORT": str(self.rasa_port),
            "ACTION_PORT": str(self.action_port),
            "ACTION_SERVER_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "TRACKER_DB_URL": f"sqlite:///{self.tracker_db}",
            "LEADS_DB_URL": f"sqlite:///{self.leads_db}",
            "LEADS_SPOOL_DIR": str(self.spool),
            "BACKUP_DIR": str(self.backups),
            "WEB_PORT": str(self.web_port),
            "WEB_ORIGINS": self.page_url,
            "RASA_PUBLIC_URL": self.url,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            **SUITE_RATE_LIMITS,
            **(extra_env or {}),
        }
        self.processes: Dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, args: List[str]) -> subprocess.Popen:
        log = self.workdir / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.launch", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        self.processes[name] = process
        return process

    def start_actions(self) -> None:
        actions = self._spawn(
            "actions",
            [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
        )
        wait_until_up(f"http://127.0.0.1:{self.action_port}/health", actions, self.workdir / "actions.log")

    def start_rasa(self, extra_args: Optional[List[str]] = None) -> None:
        # As bot/launch/run.sh: the HTTP API opens with RASA_API_TOKEN, inside bot.launch.rasa_cli.
        rasa = self._spawn(
            "rasa",
            [
                sys.executable,
                "-m",
                "bot.launch.rasa_cli",
                "run",
                "--model",
                str(MODEL),
                "--port",
                str(self.rasa_port),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
                "--cors",
                self.page_url,
                *(extra_args or []),
            ],
        )
        wait_until_up(f"{self.url}/", rasa, self.workdir / "rasa.log")

    def start(self, web: bool = True) -> "Assistant":
        self.start_actions()
        if web:
            web_server = self._spawn("web", [sys.executable, "-m", "bot.demo_page.web_server"])
            wait_until_up(f"{self.page_url}/", web_server, self.workdir / "web.log")
        self.start_rasa()
        return self

    def stop_process(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)

    def age_conversation(self, sender: str, hours: float) -> None:
        """Moves a stored conversation back in time, as if its last message
        came `hours` ago: Rasa reads each event's time from its JSON."""
        with sqlite3.connect(self.tracker_db) as db:
            rows = db.execute("select id, data from events where sender_id = ?", (sender,)).fetchall()
            assert rows, f"no conversation {sender} in {self.tracker_db}"
            for row_id, data in rows:
                event = json.loads(data)
                event["timestamp"] -= hours * 3600
                db.execute(
                    "update events set data = ?, timestamp = ? where id = ?",
                    (json.dumps(event), event["timestamp"], row_id),
                )

    def session_starts(self, sender: str) -> int:
        with sqlite3.connect(self.tracker_db) as db:
            return db.execute(
                "select count(*) from events where sender_id = ? and type_name = 'session_started'", (sender,)
            ).fetchone()[0]

    def say(self, sender: str, message: str, timeout: float = 30) -> List[Dict]:
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=timeout,
        )
        response.raise_for_status()
        return response.json()


class MakeTarget:
    """A `make` target (`make run`, `make actions`) started as the README
    says to start it, in a process group of its own, its output in a log."""

    def __init__(self, target: str, env: Dict[str, str], log: Path) -> None:
        self.target = target
        self.env = {**os.environ, "PYTHON310": sys.executable, **SUITE_RATE_LIMITS, **env}
        self.log = log
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "MakeTarget":
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", self.target],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def wait_for_line(self, text: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None:
                raise RuntimeError(f"make {self.target} exited early:\n{self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"no {text!r} from make {self.target} in {timeout}s:\n{self.log.read_text()[-3000:]}"
                )
            time.sleep(0.3)

    def stop(self) -> None:
        """SIGTERM to the whole group, as a supervisor stopping it would."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
