"""Patient data at rest: the SQLite databases, the lead spool and the backups
are readable by the service user alone (files 0600, folders 0700), whatever
the umask of whoever started the servers or the commands."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import ROOT, Assistant
from tests.twilio_client import TwilioSender


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def unreadable_by_others(path: Path) -> None:
    """As root the modes are all there is to check; another account must be
    refused too, so try one."""
    if os.geteuid() == 0:
        tried = subprocess.run(["runuser", "-u", "nobody", "--", "cat", str(path)], capture_output=True, text=True)
        assert tried.returncode != 0 and "Permission denied" in tried.stderr, tried


@pytest.fixture
def usual_umask():
    """The servers inherit it: 022 makes files readable by everyone."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_real_server_run_keeps_every_database_file_private(tmp_path, usual_umask):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)  # an existing folder, open to all, as var/ was
    os.chmod(data, 0o755)
    assistant = Assistant(
        tmp_path, {"TRACKER_DB_URL": f"sqlite:///{data}/tracker.db", "LEADS_DB_URL": f"sqlite:///{data}/leads.db"}
    )
    try:
        assistant.start(web=False)
        for message in ["book an appointment", "yes", "Sam Park", "(212) 555-0123"]:
            assistant.say("at-rest", message)
        assert assistant.say("at-rest", "Austin")[0]["text"].startswith("Thanks, Sam Park!")
        TwilioSender(f"{assistant.url}/webhooks/twilio/webhook").text("+12125550124", "what are the risks")

        files = sorted(p.name for p in data.iterdir())
        assert {"tracker.db", "tracker.db-wal", "tracker.db-shm", "leads.db"} <= set(files), files
        assert {name: mode(data / name) for name in files} == {name: 0o600 for name in files}
        assert mode(data) == 0o700
        unreadable_by_others(data / "leads.db")
    finally:
        assistant.stop()


def test_the_commands_keep_backups_and_an_older_installs_files_private(tmp_path, usual_umask):
    """A data folder from before (0755, files 0644): the start-up check that
    `make run` runs first makes it private; a backup is private from the start."""
    data = tmp_path / "data"
    data.mkdir()
    env = Assistant(
        tmp_path,
        {
            "TRACKER_DB_URL": f"sqlite:///{data}/tracker.db",
            "LEADS_DB_URL": f"sqlite:///{data}/leads.db",
            "LEADS_SPOOL_DIR": str(data / "lead-spool"),
        },
    ).env
    for name in ("tracker.db", "leads.db"):
        (data / name).touch()
        os.chmod(data / name, 0o644)
    os.chmod(data, 0o755)

    checked = subprocess.run(
        [sys.executable, "-m", "bot.launch", sys.executable, "-m", "bot.ops.preflight"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr
    assert mode(data) == 0o700 and mode(data / "tracker.db") == mode(data / "leads.db") == 0o600
    assert mode(data / "lead-spool") == 0o700

    made = subprocess.run(
        ["make", "--no-print-directory", "backup"],
        cwd=ROOT,
        env={**env, "PYTHON310": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    backups = Path(env["BACKUP_DIR"])
    [folder] = list(backups.iterdir())
    assert mode(backups) == mode(folder) == 0o700
    assert {p.name: mode(p) for p in folder.iterdir()} == {
        "tracker.db": 0o600,
        "leads.db": 0o600,
        "manifest.json": 0o600,
    }
    unreadable_by_others(folder / "leads.db")
