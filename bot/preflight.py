"""Checks, before the servers start, that their stores can be reached.

Rasa's SQL tracker store retries an unreachable database forever, so a wrong
TRACKER_DB_URL would leave `make run` hanging with no word of what is wrong;
a wrong LEADS_DB_URL would send every call-back request to the spool. This
fails fast instead, says what to fix, and exits non-zero. SQLite files made
before they were kept private are made so here (0600, folder 0700).

Usage: python -m bot.preflight
"""
import os
import socket
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from clinic_common.database import connect_args, prepare_sqlite, private_folder
from clinic_common.exposure import action_server_problem

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


def development_secrets_in_use() -> list:
    from clinic_common.settings import DEFAULTS_FILE, read_env_file

    defaults = read_env_file(DEFAULTS_FILE)
    return [name for name in DEVELOPMENT_SECRETS if os.environ.get(name, "") in ("", defaults.get(name))]


def main() -> int:
    from clinic_common.settings import describe

    print("\n".join(describe()))
    problems = []
    mode = os.environ.get("CLINIC_ENV", "development")
    if mode not in ("development", "production"):
        problems.append(f"CLINIC_ENV={mode}: use development or production.")
    for switch in ("RUN_ACTION_SERVER", "RUN_DEMO_PAGE"):
        if os.environ.get(switch) not in ("true", "false"):
            problems.append(f"{switch}={os.environ.get(switch, '')}: use true or false.")
    if mode == "production":
        public = development_secrets_in_use()
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
    starts_actions = os.environ.get("RUN_ACTION_SERVER") == "true"
    if starts_actions:
        exposed = action_server_problem(os.environ.get("ACTION_HOST", "127.0.0.1"))
        if exposed:
            problems.append(exposed)
    databases = [("conversation", "TRACKER_DB_URL")] + ([("lead", "LEADS_DB_URL")] if starts_actions else [])
    for what, variable in databases:
        url = os.environ[variable]
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
            check_spool(Path(os.environ["LEADS_SPOOL_DIR"]))
        except OSError as error:
            problems.append(
                f"Cannot use the lead spool folder: {error}\n"
                "  Fix LEADS_SPOOL_DIR: a folder the service user can write to."
            )
    if os.environ.get("LOCK_STORE_TYPE") == "redis":
        host, port = os.environ["REDIS_HOST"], int(os.environ["REDIS_PORT"])
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
