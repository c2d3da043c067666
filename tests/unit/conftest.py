from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.fixture(autouse=True)
def clinic_settings(monkeypatch, tmp_path):
    """Each test gets its own leads database and known clinic settings."""
    monkeypatch.setenv("LEADS_DB_URL", f"sqlite:///{tmp_path}/leads.db")
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path}/tracker.db")
    monkeypatch.setenv("LEADS_SPOOL_DIR", str(tmp_path / "lead-spool"))
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "backups"))
    monkeypatch.setenv("BOOKING_URL", "https://www.yourhairclinic.com/")
    monkeypatch.setenv("CLINIC_PHONE", "+1 555-010-0199")
    monkeypatch.setenv("CLINIC_EMAIL", "info@yourhairclinic.com")
    monkeypatch.setenv("CLINIC_LOCATIONS", "")
    monkeypatch.setenv("CLINIC_WEBHOOK_URL", "")
    for fact in ("CLINIC_HOURS", "CLINIC_ADDRESS", "CLINIC_DOCTORS"):
        monkeypatch.setenv(fact, "")
