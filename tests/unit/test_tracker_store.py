"""The conversation store: fails closed, and SQLite tuned (bot/server/tracker_store.py)."""

import asyncio
import sqlite3

import pytest
from rasa.core.agent import Agent
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import OperationalError

from bot.server import tracker_store
from bot.server.tracker_store import ClinicSQLTrackerStore
from tests.servers import ROOT


def test_sqlite_store_keeps_conversations_in_wal_mode(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    url = f"sqlite:///{tmp_path}/tracker.db"
    store = ClinicSQLTrackerStore(domain=domain, host=url)
    tracker = DialogueStateTracker.from_events(
        "visitor",
        [UserUttered("how much does it cost?"), ActionExecuted("utter_ask_cost"), BotUttered("$3,000 to $10,000")],
    )
    asyncio.run(store.save(tracker))

    # A new store (a restarted server) reads the same conversation back.
    again = asyncio.run(ClinicSQLTrackerStore(domain=domain, host=url).retrieve("visitor"))
    assert [e.as_dict()["event"] for e in again.events] == ["user", "action", "bot"]
    assert again.latest_message.text == "how much does it cost?"
    mode = sqlite3.connect(tmp_path / "tracker.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_store_it_cannot_reach_fails_closed_then_recovers_with_its_tables(tmp_path, monkeypatch):
    """Rasa's own wrapper would keep the conversation in memory and answer as
    if all were well; here the error reaches the caller until the database
    answers, and the tables Rasa could not create at start are made then."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    folder = tmp_path / "not-mounted-yet"
    # The store makes a SQLite file's missing folder itself (private, before
    # Rasa opens it); left missing here, it stands for a database that does
    # not answer at start.
    monkeypatch.setattr(tracker_store, "prepare_sqlite", lambda url: None)
    store = ClinicSQLTrackerStore(domain=domain, host=f"sqlite:///{folder}/tracker.db")
    agent = Agent(domain=domain, tracker_store=store)
    assert agent.tracker_store is store  # no FailSafeTrackerStore in between

    with pytest.raises(OperationalError):
        asyncio.run(agent.tracker_store.retrieve("visitor"))
    with pytest.raises(OperationalError):
        store.check()  # readiness

    folder.mkdir()
    store.check()
    tracker = DialogueStateTracker.from_events("visitor", [UserUttered("does it hurt?")])
    asyncio.run(store.save(tracker))
    assert asyncio.run(store.retrieve("visitor")).latest_message.text == "does it hurt?"


def test_a_missing_database_driver_stops_the_server_instead_of_keeping_conversations_in_memory():
    # Rasa turns an ImportError from a store into an in-memory store.
    with pytest.raises(RuntimeError, match="Cannot open the conversation database"):
        ClinicSQLTrackerStore(domain=Domain.empty(), host="mysql://clinic@127.0.0.1/clinic")
