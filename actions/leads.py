"""The call-back form (lead_form): validation and submission."""

import logging
import re
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import lead_store, tracker_scrub
from actions.conversation import SMS, WEB, channel_kind, channel_name, latest_topic
from clinic_common import sms_number
from clinic_common.booking_links import shown_link
from clinic_common.contacts import e164
from clinic_common.settings import get_settings

logger = logging.getLogger(__name__)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
NAME_LEAD_INS = re.compile(
    r"^(hi|hello|hey)?[ ,]*(my name is|my name's|name is|i am|i'm|im|this is|it's|its|call me)\s+",
    re.IGNORECASE,
)
LEAD_SLOTS = ("lead_name", "lead_contact", "lead_city")
# Intents that mean "this is not my phone number or email".
NOT_AN_ANSWER_PREFIX = "ask_"
QUESTION_PREFIXES = ("ask_", "clinic_", "several_topics")
# A message shaped like a name is the name unless the classifier is at least
# this sure it is a question ("exosomes"); a full name written as one ("Sam
# Park", "Jordan Price") is the name whatever the classifier thinks.
NAME_OVER_QUESTION_BELOW = 0.6
NOT_AN_ANSWER = {
    "emergency",
    "self_harm",
    "poisoning",
    "message_too_long",
    "deny",
    "human_handoff",
    "bot_challenge",
}
# Words of a sentence or a symptom, never of a name or a city: the form must
# not store "I want to kill myself" or "my chest hurts" as either.
NOT_A_NAME_OR_CITY = re.compile(
    r"\b(i|me|my|want|wanna|need|have|has|had|feel|feeling|is|are|am|was|were|"
    r"can'?t|cant|don'?t|dont|won'?t|will|would|help|pain|hurts?|hurting|bleed\w*|"
    r"blood|fever|breath\w*|swell\w*|swollen|pus|kill|die|dying|dead|suicid\w*|"
    r"pills?|chest|emergency|sick|faint\w*|what|why|how|when|where|please|"
    # A yes or a no is an answer to some other question, never a name.
    r"yes|yeah|yep|yup|sure|ok|okay|no|nope|nah)\b",
    re.IGNORECASE,
)


def clean_name(text: str) -> Optional[str]:
    name = NAME_LEAD_INS.sub("", text.strip()).strip(" .!")
    if not 1 <= len(name) <= 60 or not re.search(r"[^\W\d_]", name):
        return None
    if re.search(r"[\d@<>{}\[\]/\\]", name) or len(name.split()) > 5:
        return None
    if NOT_A_NAME_OR_CITY.search(name):
        return None
    return name.title() if name.islower() else name


def clean_contact(text: str) -> Optional[str]:
    """A phone number (10 to 15 digits, as E.164) or an email address, normalised."""
    value = text.strip().strip(".")
    for word in value.split():
        if EMAIL.match(word.strip(".,;")):
            return word.strip(".,;").lower()
    digits = re.sub(r"\D", "", value)
    if 10 <= len(digits) <= 15 and not re.search(r"[a-z]{3,}", value, re.IGNORECASE):
        return e164(value)
    return None


def clean_city(text: str) -> Optional[str]:
    city = re.sub(r"^(in|near|around)\s+", "", text.strip(), flags=re.IGNORECASE)
    city = city.strip(" .!")
    if not 2 <= len(city) <= 60 or not re.search(r"[^\W\d_]{2,}", city):
        return None
    if NOT_A_NAME_OR_CITY.search(city) or len(city.split()) > 5:
        return None
    return city.title() if city.islower() else city


class AskLeadSlot(Action, ABC):
    """Asks the lead form's next question.

    Custom ask actions rather than utter_ask_* responses: Rasa 3.6's
    `rasa data validate --fail-on-warnings` flags responses that only a form
    uses as unused.
    """

    slot = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    @abstractmethod
    def question(self, tracker: Tracker) -> str:
        """The question, worded for this visitor."""

    def options(self, tracker: Tracker) -> List[Dict[str, str]]:
        """Answers offered as buttons, beside a typed one."""
        return []

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=self.question(tracker), buttons=self.options(tracker))
        return []


PRIVACY_NOTICE = "We'll use your name and contact only to arrange your call back."


def privacy_notice(tracker: Tracker) -> str:
    """The notice before the form collects anything, with the clinic's
    privacy policy: a link on the widget, the address written out elsewhere.
    Short, since texts are billed per segment, and it never names a carrier
    keyword (STOP, CANCEL, END, QUIT...), which would opt the texter out."""
    url = get_settings().privacy_policy_url
    if not url:
        return PRIVACY_NOTICE
    if channel_kind(tracker) == WEB:
        return f"{PRIVACY_NOTICE} [Privacy policy]({url})\n\n"  # its own paragraph
    return f"{PRIVACY_NOTICE} Privacy policy: {url}\n"


class AskLeadName(AskLeadSlot):
    slot = "lead_name"

    def question(self, tracker: Tracker) -> str:
        return f"{privacy_notice(tracker)}What's your name? (Say no if you'd rather not.)"


class AskLeadContact(AskLeadSlot):
    slot = "lead_contact"

    def question(self, tracker: Tracker) -> str:
        return f"Thanks, {tracker.get_slot('lead_name')}. What phone number or email should the clinic use?"

    def options(self, tracker: Tracker) -> List[Dict[str, str]]:
        # A texter's own number is one reply away; the SMS channel sends it
        # along, sealed, with the pick (clinic_common/sms_number.py).
        if channel_kind(tracker) == SMS and get_settings().sms_number_key:
            return [sms_number.BUTTON]
        return []


