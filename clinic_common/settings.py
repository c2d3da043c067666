"""The clinic's configuration: one typed object, for the Rasa server, the
action server, the staff's commands and the tests alike.

Where a value comes from, in order of precedence:
1. the environment itself;
2. the local settings file: `.env` beside the Makefile, untracked (git ignores
   it), where production values and secrets go; `.env.example` documents it.
   CLINIC_SETTINGS_FILE names another file; set to empty, none is read (the
   tests do this, so a production `.env` never sends them to the clinic);
3. the tracked defaults, defaults.env beside this module: the one place a
   default is written, and where each setting is documented.

`get_settings()` reads them on every call rather than once, so that a changed
environment (and the tests) take effect without a restart of anything but
the process. `fill_environment()` also writes them into the process's
environment, for what reads it there: Rasa's `${VAR}` placeholders in
endpoints.yml and credentials.yml, and the launch scripts (bot/launch/).
"""

import dataclasses
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


@functools.lru_cache(maxsize=None)
def _defaults(path: Path) -> Dict[str, str]:
    return read_env_file(path)  # tracked: it does not change while a process runs


def defaults() -> Dict[str, str]:
    """The tracked defaults, as written in defaults.env."""
    return dict(_defaults(DEFAULTS_FILE))


def local_settings_file(environ: Optional[Mapping[str, str]] = None) -> Optional[Path]:
    """The local settings file in use, if any."""
    chosen = (os.environ if environ is None else environ).get("CLINIC_SETTINGS_FILE")
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


# Settings whose default follows another setting, unless set: changing
# ACTION_PORT alone can't leave Rasa calling the old port (or another
# instance's action server), nor WEB_PORT or RASA_PORT alone break the widget.
DERIVED: Dict[str, Callable[[Mapping[str, str]], str]] = {
    "ACTION_SERVER_URL": lambda v: f"http://127.0.0.1:{v['ACTION_PORT']}/webhook",
    "WEB_ORIGINS": lambda v: f"http://localhost:{v['WEB_PORT']} http://127.0.0.1:{v['WEB_PORT']}",
    "RASA_PUBLIC_URL": lambda v: f"http://localhost:{v['RASA_PORT']}",
}


def _values(environ: Mapping[str, str]) -> Dict[str, str]:
    """Every setting's raw value: the environment over the local file over
    the defaults."""
    local = local_settings_file(environ)
    values = {**defaults(), **(read_env_file(local) if local else {}), **environ}
    for name, derive in DERIVED.items():
        values.setdefault(name, derive(values))
    return values


def fill_environment() -> None:
    """Puts every setting into this process's environment, without
    overriding what is there: for Rasa's `${VAR}` placeholders, and for the
    commands the launch scripts start."""
    for key, value in _values(os.environ).items():
        os.environ.setdefault(key, value)


class SettingError(ValueError):
    """A setting that cannot be read as what it stands for."""


def _setting(name: str, parse: Callable[[str], Any] = str.strip) -> Any:
    return field(metadata={"variable": name, "parse": parse})


def _secret(name: str) -> Any:
    return _setting(name, str)  # as given: a key is never trimmed


def _split(separators: str) -> Callable[[str], Tuple[str, ...]]:
    def parse(value: str) -> Tuple[str, ...]:
        for separator in separators[1:]:
            value = value.replace(separator, separators[0])
        return tuple(part.strip() for part in value.split(separators[0]) if part.strip())

    return parse


def _timezone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value.strip() or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError("not a time zone name (IANA, e.g. America/New_York)") from error


