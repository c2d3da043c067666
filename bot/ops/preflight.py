"""Checks, before the servers start, that their stores can be reached.

Rasa's SQL tracker store retries an unreachable database forever, so a wrong
TRACKER_DB_URL would leave `make run` hanging with no word of what is wrong;
a wrong LEADS_DB_URL would send every call-back request to the spool. This
fails fast instead, says what to fix, and exits non-zero. SQLite files made
before they were kept private are made so here (0600, folder 0700).

Usage: python -m bot.ops.preflight
"""

import os
import socket
import sys
from pathlib import Path
from typing import List

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from clinic_common.database import connect_args, prepare_sqlite, private_folder
from clinic_common.exposure import action_server_problem
from clinic_common.settings import Settings, defaults, describe, get_settings

TIMEOUT_SECONDS = 5


def check_database(url: str) -> None:
    prepare_sqlite(url)
    engine = create_engine(url, connect_args=connect_args(url))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    prepare_sqlite(url)  # the -wal and -shm files of a database made before


def check_spool(folder: Path) -> None:
    private_folder(folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write to {folder}")


def check_redis(host: str, port: int) -> None:
    with socket.create_connection((host, port), timeout=TIMEOUT_SECONDS) as sock:
        sock.sendall(b"PING\r\n")
        if not sock.recv(64).startswith((b"+PONG", b"-NOAUTH")):
            raise ConnectionError("no PONG")


# Public in this repository (clinic_common/defaults.env): anyone could sign Twilio
# webhooks, reverse texters' conversation ids, read the numbers sealed in
# stored conversations or forge the clinic's alerts.
DEVELOPMENT_SECRETS = ("TWILIO_AUTH_TOKEN", "SMS_SENDER_HASH_KEY", "SMS_NUMBER_KEY", "CLINIC_WEBHOOK_SECRET")


def development_secrets_in_use(settings: Settings) -> List[str]:
    public = defaults()
    given = {
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "SMS_SENDER_HASH_KEY": settings.sms_sender_hash_key,
        "SMS_NUMBER_KEY": settings.sms_number_key,
        "CLINIC_WEBHOOK_SECRET": settings.webhook_secret,
    }
    return [name for name in DEVELOPMENT_SECRETS if given[name] in ("", public.get(name))]


def main() -> int:
    print("\n".join(describe()))
    settings = get_settings()
    problems = []
    mode = settings.clinic_env
    if mode not in ("development", "production"):
        problems.append(f"CLINIC_ENV={mode}: use development or production.")
    for switch, value in (("RUN_ACTION_SERVER", settings.run_action_server), ("RUN_DEMO_PAGE", settings.run_demo_page)):
        if value not in ("true", "false"):
            problems.append(f"{switch}={value}: use true or false.")
    if mode == "production":
        public = development_secrets_in_use(settings)
        if public:
            problems.append(
                f"Production with development secrets: {', '.join(public)} still "
                "have the public values from clinic_common/defaults.env (or are empty).\n"
                "  Set each to a random value in .env (e.g. `openssl rand -hex 32`); "
                "TWILIO_AUTH_TOKEN comes from the Twilio console."
            )
    # The action server's own checks, where this `make run` starts it; one
    # started alone (`make actions`) checks its host itself
    # (rasa_sdk_plugins/action_server.py). A Rasa server alone never opens the lead
    # database or the spool.
    starts_actions = settings.run_action_server == "true"
    if starts_actions:
        exposed = action_server_problem(settings.action_host, settings)
        if exposed:
            problems.append(exposed)
    databases = [("conversation", "TRACKER_DB_URL", settings.tracker_db_url)]
    if starts_actions:
        databases.append(("lead", "LEADS_DB_URL", settings.leads_db_url))
    for what, variable, url in databases:
        try:
            check_database(url)
        except Exception as error:  # any driver error means the same to the user
            safe = make_url(url).render_as_string(hide_password=True)
            problems.append(
                f"Cannot reach the {what} database {safe}: {error.__class__.__name__}: "
                f"{str(error).strip().splitlines()[0] if str(error).strip() else ''}\n"
                f"  Fix {variable} (environment, .env or clinic_common/defaults.env), or start the database."
            )
    if starts_actions:
        try:
            check_spool(settings.leads_spool_dir)
        except OSError as error:
            problems.append(
                f"Cannot use the lead spool folder: {error}\n"
                "  Fix LEADS_SPOOL_DIR: a folder the service user can write to."
            )
    if settings.lock_store_type == "redis":
        host, port = settings.redis_host, settings.redis_port
        try:
            check_redis(host, port)
        except OSError as error:
            problems.append(
                f"Cannot reach Redis at {host}:{port}: {error}\n"
                "  Fix REDIS_HOST/REDIS_PORT, start Redis, or set LOCK_STORE_TYPE=in_memory "
                "on a single server."
            )
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
