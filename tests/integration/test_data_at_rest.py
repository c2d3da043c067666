"""Patient data at rest: the SQLite databases are readable by the service
user alone (files 0600, folders 0700), whatever the umask of whoever started
the servers or the commands."""
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.servers import Assistant
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
    assistant = Assistant(tmp_path, {"TRACKER_DB_URL": f"sqlite:///{data}/tracker.db",
                                     "LEADS_DB_URL": f"sqlite:///{data}/leads.db"})
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
