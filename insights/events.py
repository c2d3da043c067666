"""Visitors' turns in a period, read from Rasa's `events` table (the
SQLTrackerStore schema) with plain SQL: the visitor's message and the
actions that answered it. Only message rows carry their JSON (channel,
confidence, text); action rows are read by name alone, so a week of
conversations is two indexed-column scans, not every tracker rebuilt.
"""

import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from sqlalchemy import and_, case, column, or_, select, table
from sqlalchemy.engine import Engine

from insights.period import STAFF_CHANNEL, Period

EVENTS = table(
    "events",
    column("id"),
    column("sender_id"),
    column("type_name"),
    column("timestamp"),
    column("intent_name"),
    column("action_name"),
    column("data"),
)
# Rasa's own bookkeeping, which answers nothing.
QUIET_ACTIONS = ("action_listen", "action_session_start")
# A two-stage fallback that the visitor settled (they picked a topic, or
# asked again in words it understood) is rewound, and Rasa stores the
# message again with the intent settled.
REWIND = "rewind"
CLARIFY = "action_two_stage_fallback"


@dataclass
class Turn:
    sender_id: str
    timestamp: float
    channel: str
    text: str
    intent: str
    confidence: float
    # The classifier's intents, best first (for a fallback: its best guesses).
    ranking: List[Tuple[str, float]]
    actions: List[str] = field(default_factory=list)
    # Taken back by Rasa: the next message may be its replay.
    rewound: bool = False

    @property
    def first_action(self) -> Optional[str]:
        return self.actions[0] if self.actions else None

    @property
    def pressed(self) -> bool:
        """A button (or a numbered option on SMS): Rasa's /intent syntax."""
        return self.text.startswith("/")


def _turn(sender_id: str, timestamp: float, data: str) -> Turn:
    event = json.loads(data)
    parsed = event.get("parse_data") or {}
    intent = parsed.get("intent") or {}
    ranking = [
        (entry.get("name") or "", float(entry.get("confidence") or 0.0)) for entry in parsed.get("intent_ranking") or []
    ]
    return Turn(
        sender_id=sender_id,
        timestamp=timestamp,
        channel=event.get("input_channel") or "unknown",
        text=event.get("text") or "",
        intent=intent.get("name") or "",
        confidence=float(intent.get("confidence") or 0.0),
        ranking=ranking,
    )


def read_turns(engine: Engine, period: Period) -> List[Turn]:
    """Every visitor message in the period on the period's channel(s), in
    order per conversation, with the actions that answered it."""
    start, end = period.start.timestamp(), period.end.timestamp()
    # The JSON only for messages: an action's name is in its own column.
    data = case((EVENTS.c.type_name == "user", EVENTS.c.data), else_=None)
    rows = (
        select(
            EVENTS.c.id,
            EVENTS.c.sender_id,
            EVENTS.c.type_name,
            EVENTS.c.timestamp,
            EVENTS.c.action_name,
            data,
        )
        .where(
            EVENTS.c.timestamp >= start,
            EVENTS.c.timestamp < end,
            or_(
                EVENTS.c.type_name == "user",
                and_(EVENTS.c.type_name == "action", EVENTS.c.action_name.notin_(QUIET_ACTIONS)),
                EVENTS.c.type_name == REWIND,
            ),
        )
        .order_by(EVENTS.c.sender_id, EVENTS.c.id)
    )
    wanted = period.rasa_channel()
    turns: List[Turn] = []
    current: Dict[str, Turn] = {}
    with engine.connect() as connection:
        for _id, sender_id, type_name, timestamp, action_name, message in connection.execute(rows):
            if type_name == "user":
                turn = _turn(sender_id, timestamp, message)
                earlier = current.get(sender_id)
                if earlier is not None and earlier.rewound and _replays(earlier, turn):
                    # The same message once more: what answered it belongs
                    # to the visitor's one message, whose confidence was the
                    # classifier's own (the replay's is Rasa's 1.0).
                    earlier.rewound = False
                    continue
                current[sender_id] = turn
                if turn.channel != STAFF_CHANNEL and (wanted is None or turn.channel == wanted):
                    turns.append(turn)
            elif sender_id in current:
                if type_name == REWIND:
                    current[sender_id].rewound = True
                else:
                    current[sender_id].actions.append(action_name)
    return turns


def _replays(rewound: Turn, turn: Turn) -> bool:
    """Whether `turn` is Rasa replaying `rewound` after a clarification
    (Rasa's give-up also rewinds, and the visitor's next message is new)."""
    return rewound.first_action == CLARIFY and turn.text == rewound.text
