"""Rasa's SQL tracker store, with SQLite tuned for a chat server.

Used through endpoints.yml (`type: bot.tracker_store.ClinicSQLTrackerStore`);
on PostgreSQL it is exactly Rasa's SQLTrackerStore. On SQLite, Rasa 3.6
opens a new connection for every read and every write (SQLAlchemy's NullPool)
and each commit waits for the disk twice. Here one pooled connection is kept,
and the file runs in write-ahead-log mode with synchronous=NORMAL: a crash of
the server loses nothing, a power cut can lose the last moments of
conversation but never corrupts the file. See benchmarks/NOTES.md.
"""
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.pool import QueuePool


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class ClinicSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url,
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=4,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
