"""Trackers for action unit tests, rebuilt from recorded real conversations.

`tracker_before_action(name, action)` replays a recorded conversation up to
the moment Rasa called `action` (its nth call), so an action is tested on
exactly the state it saw in a real run.
"""

import copy
import json
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

FIXTURES = Path(__file__).parent / "fixtures" / "trackers"


def recorded(name: str) -> Dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def tracker_before_action(
    name: str,
    action: str,
    nth: int = 1,
    input_channel: Optional[str] = None,
) -> Tracker:
    state = recorded(name)
    events, slots, latest_message, active_loop = [], {}, {}, {}
    seen = 0
    for event in state["events"]:
        if event["event"] == "action" and event.get("name") == action:
            seen += 1
            if seen == nth:
                break
        events.append(event)
        if event["event"] == "slot":
            slots[event["name"]] = event["value"]
        elif event["event"] == "user":
            latest_message = copy.deepcopy(event["parse_data"])
            latest_message["text"] = event["text"]
            if input_channel:
                # The same conversation as it would arrive from another channel.
                event["input_channel"] = input_channel
        elif event["event"] == "active_loop":
            active_loop = {"name": event["name"]} if event.get("name") else {}
        elif event["event"] == "session_started":
            slots = {}
    else:
        raise ValueError(f"{name} has no call number {nth} of {action}")
    return Tracker(
        sender_id=state["sender_id"],
        slots={**{k: None for k in state["slots"]}, **slots},
        latest_message=latest_message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop=active_loop,
        latest_action_name=events[-1].get("name") if events else None,
    )


def action_replies(dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    """What an action that may open a conversation says, after its request
    for the disclaimer: always there, marked for a conversation's first reply
    only, which the Rasa server's NLG decides (actions/disclaimer.py; over
    REST in tests/integration/test_rest_conversations.py)."""
    request, *replies = dispatcher.messages
    assert request["response"] == "utter_disclaimer" and request["first_reply_only"] is True
    assert request["text"] is None
    return replies
