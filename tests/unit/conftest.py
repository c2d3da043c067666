from pathlib import Path

import pytest
import yaml

from clinic_common.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.fixture(autouse=True)
def clinic_settings(monkeypatch, tmp_path):
    """Each test gets the tracked defaults (clinic_common/defaults.env),
    whatever this machine's environment holds, and stores of its own."""
    for variable in Settings.variables():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LEADS_DB_URL", f"sqlite:///{tmp_path}/leads.db")
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path}/tracker.db")
    monkeypatch.setenv("LEADS_SPOOL_DIR", str(tmp_path / "lead-spool"))
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "backups"))
