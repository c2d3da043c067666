"""What each visitor message got, read from the actions that answered it."""

from typing import Optional

from insights.events import Turn

ANSWER_PREFIX = "utter_ask_"
LOCATIONS = "action_answer_locations"
CLINIC_FACTS = "action_clinic_facts"
CLARIFY = "action_two_stage_fallback"  # "did you mean...?", and "Something else"
GIVE_UP = "action_default_fallback"
OUT_OF_SCOPE = "utter_out_of_scope"
FORM = "lead_form"
HANDOFF = "action_human_handoff"
FALLBACK_INTENT = "nlu_fallback"
SOMETHING_ELSE = "/out_of_scope"  # actions/clarify.py's button
OUT_OF_SCOPE_INTENT = "out_of_scope"
SAFETY_REPLIES = {
    "utter_safety_emergency": "emergency",
    "utter_safety_self_harm": "self_harm",
    "utter_safety_poisoning": "poisoning",
}


def topics_answered(turn: Turn) -> list:
    """The FAQ topics answered to this message (two for "how much is it and
    does it hurt?"), as actions/topic_titles.yml names them (ask_cost...)."""
    found = []
    for action in turn.actions:
        if action.startswith(ANSWER_PREFIX):
            found.append("ask_" + action[len(ANSWER_PREFIX) :])
        elif action == LOCATIONS:
            found.append("ask_locations")
        elif action == CLINIC_FACTS and turn.intent in ("clinic_hours", "clinic_doctors"):
            found.append(turn.intent)
    return found


def is_form_answer(turn: Turn) -> bool:
    """A name, contact or city typed into the call-back form: the form took
    it, whatever the classifier thought of it."""
    return turn.first_action == FORM


def is_question(turn: Turn) -> bool:
    """Something the visitor typed for the assistant to understand: not a
    button, and not an answer to the call-back form."""
    return not turn.pressed and not is_form_answer(turn)


def is_clarification(turn: Turn) -> bool:
    """Not understood well enough: asked "did you mean...?"."""
    return turn.intent == FALLBACK_INTENT and turn.first_action == CLARIFY


def is_given_up(turn: Turn) -> bool:
    return turn.first_action == GIVE_UP


def is_something_else(turn: Turn) -> bool:
    return turn.text == SOMETHING_ELSE and turn.first_action == CLARIFY


def picked_topic(turn: Turn) -> Optional[str]:
    """The topic a visitor picked from "did you mean...?", if this is that pick."""
    if turn.pressed and turn.first_action == CLARIFY and not is_something_else(turn):
        return turn.intent or None
    return None


def safety_reply(turn: Turn) -> Optional[str]:
    for action in turn.actions:
        if action in SAFETY_REPLIES:
            return SAFETY_REPLIES[action]
    return None


# Never suggested as a label: the fallback is no intent, and the safety
# intents are decided by the safety check (bot/safety/), never from data/nlu
# examples picked out of misses.
NOT_SUGGESTED = {FALLBACK_INTENT, "emergency", "self_harm", "poisoning", "message_too_long"}


def best_guess(turn: Turn) -> Optional[str]:
    """The classifier's best intent that could label the message."""
    for name, _confidence in turn.ranking or [(turn.intent, turn.confidence)]:
        if name and name not in NOT_SUGGESTED:
            return name
    return None
