"""The medical disclaimer on top of a conversation's first reply, for replies
written by custom actions.

Whether a reply is the conversation's first is decided in one place: the
Rasa server's response generator (bot/server/nlg.py), which sees the whole
conversation and tops the first reply built from a domain.yml response. A
custom action's own text does not pass through it, so an action that may
open a conversation (what are your hours?, a booking request, "Did you
mean...?") asks for the disclaimer response before its reply, marked
`first_reply_only`: the generator fills it in when nothing was said yet, and
drops it otherwise.
"""

from rasa_sdk.executor import CollectingDispatcher

DISCLAIMER = "utter_disclaimer"


def disclaim_if_first(dispatcher: CollectingDispatcher) -> None:
    # first_reply_only reaches bot/server/nlg.py (FIRST_REPLY_ONLY) with the
    # message's other keys, as arguments of its generate().
    dispatcher.utter_message(response=DISCLAIMER, first_reply_only=True)
