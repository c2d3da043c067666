"""The medical disclaimer on top of a conversation's first reply, for replies
written by custom actions.

bot/server/nlg.py puts it on the first reply built from a domain.yml response. A
custom action's own text goes to the visitor without passing through that
generator, so a conversation opened by "what are your hours?" or a "Did you
mean...?" would start without it. Sent as the domain response, so the
wording stays in one place and is filled in by the same generator.
"""
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

DISCLAIMER = "utter_disclaimer"


def first_reply_of_conversation(tracker: Tracker) -> bool:
    """No bot message yet in this conversation (the rule bot/server/nlg.py follows)."""
    return not any(event.get("event") == "bot" for event in tracker.events)


def disclaim_if_first(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    if first_reply_of_conversation(tracker):
        dispatcher.utter_message(response=DISCLAIMER)
