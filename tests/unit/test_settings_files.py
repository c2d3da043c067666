"""Where settings come from: the environment, then the local settings file
(.env, untracked), then clinic_common/defaults.env; cron commands say which
they use."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clinic_common import settings as env
from clinic_common.settings import SettingError, Settings, get_settings

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
    settings = get_settings()
    assert settings.leads_db_url == "sqlite:////srv/clinic/leads.db"
    assert settings.clinic_phone == "+1 555-999-1111"
    # The same, in the environment of what the launch scripts start.
    env.fill_environment()
    assert os.environ["LEADS_DB_URL"] == "sqlite:////srv/clinic/leads.db"
    assert os.environ["CLINIC_PHONE"] == "+1 555-999-1111"
    assert any(str(local_file) in line for line in env.describe())


def test_tests_never_read_the_local_file(local_file, monkeypatch):
    monkeypatch.setenv("CLINIC_SETTINGS_FILE", "")
    assert get_settings().leads_db_url == env.defaults()["LEADS_DB_URL"]


def test_a_named_settings_file_that_is_missing_stops_the_command(monkeypatch, tmp_path):
    monkeypatch.setenv("CLINIC_SETTINGS_FILE", str(tmp_path / "nope.env"))
    with pytest.raises(SystemExit, match="no such file"):
        get_settings()


def test_every_default_is_a_setting_the_code_reads_and_every_setting_has_a_default():
    assert sorted(Settings.variables()) == sorted([*env.defaults(), *env.DERIVED])


def test_the_action_server_url_follows_the_action_port_unless_set(monkeypatch):
    monkeypatch.delenv("ACTION_SERVER_URL", raising=False)
    monkeypatch.setenv("ACTION_PORT", "6055")
    assert get_settings().action_server_url == "http://127.0.0.1:6055/webhook"
    monkeypatch.setenv("ACTION_SERVER_URL", "http://actions.internal:5055/webhook")
    assert get_settings().action_server_url == "http://actions.internal:5055/webhook"


def test_the_widgets_origins_and_rasas_public_url_follow_their_ports_unless_set(monkeypatch):
    for name in ("WEB_ORIGINS", "RASA_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WEB_PORT", "8180")
    monkeypatch.setenv("RASA_PORT", "5105")
    settings = get_settings()
    assert settings.web_origins == ("http://localhost:8180", "http://127.0.0.1:8180")
    assert settings.rasa_public_url == "http://localhost:5105"
    monkeypatch.setenv("RASA_PUBLIC_URL", "https://chat.clinic.example")
    assert get_settings().rasa_public_url == "https://chat.clinic.example"


def test_the_texters_hash_key_falls_back_to_twilios_token_and_a_bad_number_is_named(monkeypatch):
    monkeypatch.setenv("SMS_SENDER_HASH_KEY", "")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "twilio-token")
    assert get_settings().sms_sender_hash_key == "twilio-token"
    monkeypatch.setenv("RETENTION_DAYS", "ninety")
    with pytest.raises(SettingError, match="RETENTION_DAYS='ninety'"):
        get_settings()


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
    done = subprocess.run(
        [sys.executable, "-m", "bot.ops.privacy", "purge"],
        cwd=ROOT,
        env=bare,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"conversations: sqlite:///{tmp_path}/nothing-yet/tracker.db" in done.stdout
    assert "clinic webhook: https://crm.example/hook?***" in done.stdout
    assert "s3cret" not in done.stdout
    assert "nothing stored yet" in done.stdout


def test_make_runs_preflight_refuses_a_switch_that_is_neither_true_nor_false(tmp_path):
    env = {**os.environ, "RUN_DEMO_PAGE": "no", "TRACKER_DB_URL": f"sqlite:///{tmp_path}/tracker.db"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.launch", sys.executable, "-m", "bot.ops.preflight"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "RUN_DEMO_PAGE=no: use true or false." in done.stderr
