"""The period and channel a page or report covers, checked before use."""

import datetime as dt
from dataclasses import dataclass
from typing import Dict, Iterator, Optional
from zoneinfo import ZoneInfo

# The staff's names for Rasa's input channels. `rasa shell` ("cmdline") is
# staff testing and never counted.
CHANNELS: Dict[str, str] = {"widget": "socketio", "sms": "twilio", "rest": "rest"}
ALL = "all"
STAFF_CHANNEL = "cmdline"
MAX_DAYS = 366
DEFAULT_DAYS = 7


class BadPeriod(ValueError):
    """Says, in words for the staff, what is wrong with the request."""


@dataclass(frozen=True)
class Period:
    first_day: dt.date
    last_day: dt.date  # included
    channel: str  # a key of CHANNELS, or ALL
    timezone: ZoneInfo

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first_day, dt.time(), self.timezone)

    @property
    def end(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time(), self.timezone)

    def naive_utc(self, moment: dt.datetime) -> dt.datetime:
        """As the lead and link tables store time."""
        return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def days(self) -> Iterator[dt.date]:
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += dt.timedelta(days=1)

    def day_of(self, timestamp: float) -> dt.date:
        return dt.datetime.fromtimestamp(timestamp, self.timezone).date()

    def rasa_channel(self) -> Optional[str]:
        """The input channel name to keep, None for every visitor channel."""
        return None if self.channel == ALL else CHANNELS[self.channel]

    def describe(self) -> str:
        channel = "all channels" if self.channel == ALL else self.channel
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat()} ({self.timezone.key}), {channel}"


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadPeriod(f"{name} must be a date written YYYY-MM-DD, e.g. 2026-03-02") from None


def parse(
    first: Optional[str],
    last: Optional[str],
    channel: Optional[str],
    timezone: ZoneInfo,
    today: Optional[dt.date] = None,
) -> Period:
    """A period from the staff's input: the last DEFAULT_DAYS days (today
    included) unless told otherwise."""
    today = today or dt.datetime.now(timezone).date()
    last_day = _date(last, "to") if last else today
    first_day = _date(first, "from") if first else last_day - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first_day > last_day:
        raise BadPeriod("from must not be after to")
    if (last_day - first_day).days >= MAX_DAYS:
        raise BadPeriod(f"a period can cover at most {MAX_DAYS} days")
    chosen = (channel or ALL).strip().lower()
    if chosen != ALL and chosen not in CHANNELS:
        raise BadPeriod(f"channel must be one of: {ALL}, {', '.join(CHANNELS)}")
    return Period(first_day, last_day, chosen, timezone)
