"""What the assistant did not understand, one entry per visitor message,
masked, with the intent a person would most likely label it."""

import datetime as dt
from dataclasses import dataclass
from typing import Dict, List, Optional

from insights import outcomes
from insights.events import Turn
from insights.masking import mask

NOT_UNDERSTOOD = "not understood"  # "did you mean...?" left unanswered, or given up
SOMETHING_ELSE = "something else"  # "did you mean...?", then "Something else"
PICKED = "topic picked"  # "did you mean...?", then a topic: the visitor labelled it
LOW_CONFIDENCE = "low confidence"  # answered, but barely
OUT_OF_SCOPE = "out of scope"  # answered "I can't help with that"
KINDS = (NOT_UNDERSTOOD, SOMETHING_ELSE, PICKED, LOW_CONFIDENCE, OUT_OF_SCOPE)


@dataclass
class Miss:
    kind: str
    text: str  # masked
    timestamp: float
    channel: str
    # The intent to suggest: the topic the visitor picked (out_of_scope for
    # "Something else"), else the classifier's best guess.
    guess: Optional[str]
    confidence: float

    def when(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.timestamp, dt.timezone.utc)


def find_misses(turns: List[Turn], low_confidence: float) -> List[Miss]:
    misses: List[Miss] = []
    # The clarification each conversation waits on, to learn how it ended.
    waiting: Dict[str, Miss] = {}
    for turn in turns:
        asked = waiting.pop(turn.sender_id, None)
        if asked is not None:
            if outcomes.is_something_else(turn):
                # None of the topics offered: a person decides what it is.
                asked.kind, asked.guess = SOMETHING_ELSE, outcomes.OUT_OF_SCOPE_INTENT
                continue
            picked = outcomes.picked_topic(turn)
            if picked:
                asked.kind, asked.guess, asked.confidence = PICKED, picked, 1.0
                continue
        if not outcomes.is_question(turn):
            continue
        guess = outcomes.best_guess(turn)
        confidence = dict(turn.ranking).get(guess or "", turn.confidence)
        if outcomes.is_clarification(turn) or outcomes.is_given_up(turn):
            miss = Miss(NOT_UNDERSTOOD, mask(turn.text), turn.timestamp, turn.channel, guess, confidence)
            misses.append(miss)
            if outcomes.is_clarification(turn):
                waiting[turn.sender_id] = miss
        elif outcomes.OUT_OF_SCOPE in turn.actions:
            misses.append(
                Miss(
                    OUT_OF_SCOPE,
                    mask(turn.text),
                    turn.timestamp,
                    turn.channel,
                    outcomes.OUT_OF_SCOPE_INTENT,
                    turn.confidence,
                )
            )
        elif outcomes.topics_answered(turn) and turn.confidence < low_confidence:
            misses.append(
                Miss(LOW_CONFIDENCE, mask(turn.text), turn.timestamp, turn.channel, turn.intent, turn.confidence)
            )
    return misses
