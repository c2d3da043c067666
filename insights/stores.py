"""The two stores as the insights read them: never created by reading.

`make report` runs from cron, maybe as another user and from another folder
than the servers: opening a SQLite file that is not there would create an
empty one (owned by that user) and report zeros as if nobody had talked to
the assistant. So a missing conversation store is an error that says where
it looked, a missing lead store means no call-back request yet, and a
database that does not answer is named by its setting, never by its URL
(which may hold a password).
"""

from typing import Optional

from clinic_common.database import sqlite_path

TRACKER = "TRACKER_DB_URL"
LEADS = "LEADS_DB_URL"
WHAT = {TRACKER: "conversation store", LEADS: "lead store"}


class StoreUnavailable(Exception):
    """A store the figures need cannot be read; says which, and why, in
    words for the staff."""

    def __init__(self, setting: str, reason: str) -> None:
        self.setting = setting
        super().__init__(f"The {WHAT[setting]} ({setting}) cannot be read: {reason}")


def missing_sqlite_file(url: str) -> Optional[str]:
    """The path of a SQLite database that does not exist yet, else None."""
    path = sqlite_path(url)
    return str(path) if path is not None and not path.exists() else None


def reason(error: BaseException) -> str:
    """An error's class and first line: a database error's later lines quote
    the SQL and its parameters."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:300]}" if lines else type(error).__name__
