"""Fills the environment from the clinic's settings without overriding it.

Rasa reads `${VAR}` placeholders in endpoints.yml and credentials.yml from the
environment, and the action server reads its settings from it, so filling the
environment once gives every process the same configuration. In order of
precedence:
1. the environment itself;
2. the local settings file: `.env` beside the Makefile, untracked (git ignores
   it), where production values and secrets go; `.env.example` documents it.
   CLINIC_SETTINGS_FILE names another file; set to empty, none is read (the
   tests do this, so a production `.env` never sends them to the clinic);
3. the tracked defaults, clinic_common/defaults.env.
Every entry point (servers, shell, cron commands) loads them alike.
"""
import os
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import urlsplit, urlunsplit

DEFAULTS_FILE = Path(__file__).with_name("defaults.env")
LOCAL_FILE = Path(__file__).resolve().parents[1] / ".env"


def read_env_file(path: Path) -> Dict[str, str]:
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def local_settings_file() -> Optional[Path]:
    """The local settings file in use, if any."""
    chosen = os.environ.get("CLINIC_SETTINGS_FILE")
    if chosen is None:
        return LOCAL_FILE if LOCAL_FILE.exists() else None
    if not chosen.strip():
        return None
    path = Path(chosen)
    if not path.exists():
        # Named on purpose: silently using the defaults instead would purge
        # or write to the wrong database.
        raise SystemExit(f"CLINIC_SETTINGS_FILE={chosen}: no such file")
    return path


def load_defaults(path: Optional[Path] = None) -> None:
    local = local_settings_file()
    if local is not None:
        for key, value in read_env_file(local).items():
            os.environ.setdefault(key, value)
    for key, value in read_env_file(path or DEFAULTS_FILE).items():
        os.environ.setdefault(key, value)
    # Derived, so that changing ACTION_PORT alone can't leave Rasa calling
    # the old port (or another instance's action server).
    os.environ.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{os.environ['ACTION_PORT']}/webhook")


def masked(url: str) -> str:
    """A URL with its password and query (tokens) hidden."""
    if not url:
        return "(none)"
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" not in netloc and not parts.query:
        return url
    if "@" in netloc:
        credentials, host = netloc.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in credentials else f"{user}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", ""))


def describe() -> List[str]:
    """What this command will use, secrets masked: printed by every command
    that touches the clinic's data, so a cron job's log shows which."""
    local = local_settings_file()
    lock = os.environ.get("LOCK_STORE_TYPE", "in_memory")
    if lock == "redis":
        lock = f"redis at {os.environ.get('REDIS_HOST')}:{os.environ.get('REDIS_PORT')}"
    return [
        f"environment:   {os.environ.get('CLINIC_ENV', 'development')}",
        f"settings:      {DEFAULTS_FILE.name}" + (f" + {local}" if local else " (no local settings file)"),
        f"conversations: {masked(os.environ.get('TRACKER_DB_URL', ''))}",
        f"leads:         {masked(os.environ.get('LEADS_DB_URL', ''))}",
        f"lock store:    {lock}",
        f"action server: {os.environ.get('ACTION_SERVER_URL', '(none)')}",
        f"clinic webhook: {masked(os.environ.get('CLINIC_WEBHOOK_URL', ''))}",
    ]
