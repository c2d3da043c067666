import asyncio
import sqlite3

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import ClinicSQLTrackerStore
from tests.servers import ROOT


def test_sqlite_store_keeps_conversations_in_wal_mode(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    url = f"sqlite:///{tmp_path}/tracker.db"
    store = ClinicSQLTrackerStore(domain=domain, host=url)
    tracker = DialogueStateTracker.from_events(
        "visitor", [UserUttered("how much does it cost?"), ActionExecuted("utter_ask_cost"),
                    BotUttered("$3,000 to $10,000")],
    )
    asyncio.run(store.save(tracker))

    # A new store (a restarted server) reads the same conversation back.
    again = asyncio.run(ClinicSQLTrackerStore(domain=domain, host=url).retrieve("visitor"))
    assert [e.as_dict()["event"] for e in again.events] == ["user", "action", "bot"]
    assert again.latest_message.text == "how much does it cost?"
    mode = sqlite3.connect(tmp_path / "tracker.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
