"""The figures as labelled lines, shared by the page and `make report`, so
both always say the same thing in the same words."""

from functools import lru_cache
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

import yaml

from insights.figures import Figures

TITLES_FILE = Path(__file__).resolve().parents[1] / "actions" / "topic_titles.yml"
EXTRA_TITLES = {"out_of_scope": "Out of scope"}


class Line(NamedTuple):
    section: str
    key: str  # stable name, for scripts and tests (data-figure on the page)
    label: str
    value: str


@lru_cache(maxsize=1)
def _titles() -> Dict[str, str]:
    return {**yaml.safe_load(TITLES_FILE.read_text(encoding="utf-8")), **EXTRA_TITLES}


def title(intent: Optional[str]) -> str:
    if not intent:
        return "(no guess)"
    return _titles().get(intent, intent)


def percent(rate: Optional[float]) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def lines(figures: Figures) -> List[Line]:
    f = figures
    return [
        Line("Conversations", "conversations", "Conversations", str(f.conversations)),
        Line("Conversations", "messages", "Visitor messages", str(f.messages)),
        Line(
            "Conversations",
            "messages_per_conversation",
            "Messages per conversation",
            f"{f.messages_per_conversation:.1f}",
        ),
        Line("Understanding", "questions", "Typed questions (buttons and form answers aside)", str(f.questions)),
        Line("Understanding", "clarifications", 'Asked "did you mean...?"', str(f.clarifications)),
        Line("Understanding", "given_up", "Not understood twice (fallback)", str(f.given_up)),
        Line("Understanding", "clarification_rate", "Fallback and clarification rate", percent(f.clarification_rate)),
        Line("Safety replies", "safety_emergency", "Emergency (911)", str(f.safety.get("emergency", 0))),
        Line("Safety replies", "safety_self_harm", "Self-harm (988)", str(f.safety.get("self_harm", 0))),
        Line("Safety replies", "safety_poisoning", "Poisoning (Poison Control)", str(f.safety.get("poisoning", 0))),
        Line("People", "handoffs", "Asked for a person", str(f.handoffs)),
        Line("Bookings", "links_shown", "Booking links shown", str(f.links_shown)),
        Line("Bookings", "links_clicked", "Booking links clicked", str(f.links_clicked)),
        Line("Bookings", "clicks", "Clicks on booking links", str(f.clicks)),
        Line("Bookings", "leads_created", "Call-back requests", str(f.leads_created)),
        Line("Bookings", "leads_delivered", "...delivered to the clinic", str(f.leads_delivered)),
        Line("Bookings", "leads_pending", "...waiting to be delivered", str(f.leads_pending)),
        Line("Bookings", "leads_parked", "...refused by the clinic's webhook (need a person)", str(f.leads_parked)),
    ]
