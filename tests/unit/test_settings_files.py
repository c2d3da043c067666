"""Where settings come from: the environment, then the local settings file
(.env, untracked), then clinic_common/defaults.env; cron commands say which they use."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clinic_common import settings as env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def local_file(tmp_path, monkeypatch):
    path = tmp_path / ".env"
    path.write_text("LEADS_DB_URL=sqlite:////srv/clinic/leads.db\nCLINIC_PHONE=+1 555-777-0000\n")
    monkeypatch.setattr(env, "LOCAL_FILE", path)
    monkeypatch.delenv("LEADS_DB_URL", raising=False)
    monkeypatch.delenv("CLINIC_PHONE", raising=False)
    return path


def test_the_local_file_overrides_the_defaults_and_the_environment_overrides_both(local_file, monkeypatch):
    monkeypatch.delenv("CLINIC_SETTINGS_FILE", raising=False)
    monkeypatch.setenv("CLINIC_PHONE", "+1 555-999-1111")
    env.load_defaults()
    assert os.environ["LEADS_DB_URL"] == "sqlite:////srv/clinic/leads.db"
    assert os.environ["CLINIC_PHONE"] == "+1 555-999-1111"
    assert any(str(local_file) in line for line in env.describe())


def test_tests_never_read_the_local_file(local_file, monkeypatch):
    monkeypatch.setenv("CLINIC_SETTINGS_FILE", "")
    env.load_defaults()
    assert os.environ["LEADS_DB_URL"] == "sqlite:///var/leads.db"


def test_a_named_settings_file_that_is_missing_stops_the_command(monkeypatch, tmp_path):
    monkeypatch.setenv("CLINIC_SETTINGS_FILE", str(tmp_path / "nope.env"))
    with pytest.raises(SystemExit, match="no such file"):
        env.load_defaults()


def test_secrets_are_masked_when_settings_are_printed():
    assert env.masked("postgresql://rasa:s3cret@db:5432/rasa") == "postgresql://rasa:***@db:5432/rasa"
    assert env.masked("https://crm.example/hook?token=abc") == "https://crm.example/hook?***"
    assert env.masked("sqlite:///var/tracker.db") == "sqlite:///var/tracker.db"


def test_cron_purge_says_which_stores_it_uses_and_survives_a_fresh_install(tmp_path):
    settings = tmp_path / "production.env"
    settings.write_text(
        f"TRACKER_DB_URL=sqlite:///{tmp_path}/nothing-yet/tracker.db\n"
        f"LEADS_DB_URL=sqlite:///{tmp_path}/nothing-yet/leads.db\n"
        "CLINIC_WEBHOOK_URL=https://crm.example/hook?token=s3cret\n"
    )
    # As cron runs it: a bare environment, the settings file named.
    bare = {"PATH": os.environ["PATH"], "CLINIC_SETTINGS_FILE": str(settings)}
    done = subprocess.run([sys.executable, "-m", "bot.privacy", "purge"], cwd=ROOT, env=bare,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"conversations: sqlite:///{tmp_path}/nothing-yet/tracker.db" in done.stdout
    assert "clinic webhook: https://crm.example/hook?***" in done.stdout
    assert "s3cret" not in done.stdout
    assert "nothing stored yet" in done.stdout


def test_make_runs_preflight_refuses_a_switch_that_is_neither_true_nor_false(tmp_path):
    env = {**os.environ, "RUN_DEMO_PAGE": "no", "TRACKER_DB_URL": f"sqlite:///{tmp_path}/tracker.db"}
    done = subprocess.run([sys.executable, "-m", "bot.launch", sys.executable, "-m", "bot.preflight"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "RUN_DEMO_PAGE=no: use true or false." in done.stderr
