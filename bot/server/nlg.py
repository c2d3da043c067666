"""Responses from domain.yml, with the clinic's details filled in, and the
medical disclaimer at the top of a conversation's first reply (once per
conversation, however many sessions it spans).

Rasa's own templated generator fills `{slot}` placeholders; this one also
fills `{clinic_phone}`, `{clinic_name}` and `{clinic_email}` from
configuration, so that replies which must work without the action server
(the safety replies above all) can still give the clinic's number.

Custom actions' own texts do not pass through here: one that may open a
conversation asks for the disclaimer marked FIRST_REPLY_ONLY, and this
decides, so the rule stays in one place (actions/disclaimer.py).

The disclaimer used to come from a custom `action_session_start` on the
action server; with that server down, a new conversation's first message lost
its answer (even an urgent one). Here it needs nothing but the Rasa server,
and a safety reply always stands alone.
Configured in endpoints.yml (nlg: type: bot.server.nlg.ClinicResponses).
"""

from typing import Any, Dict, Optional, Text, cast

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from clinic_common.settings import get_settings

DISCLAIMER = "utter_disclaimer"
SEVERAL_TOPICS = "utter_several_topics"
WARNING_SIGNS = "utter_safety_warning_signs"
# The answers that end with the warning signs (as in data/rules/faq.yml).
WARNING_SIGNS_AFTER = ("ask_pain", "ask_downtime", "ask_risks")
# Replies that never get the disclaimer on top: safety replies stand alone,
# and "are you a bot?" is followed by the disclaimer anyway (data/rules).
NO_DISCLAIMER_ON_TOP = ("utter_safety_", DISCLAIMER, "utter_iamabot")
# Marks a custom action's request for the disclaimer (actions/disclaimer.py):
# filled in on a conversation's first reply only, dropped on any other.
FIRST_REPLY_ONLY = "first_reply_only"
# `rasa shell`'s channel: clinic staff, who want to see what was understood.
STAFF_CHANNEL = "cmdline"


def first_reply_of_conversation(tracker: DialogueStateTracker) -> bool:
    """No bot message yet in this conversation, in any session of it.

    Not "of this session": a session ends after an idle hour
    (domain.yml), but the widget and the texter's phone keep showing the
    whole conversation, so a second disclaimer would appear in the same
    thread. The tracker store loads only the latest session, but the turn
    that starts a new one still holds the previous session's events.
    """
    return not any(isinstance(event, BotUttered) for event in tracker.events)


def first_reply_of_turn(tracker: DialogueStateTracker) -> bool:
    """No bot message since the latest user message."""
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            return False
        if isinstance(event, UserUttered):
            return True
    return True


def parse_data(message: Optional[UserUttered]) -> Dict[str, Any]:
    """What the NLU made of a message, with the keys our components add
    ("topics", "safety") that Rasa's NLUPredictionData does not list."""
    return cast(Dict[str, Any], message.parse_data) if message else {}


def understood(tracker: DialogueStateTracker) -> Optional[str]:
    """What the NLU made of the last message, for staff: the intent and its
    confidence, the topics of a two-topic message, and the safety outcome."""
    message = tracker.latest_message
    if message is None or not message.intent:
        return None
    parts = [f"{message.intent.get('name')} {float(message.intent.get('confidence') or 0):.2f}"]
    topics = parse_data(message).get("topics")
    if topics:
        parts.append("topics: " + ", ".join(topics))
    safety = parse_data(message).get("safety") or {}
    if safety.get("outcome") not in (None, "none"):
        parts.append(f"safety: {safety['outcome']} ({safety.get('signal')})")
    return "[understood: " + "; ".join(parts) + "]"


def clinic_values() -> Dict[str, str]:
    settings = get_settings()
    return {
        "clinic_phone": settings.clinic_phone,
        "clinic_name": settings.clinic_name,
        "clinic_email": settings.clinic_email,
    }


class ClinicResponses(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)
        self.values = clinic_values()

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        if kwargs.get(FIRST_REPLY_ONLY) and not first_reply_of_conversation(tracker):
            return None  # Rasa sends nothing for it
        values = {**self.values, **kwargs}
        if utter_action == SEVERAL_TOPICS:
            values["topic_answers"] = await self._topic_answers(tracker, output_channel, values)
        response = await super().generate(utter_action, tracker, output_channel, **values)
        if (
            response
            and response.get("text")
            and not utter_action.startswith(NO_DISCLAIMER_ON_TOP)
            and first_reply_of_conversation(tracker)
        ):
            disclaimer = await super().generate(DISCLAIMER, tracker, output_channel, **values)
            if disclaimer and disclaimer.get("text"):
                # Two paragraphs: the widget shows them as two bubbles.
                response["text"] = f"{disclaimer['text']}\n\n{response['text']}"
        staff = tracker.get_latest_input_channel() == STAFF_CHANNEL
        if response and response.get("text") and staff and first_reply_of_turn(tracker):
            note = understood(tracker)
            if note:
                response["text"] = f"{note}\n{response['text']}"
        return response

    async def _topic_answers(self, tracker: DialogueStateTracker, output_channel: Text, values: Dict[str, Any]) -> str:
        """Each topic's answer in the order asked, one paragraph each, then the
        warning signs once if any of them calls for it."""
        topics = parse_data(tracker.latest_message).get("topics") or []
        names = [f"utter_{topic}" for topic in topics]
        if any(topic in WARNING_SIGNS_AFTER for topic in topics):
            names.append(WARNING_SIGNS)
        paragraphs = []
        for name in names:
            answer = await super().generate(name, tracker, output_channel, **values)
            if answer and answer.get("text"):
                paragraphs.append(answer["text"])
        return "\n\n".join(paragraphs)