class AskLeadCity(AskLeadSlot):
    slot = "lead_city"

    def question(self, tracker: Tracker) -> str:
        return "And which city would you prefer for your visit?"


class ValidateLeadForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_lead_form"

    async def extract_lead_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "lead_name":
            return {}
        text = tracker.latest_message.get("text") or ""
        intent = tracker.latest_message.get("intent") or {}
        name, confidence = intent.get("name", ""), float(intent.get("confidence") or 0.0)
        if name in NOT_AN_ANSWER:
            return {}  # safety, "no", a person, "are you a bot?"
        question = name.startswith(QUESTION_PREFIXES)
        looks_like_name = "?" not in text and clean_name(text) is not None
        words = text.split()
        full_name = looks_like_name and 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words)
        if question and not full_name and not (looks_like_name and confidence < NAME_OVER_QUESTION_BELOW):
            # A question: the form steps aside and the rules answer it.
            return {}
        return {"lead_name": text}

    async def extract_lead_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "lead_contact":
            return {}
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        if intent == sms_number.INTENT:
            # The number comes sealed with the pick (SMS only), or not at all.
            metadata = tracker.latest_message.get("metadata") or {}
            return {"lead_contact": metadata.get(sms_number.METADATA_KEY) or ""}
        looks_like_contact = "@" in text or len(re.findall(r"\d", text)) >= 3
        not_an_answer = intent.startswith(QUESTION_PREFIXES) or intent in NOT_AN_ANSWER
        if not looks_like_contact and not_an_answer:
            # A question or a change of mind: the form steps aside and the
            # rules answer it (data/rules/booking.yml).
            return {}
        return {"lead_contact": text}

    def validate_lead_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        name = clean_name(str(value or ""))
        if not name:
            dispatcher.utter_message(text="Sorry, what name should the clinic ask for?")
        return {"lead_name": name}

    def validate_lead_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if (tracker.latest_message.get("intent") or {}).get("name") == sms_number.INTENT:
            if sms_number.opened(value, tracker.sender_id, get_settings().sms_number_key):
                return {"lead_contact": value}  # sealed until the lead is stored
            dispatcher.utter_message(
                text="To use the number you're texting from, reply 1."
                if channel_kind(tracker) == SMS
                else "I can't see your phone number from here, so please type it, or an email address."
            )
            return {"lead_contact": None}
        contact = clean_contact(str(value or ""))
        if not contact:
            dispatcher.utter_message(
                text="That doesn't look like a phone number or an email address. "
                "Could you send it again, with the area code, or an email address?"
            )
        return {"lead_contact": contact}

    def validate_lead_city(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        city = clean_city(str(value or ""))
        if not city:
            dispatcher.utter_message(text="Which city would suit you best?")
        return {"lead_city": city}


class ActionSubmitLead(Action):
    """Stores the call-back request, then hands it to the clinic in the background."""

    def name(self) -> Text:
        return "action_submit_lead"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        name = tracker.get_slot("lead_name")
        slot_contact = tracker.get_slot("lead_contact")
        if sms_number.is_sealed(slot_contact):
            contact = sms_number.opened(slot_contact, tracker.sender_id, get_settings().sms_number_key)
            typed = None  # the pick's message holds no contact
        else:
            contact, typed = slot_contact, tracker_scrub.typed_contact(tracker.events, slot_contact)
        if not contact:
            # A sealed number that no longer opens: SMS_NUMBER_KEY changed
            # between the texter's pick and now.
            logger.warning("Call-back request in %s not stored: its sealed number does not open", tracker.sender_id)
            dispatcher.utter_message(
                text=f"Sorry, I couldn't save your request. Please call the clinic at {get_settings().clinic_phone}."
            )
            return [SlotSet(slot, None) for slot in LEAD_SLOTS]
        channel = channel_name(tracker)
        topic = latest_topic(tracker)
        try:
            # The lead database, or the spool when it cannot take it.
            lead_store.keep_lead(
                sender_id=tracker.sender_id,
                name=name,
                contact=contact,
                city=tracker.get_slot("lead_city"),
                channel=channel,
                topic=topic,
            )
        except OSError as error:
            # Neither could keep it: the details stay in the conversation (its
            # slots, unscrubbed), and the visitor is told the truth.
            logger.error(
                "Could not keep a call-back request for conversation %s anywhere (%s)",
                tracker.sender_id,
                type(error).__name__,
            )
            phone = get_settings().clinic_phone
            dispatcher.utter_message(
                text="Sorry, I couldn't save your request just now. Please try again in a moment, "
                f"or call the clinic at {phone} to arrange your call back."
            )
            return []
        # The lead holds the contact now; the conversation need not (nor the
        # sealed number, once it is open).
        try:
            tracker_scrub.scrub(get_settings().tracker_db_url, tracker.sender_id, [slot_contact, typed])
        except Exception as error:  # the visitor's request is stored: never fail it here
            logger.error(
                "Could not remove contact details from conversation %s (%s)", tracker.sender_id, lead_store.why(error)
            )
        # The visitor never waits for the clinic's webhook: a slow or broken
        # one must not delay this reply, and the stored lead is retried later.
        lead_store.deliver_in_background()
        url = shown_link(tracker.sender_id, channel, topic)
        dispatcher.utter_message(
            text=f"Thanks, {name}! The clinic will get in touch soon to arrange "
            f"your free assessment. If you'd rather pick a time yourself: {url}"
        )
        # Contact details need not stay in the conversation's state.
        return [SlotSet(slot, None) for slot in LEAD_SLOTS]
