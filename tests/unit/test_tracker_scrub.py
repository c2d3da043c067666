"""Contact details leave the stored conversation once the lead holds them,
in a real Rasa SQL tracker store file, and the conversation still loads."""

import asyncio

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions import tracker_scrub

DOMAIN = Domain.from_yaml("slots:\n  lead_contact:\n    type: any\n    mappings: []\n")


def stored_conversation(tmp_path, sender):
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    tracker = DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen"),
            UserUttered("my cell is (415) 555-0199 thanks", parse_data={"text": "my cell is (415) 555-0199 thanks"}),
            SlotSet("lead_contact", "+14155550199"),
            BotUttered("And which city would you prefer for your visit?"),
            ActionExecuted("action_listen"),
            UserUttered("Denver"),
        ],
    )
    asyncio.run(store.save(tracker))
    return store, tracker


def test_the_typed_number_and_the_slot_value_are_removed(tmp_path):
    store, tracker = stored_conversation(tmp_path, "web-123")
    other, _ = stored_conversation(tmp_path, "web-456")  # someone else's: untouched
    events = [e.as_dict() for e in tracker.events]
    typed = tracker_scrub.typed_contact(events, "+14155550199")
    assert typed == "my cell is (415) 555-0199 thanks"

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    assert tracker_scrub.scrub(url, "web-123", ["+14155550199", typed]) == 2

    reloaded = asyncio.run(store.retrieve("web-123"))
    texts = [e.text for e in reloaded.events if isinstance(e, UserUttered)]
    assert texts == [tracker_scrub.REMOVED, "Denver"]
    assert reloaded.get_slot("lead_contact") == tracker_scrub.REMOVED
    untouched = asyncio.run(other.retrieve("web-456"))
    assert untouched.get_slot("lead_contact") == "+14155550199"


def test_no_conversation_store_yet_is_not_an_error(tmp_path):
    assert tracker_scrub.scrub(f"sqlite:///{tmp_path}/none.db", "web-1", ["+14155550199"]) == 0
