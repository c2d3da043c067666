"""The figures a clinic manager reads on Monday morning, for one period and
channel, exact, from the live stores."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from clinic_common import booking_links
from clinic_common.database import engine_for
from clinic_common.lead_tables import DELIVERED, PARKED, PENDING, SENDING, Base, Lead
from clinic_common.settings import get_settings
from insights import outcomes
from insights.events import Turn, read_turns
from insights.misses import Miss, find_misses
from insights.period import STAFF_CHANNEL, Period
from insights.stores import LEADS, TRACKER, StoreUnavailable, missing_sqlite_file, reason

PENDING_STATUSES = (PENDING, SENDING)


@dataclass
class DayRate:
    day: dt.date
    questions: int
    missed: int

    @property
    def rate(self) -> Optional[float]:
        return self.missed / self.questions if self.questions else None


@dataclass
class Figures:
    period: Period
    conversations: int = 0
    messages: int = 0
    # Typed messages outside the call-back form: what the assistant had to understand.
    questions: int = 0
    clarifications: int = 0  # "did you mean...?"
    given_up: int = 0  # the fallback after a second miss
    by_day: List[DayRate] = field(default_factory=list)
    topics: List[Tuple[str, int]] = field(default_factory=list)  # (intent, answers), most asked first
    safety: Dict[str, int] = field(default_factory=dict)
    handoffs: int = 0
    links_shown: int = 0
    links_clicked: int = 0  # links clicked at least once
    clicks: int = 0
    leads_created: int = 0
    leads_delivered: int = 0
    leads_pending: int = 0
    leads_parked: int = 0
    funnel: List[Tuple[str, int]] = field(default_factory=list)
    misses: List[Miss] = field(default_factory=list)

    @property
    def messages_per_conversation(self) -> float:
        return round(self.messages / self.conversations, 1) if self.conversations else 0.0

    @property
    def missed(self) -> int:
        return self.clarifications + self.given_up

    @property
    def clarification_rate(self) -> Optional[float]:
        return self.missed / self.questions if self.questions else None


def _channel_filter(period: Period, column):
    wanted = period.rasa_channel()
    return column == wanted if wanted else column != STAFF_CHANNEL


def _links(engine: Engine, period: Period) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
    """(link id, conversation) of the links shown and of the clicks."""
    start, end = period.naive_utc(period.start), period.naive_utc(period.end)
    shown_table, click_table = booking_links.BookingLink.__table__, booking_links.BookingClick.__table__
    with engine.connect() as connection:
        shown = connection.execute(
            select(shown_table.c.id, shown_table.c.sender_id).where(
                shown_table.c.created_at >= start,
                shown_table.c.created_at < end,
                _channel_filter(period, shown_table.c.channel),
            )
        ).all()
        clicks = connection.execute(
            select(click_table.c.link_id, click_table.c.sender_id).where(
                click_table.c.clicked_at >= start,
                click_table.c.clicked_at < end,
                _channel_filter(period, click_table.c.channel),
            )
        ).all()
    return [tuple(row) for row in shown], [tuple(row) for row in clicks]


def _leads(leads_url: str, period: Period) -> List[Tuple[str, str]]:
    """(conversation, delivery status) of each call-back request made in the period."""
    if missing_sqlite_file(leads_url):
        return []  # made by the action server with the first request: none yet
    lead = Lead.__table__
    start, end = period.naive_utc(period.start), period.naive_utc(period.end)
    with engine_for(leads_url, Base.metadata).connect() as connection:
        rows = connection.execute(
            select(lead.c.sender_id, lead.c.status).where(
                lead.c.created_at >= start, lead.c.created_at < end, _channel_filter(period, lead.c.channel)
            )
        ).all()
    return [tuple(row) for row in rows]


def compute(
    period: Period, low_confidence: float, tracker_url: Optional[str] = None, leads_url: Optional[str] = None
) -> Figures:
    """Raises StoreUnavailable, naming the store, when one cannot be read."""
    settings = get_settings()
    tracker_url = tracker_url or settings.tracker_db_url
    missing = missing_sqlite_file(tracker_url)
    if missing:
        raise StoreUnavailable(
            TRACKER,
            f"there is no database at {missing} (has the assistant run with this "
            "setting, and is this the folder it runs in?)",
        )
    try:
        tracker_engine = booking_links.engine(tracker_url)
        turns = read_turns(tracker_engine, period)
        shown, clicks = _links(tracker_engine, period)
    except (SQLAlchemyError, OSError) as error:  # OSError: the SQLite file's folder
        raise StoreUnavailable(TRACKER, reason(error)) from error
    try:
        leads = _leads(leads_url or settings.leads_db_url, period)
    except (SQLAlchemyError, OSError) as error:
        raise StoreUnavailable(LEADS, reason(error)) from error
    figures = Figures(period=period)
    _from_turns(figures, turns)
    figures.misses = find_misses(turns, low_confidence)
    figures.links_shown = len(shown)
    figures.clicks = len(clicks)
    figures.links_clicked = len({link_id for link_id, _ in clicks})
    statuses = Counter(status for _, status in leads)
    figures.leads_created = len(leads)
    figures.leads_delivered = statuses[DELIVERED]
    figures.leads_pending = sum(statuses[s] for s in PENDING_STATUSES)
    figures.leads_parked = statuses[PARKED]
    figures.funnel = _funnel(turns, shown, clicks, leads)
    return figures


def _from_turns(figures: Figures, turns: List[Turn]) -> None:
    period = figures.period
    days = {day: DayRate(day, 0, 0) for day in period.days()}
    topics: Counter = Counter()
    safety: Counter = Counter({kind: 0 for kind in outcomes.SAFETY_REPLIES.values()})
    figures.conversations = len({turn.sender_id for turn in turns})
    for turn in turns:
        figures.messages += 1
        topics.update(outcomes.topics_answered(turn))
        kind = outcomes.safety_reply(turn)
        if kind:
            safety[kind] += 1
        if outcomes.HANDOFF in turn.actions:
            figures.handoffs += 1
        if not outcomes.is_question(turn):
            continue
        figures.questions += 1
        day = days[period.day_of(turn.timestamp)]
        day.questions += 1
        if outcomes.is_clarification(turn):
            figures.clarifications += 1
            day.missed += 1
        elif outcomes.is_given_up(turn):
            figures.given_up += 1
            day.missed += 1
    figures.by_day = list(days.values())
    figures.topics = sorted(topics.items(), key=lambda item: (-item[1], item[0]))
    figures.safety = dict(safety)


def _funnel(
    turns: List[Turn], shown: List[Tuple[str, str]], clicks: List[Tuple[str, str]], leads: List[Tuple[str, str]]
) -> List[Tuple[str, int]]:
    """Conversations at each step, each step a subset of the one before."""
    talked: Set[str] = {turn.sender_id for turn in turns}
    asked = {turn.sender_id for turn in turns if outcomes.topics_answered(turn)}
    linked = asked & {sender for _, sender in shown}
    acted = linked & ({sender for _, sender in clicks} | {sender for sender, _ in leads})
    return [
        ("Conversations", len(talked)),
        ("Asked a question", len(asked)),
        ("Shown a booking link", len(linked)),
        ("Clicked it or asked for a call back", len(acted)),
    ]
