"""The clinic's own facts: opening hours and its doctors (the address and
parking are part of the locations answer, actions/faq.py). They are
configuration, not content (the guide names none), so a clinic fills them in
clinic_common/defaults.env or its environment; while one is empty, the visitor gets the
clinic's phone number instead of a guess."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.disclaimer import disclaim_if_first
from clinic_common.settings import Settings, get_settings


def clinic_fact(intent: str, settings: Settings) -> Optional[str]:
    facts = {
        "clinic_hours": ("Opening hours", settings.clinic_hours),
        "clinic_doctors": ("Our doctors", settings.clinic_doctors),
    }
    label, value = facts.get(intent, ("", ""))
    return f"{label}: {value}" if value else None


class ActionClinicFacts(Action):
    def name(self) -> Text:
        return "action_clinic_facts"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        disclaim_if_first(dispatcher)
        settings = get_settings()
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        fact = clinic_fact(intent, settings)
        if fact:
            dispatcher.utter_message(text=f"{fact}. Questions? Call {settings.clinic_phone}.")
        else:
            dispatcher.utter_message(
                text=f"The clinic's team can tell you that: call {settings.clinic_phone} "
                f"or email {settings.clinic_email}."
            )
        return []
