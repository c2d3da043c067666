"""Responses from domain.yml, with the clinic's details filled in, and the
medical disclaimer at the top of a conversation's first reply.

Rasa's own templated generator fills `{slot}` placeholders; this one also
fills `{clinic_phone}`, `{clinic_name}` and `{clinic_email}` from
configuration, so that replies which must work without the action server
(the safety replies above all) can still give the clinic's number.

The disclaimer used to come from a custom `action_session_start` on the
action server; with that server down, a new conversation's first message lost
its answer (even an urgent one). Here it needs nothing but the Rasa server,
and a safety reply always stands alone.
Configured in endpoints.yml (nlg: type: bot.nlg.ClinicResponses).
"""
import os
from typing import Any, Dict, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.env import load_defaults


DISCLAIMER = "utter_disclaimer"
# Replies that never get the disclaimer on top: safety replies stand alone,
# and "are you a bot?" is followed by the disclaimer anyway (data/rules).
NO_DISCLAIMER_ON_TOP = ("utter_safety_", DISCLAIMER, "utter_iamabot")


def first_reply_of_session(tracker: DialogueStateTracker) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            return False
        if isinstance(event, SessionStarted):
            return True
    return True


def clinic_values() -> Dict[str, str]:
    load_defaults()
    return {
        "clinic_phone": os.environ.get("CLINIC_PHONE", ""),
        "clinic_name": os.environ.get("CLINIC_NAME", ""),
        "clinic_email": os.environ.get("CLINIC_EMAIL", ""),
    }


class ClinicResponses(TemplatedNaturalLanguageGenerator):
    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)
        self.values = clinic_values()

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        values = {**self.values, **kwargs}
        response = await super().generate(utter_action, tracker, output_channel, **values)
        if (
            response
            and response.get("text")
            and not utter_action.startswith(NO_DISCLAIMER_ON_TOP)
            and first_reply_of_session(tracker)
        ):
            disclaimer = await super().generate(DISCLAIMER, tracker, output_channel, **values)
            if disclaimer and disclaimer.get("text"):
                # Two paragraphs: the widget shows them as two bubbles.
                response["text"] = f"{disclaimer['text']}\n\n{response['text']}"
        return response
