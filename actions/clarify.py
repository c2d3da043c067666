"""Clarifying questions instead of dead ends: Rasa's two-stage fallback
(action_two_stage_fallback, started by the rule for nlu_fallback), with its
three steps made specific to the clinic.

- action_default_ask_affirmation: "Did you mean...?" with the classifier's
  two best topics (and the conversation's last topic, for a follow-up such as
  "is that covered?") and "Something else". Picking a topic answers it: the
  button sends that intent, and Rasa replays the visitor's message with it.
- action_default_ask_rephrase ("Something else"): the clinic's phone and
  email and a short menu of topics.
- action_default_fallback (a second miss, or a turn no rule covers): what the
  assistant can help with, the clinic's phone and email, and the menu.

The FallbackClassifier in config.yml decides when to ask: a top intent below
its threshold, or two intents closer than its ambiguity threshold. Buttons
are numbered options on SMS (bot/server/channels/sms_format.py).
"""

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Text

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import latest_topic
from actions.disclaimer import disclaim_if_first
from clinic_common.settings import get_settings

TITLES_FILE = Path(__file__).with_name("topic_titles.yml")
SOMETHING_ELSE = {"title": "Something else", "payload": "/out_of_scope"}
# The topics visitors ask about most (the clinic's first five), for the menu.
MENU = ("ask_cost", "ask_pain", "ask_downtime", "ask_results_timeline", "ask_risks")
MAX_GUESSES = 2

DID_YOU_MEAN = "Just to be sure I answer the right question: did you mean one of these?"
ASK_AGAIN = (
    "No problem. You can reach the clinic's team at {phone} or {email}. Or pick a topic below, or ask in other words."
)
GIVE_UP = (
    "Sorry, I didn't quite get that. I can answer questions about stem cell "
    "therapy for hair loss (how it works, cost, pain, recovery, results, risks, "
    "FDA status) and help you book a free assessment. To ask the team directly, "
    "call {phone} or email {email}."
)


@lru_cache(maxsize=1)
def topic_titles() -> Dict[str, str]:
    return yaml.safe_load(TITLES_FILE.read_text(encoding="utf-8"))


def _button(intent: str) -> Dict[str, str]:
    return {"title": topic_titles()[intent], "payload": f"/{intent}"}


def guesses(tracker: Tracker) -> List[str]:
    """The best topics for the latest message, best first: the classifier's
    two best that are topics at all, then the conversation's last topic."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    ranked = [entry.get("name") for entry in ranking if entry.get("name") in topic_titles()]
    picked = ranked[:MAX_GUESSES]
    last = latest_topic(tracker)
    if last and f"ask_{last}" in topic_titles() and f"ask_{last}" not in picked:
        picked.append(f"ask_{last}")
    return picked


def _with_contacts(text: str) -> str:
    settings = get_settings()
    return text.format(phone=settings.clinic_phone, email=settings.clinic_email)


def offer_the_menu(dispatcher: CollectingDispatcher, text: str) -> None:
    dispatcher.utter_message(text=_with_contacts(text), buttons=[_button(t) for t in MENU])


class ActionAskAffirmation(Action):
    def name(self) -> Text:
        return "action_default_ask_affirmation"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        disclaim_if_first(dispatcher)
        topics = guesses(tracker)
        if topics:
            dispatcher.utter_message(text=DID_YOU_MEAN, buttons=[_button(t) for t in topics] + [SOMETHING_ELSE])
        else:
            offer_the_menu(dispatcher, ASK_AGAIN)
        return []


class ActionAskRephrase(Action):
    """ "Something else": the clinic's contacts and the menu."""

    def name(self) -> Text:
        return "action_default_ask_rephrase"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        disclaim_if_first(dispatcher)
        offer_the_menu(dispatcher, ASK_AGAIN)
        return []


class ActionGiveUp(Action):
    """Rasa's default fallback, as the clinic wants it: never a dead end. As
    Rasa's own does, it takes back the message that was not understood, so
    that it does not steer what comes next."""

    def name(self) -> Text:
        return "action_default_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        disclaim_if_first(dispatcher)
        offer_the_menu(dispatcher, GIVE_UP)
        return [UserUtteranceReverted()]