@dataclass(frozen=True)
class Settings:
    """Every setting of defaults.env (each documented there), typed."""

    # The clinic
    clinic_name: str = _setting("CLINIC_NAME")
    clinic_phone: str = _setting("CLINIC_PHONE")
    clinic_email: str = _setting("CLINIC_EMAIL")
    booking_url: str = _setting("BOOKING_URL")
    locations: Tuple[str, ...] = _setting("CLINIC_LOCATIONS", _split(";"))
    clinic_hours: str = _setting("CLINIC_HOURS")
    clinic_address: str = _setting("CLINIC_ADDRESS")
    clinic_doctors: str = _setting("CLINIC_DOCTORS")
    # Call-back requests (leads) and the clinic's webhook
    leads_db_url: str = _setting("LEADS_DB_URL")
    leads_spool_dir: Path = _setting("LEADS_SPOOL_DIR", lambda value: Path(value.strip()))
    webhook_url: str = _setting("CLINIC_WEBHOOK_URL")
    webhook_timeout: float = _setting("CLINIC_WEBHOOK_TIMEOUT", float)
    webhook_secret: str = _secret("CLINIC_WEBHOOK_SECRET")
    # Environment
    clinic_env: str = _setting("CLINIC_ENV")
    rasa_host: str = _setting("RASA_HOST")
    # The Rasa server and the action server
    rasa_port: int = _setting("RASA_PORT", int)
    tracker_db_url: str = _setting("TRACKER_DB_URL")
    action_port: int = _setting("ACTION_PORT", int)
    action_host: str = _setting("ACTION_HOST")
    action_server_url: str = _setting("ACTION_SERVER_URL")
    action_server_token: str = _secret("ACTION_SERVER_TOKEN")
    shell_port: int = _setting("SHELL_PORT", int)
    shell_action_port: int = _setting("SHELL_ACTION_PORT", int)
    # The demo page and the widget
    web_host: str = _setting("WEB_HOST")
    web_port: int = _setting("WEB_PORT", int)
    web_origins: Tuple[str, ...] = _setting("WEB_ORIGINS", _split(" ,"))
    rasa_public_url: str = _setting("RASA_PUBLIC_URL")
    # Checked by the page server, which says what is wrong with them.
    widget_color: str = _setting("WIDGET_COLOR")
    widget_text_color: str = _setting("WIDGET_TEXT_COLOR")
    widget_keep_hours: str = _setting("WIDGET_KEEP_HOURS")
    # SMS (Twilio)
    twilio_account_sid: str = _setting("TWILIO_ACCOUNT_SID")
    twilio_auth_token: str = _secret("TWILIO_AUTH_TOKEN")
    twilio_number: str = _setting("TWILIO_NUMBER")
    twilio_webhook_url: str = _setting("TWILIO_WEBHOOK_URL")
    trusted_proxies: FrozenSet[str] = _setting("TRUSTED_PROXIES", lambda value: frozenset(value.split()))
    _sms_sender_hash_key: str = _secret("SMS_SENDER_HASH_KEY")
    sms_number_key: str = _secret("SMS_NUMBER_KEY")
    sms_turn_budget_seconds: float = _setting("SMS_TURN_BUDGET_SECONDS", float)
    # Scale-out
    lock_store_type: str = _setting("LOCK_STORE_TYPE")
    redis_host: str = _setting("REDIS_HOST")
    redis_port: int = _setting("REDIS_PORT", int)
    redis_db: str = _setting("REDIS_DB")
    # What `make run` starts; "true" or "false", checked by its preflight.
    run_action_server: str = _setting("RUN_ACTION_SERVER")
    run_demo_page: str = _setting("RUN_DEMO_PAGE")
    rasa_api_token: str = _secret("RASA_API_TOKEN")
    # Windows of count/period, read by the rate limiter (which names a bad one).
    rate_limit_sender: str = _setting("RATE_LIMIT_SENDER")
    rate_limit_address: str = _setting("RATE_LIMIT_ADDRESS")
    rate_limit_new_conversations: str = _setting("RATE_LIMIT_NEW_CONVERSATIONS")
    # Privacy
    retention_days: float = _setting("RETENTION_DAYS", float)
    backup_dir: Path = _setting("BACKUP_DIR", lambda value: Path(value.strip()))
    backup_keep_days: float = _setting("BACKUP_KEEP_DAYS", float)
    privacy_policy_url: str = _setting("PRIVACY_POLICY_URL")
    # Insights (insights/): the staff page's token (empty: closed), the
    # confidence below which an answer is listed for review, and the time
    # zone whose days the page counts in.
    insights_token: str = _setting("INSIGHTS_TOKEN")
    # Windows of count/period for wrong tokens from one address (insights/sign_in_limit.py).
    insights_sign_in_limit: str = _setting("INSIGHTS_SIGN_IN_LIMIT")
    insights_low_confidence: float = _setting("INSIGHTS_LOW_CONFIDENCE", float)
    insights_timezone: ZoneInfo = _setting("INSIGHTS_TIMEZONE", _timezone)

    @property
    def sms_sender_hash_key(self) -> str:
        """The key that turns a texter's number into their conversation id:
        SMS_SENDER_HASH_KEY, or Twilio's auth token while it is empty."""
        return self._sms_sender_hash_key or self.twilio_auth_token

    @property
    def production(self) -> bool:
        return self.clinic_env == "production"

    @classmethod
    def variables(cls) -> List[str]:
        """The environment variables these settings are read from."""
        return [item.metadata["variable"] for item in dataclasses.fields(cls)]

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> "Settings":
        parsed = {}
        for item in dataclasses.fields(cls):
            name = item.metadata["variable"]
            # An empty number means its default, as an unset one does.
            raw = values.get(name, "")
            if item.metadata["parse"] in (int, float) and not raw.strip():
                raw = defaults().get(name, "")
            try:
                parsed[item.name] = item.metadata["parse"](raw)
            except ValueError as error:
                raise SettingError(f"{name}={raw!r}: {error}") from error
        return cls(**parsed)


def get_settings(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """The settings for this process, or for the environment given (the
    tests' view of a server they start)."""
    return Settings.from_values(_values(os.environ if environ is None else environ))


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
    settings = get_settings()
    lock = settings.lock_store_type
    if lock == "redis":
        lock = f"redis at {settings.redis_host}:{settings.redis_port}"
    return [
        f"environment:   {settings.clinic_env}",
        f"settings:      {DEFAULTS_FILE.name}" + (f" + {local}" if local else " (no local settings file)"),
        f"conversations: {masked(settings.tracker_db_url)}",
        f"leads:         {masked(settings.leads_db_url)}",
        f"lock store:    {lock}",
        f"action server: {settings.action_server_url}",
        f"clinic webhook: {masked(settings.webhook_url)}",
    ]
