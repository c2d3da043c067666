"""Rasa's SQL tracker store, failing closed, with SQLite tuned for a chat server.

Used through endpoints.yml (`type: bot.server.tracker_store.ClinicSQLTrackerStore`).

Fails closed. Rasa 3.6 wraps every tracker store in FailSafeTrackerStore
(rasa/core/agent.py), which on any database error, at start or at any time
later, keeps the conversation in the server's memory and answers as if all
were well. With several Rasa servers behind a load balancer that splits
conversations without a word. Here a database error reaches the channel,
which apologises to the visitor with the clinic's phone, and readiness
(bot/server/channels/health.py) fails until the database answers again. If the
database was down when the server started, its tables are created on first
use instead of never.

On PostgreSQL, connections are checked before use (a restarted database
costs no visitor a turn) and a connection attempt gives up after a few
seconds, so a turn is answered with an apology rather than left hanging.

On SQLite, Rasa 3.6 opens a new connection for every read and every write
(SQLAlchemy's NullPool) and each commit waits for the disk twice. Here one
pooled connection is kept, and the file runs in write-ahead-log mode with
synchronous=NORMAL: a crash of the server loses nothing, a power cut can lose
the last moments of conversation but never corrupts the file. See
benchmarks/NOTES.md. The SQLite file is made private (0600, folder 0700)
before Rasa opens it.
"""

import contextlib
from typing import Any, Generator, Optional

import sqlalchemy as sa
from rasa.core.agent import Agent
from rasa.core.tracker_store import (
    InMemoryTrackerStore,
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
)
from rasa.shared.core.domain import Domain
from sqlalchemy.pool import QueuePool

from clinic_common.database import CONNECT_TIMEOUT_SECONDS, prepare_sqlite


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _configured_store_itself(store: Optional[TrackerStore], domain: Domain) -> TrackerStore:
    """Agent._create_tracker_store without the FailSafeTrackerStore wrapper:
    the configured store, whose errors reach the channel."""
    if store is None:
        return InMemoryTrackerStore(domain)  # no store configured (rasa test, scripts)
    store.domain = domain
    return store


# Rasa has no setting for this. The patch is made here, where the configured
# store's class is loaded (before Rasa builds its Agent), so that every Rasa
# server using this store fails closed, however it was started.
Agent._create_tracker_store = staticmethod(_configured_store_itself)  # type: ignore[method-assign]


class ClinicSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # endpoints.yml's `url` reaches Rasa's store as `host`.
        host = kwargs.get("host")
        if isinstance(host, str) and host.startswith("sqlite"):
            prepare_sqlite(host)
        try:
            super().__init__(*args, **kwargs)
        except ImportError as error:
            # Rasa turns an ImportError here into a silent in-memory store.
            raise RuntimeError(f"Cannot open the conversation database: {error}") from error
        url = self.engine.url
        if url.get_backend_name() == "sqlite":
            self.engine.dispose()
            self.engine = sa.create_engine(
                url,
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=4,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        elif url.get_backend_name() == "postgresql":
            options = create_engine_kwargs(url)
            options["connect_args"] = {
                **options.get("connect_args", {}),
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            }
            self.engine.dispose()
            self.engine = sa.create_engine(url, pool_pre_ping=True, **options)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        # Rasa tried to create the tables above, but carries on (logging
        # "Could not create tables") when the database is down.
        self._tables_ready = False

    @contextlib.contextmanager
    def session_scope(self) -> Generator[sa.orm.Session, None, None]:
        if not self._tables_ready:
            try:
                self.Base.metadata.create_all(self.engine)
            except (sa.exc.ProgrammingError, sa.exc.IntegrityError):
                pass  # another server created them at the same moment
            self._tables_ready = True
        with super().session_scope() as session:
            yield session

    def check(self) -> None:
        """Raises unless a conversation can be read now (readiness)."""
        with self.session_scope() as session:
            session.query(self.SQLEvent.id).limit(1).all()
