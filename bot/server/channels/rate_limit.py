"""How fast a sender or an address may talk to the assistant.

Three limits, each a list of windows such as "20/minute 200/hour"
(clinic_common/defaults.env; empty turns one off):
- RATE_LIMIT_SENDER: messages in one conversation (a widget session, a REST
  sender, a texter);
- RATE_LIMIT_ADDRESS: messages from one client address, all its
  conversations together (REST and the widget; texts all come from Twilio);
- RATE_LIMIT_NEW_CONVERSATIONS: conversations one address may start (one
  that comes back after the window counts again).
Only messages let through count, so a refused script is let in again once
its oldest counted message leaves the window.

The counts live in this process. With several Rasa servers each keeps its
own, so the load balancer or reverse proxy in front should limit too
(README, Operations).
"""

import functools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Set, Tuple

from clinic_common.settings import get_settings

logger = logging.getLogger(__name__)

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_ALIASES = {"s": 1, "sec": 1, "min": 60, "h": 3600, "hr": 3600, "d": 86400}
SETTINGS = ("RATE_LIMIT_SENDER", "RATE_LIMIT_ADDRESS", "RATE_LIMIT_NEW_CONVERSATIONS")


@dataclass(frozen=True)
class Window:
    count: int
    seconds: int
    text: str  # as configured, for the log


def parse_windows(setting: str, value: str) -> List[Window]:
    """ "20/minute 200/hour" as windows; ValueError naming the setting."""
    windows = []
    for part in value.replace(",", " ").split():
        count, _, period = part.partition("/")
        period = period.strip().lower()
        seconds = PERIODS.get(period.rstrip("s")) or _ALIASES.get(period)
        if not count.isdigit() or int(count) < 1 or seconds is None:
            raise ValueError(
                f"{setting}={value!r}: write limits as count/period, e.g. '20/minute 200/hour' "
                f"(periods: {', '.join(PERIODS)}), or leave it empty for no limit"
            )
        windows.append(Window(int(count), seconds, part))
    return windows


def _wait(times: List[float], windows: List[Window], now: float) -> Tuple[float, Optional[Window]]:
    """Seconds until one more event fits all windows (0: it fits now), given
    the sorted times of the events counted so far, and the window that is full."""
    longest, full = 0.0, None
    for window in windows:
        inside = [t for t in times if t > now - window.seconds]
        if len(inside) >= window.count:
            wait = inside[-window.count] + window.seconds - now
            if wait > longest:
                longest, full = wait, window
    return longest, full


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds, at least 1
    limit: str  # e.g. "RATE_LIMIT_SENDER 20/minute"
    first: bool  # the first refusal since this conversation was last let through


class Limiter:
    def __init__(
        self,
        sender: List[Window],
        address: List[Window],
        conversations: List[Window],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sender, self.address, self.conversations = sender, address, conversations
        self.clock = clock
        self._messages: Dict[str, List[float]] = {}  # "s:<sender>" or "a:<address>" -> times
        # address -> {conversation id: when it was first seen in the window}
        self._started: Dict[str, Dict[str, float]] = {}
        self._refused: Set[str] = set()  # conversations refused since last let through
        self._lock = threading.Lock()
        self._checks = 0
        self._keep = max((w.seconds for w in sender + address + conversations), default=0)
        self._conversations_keep = max((w.seconds for w in conversations), default=0)

    def check(self, sender: str, address: Optional[str] = None) -> Optional[Refusal]:
        """None, and the message counted, if it may go on; else why not."""
        with self._lock:
            now = self.clock()
            self._checks += 1
            if self._checks % 1000 == 0:
                self._forget_before(now - self._keep)
            waits = [(*_wait(self._messages.get(f"s:{sender}", []), self.sender, now), "RATE_LIMIT_SENDER")]
            started = {}
            if address:
                started = {
                    s: t for s, t in self._started.get(address, {}).items() if t > now - self._conversations_keep
                }
                waits.append((*_wait(self._messages.get(f"a:{address}", []), self.address, now), "RATE_LIMIT_ADDRESS"))
                if sender not in started:
                    waits.append(
                        (*_wait(sorted(started.values()), self.conversations, now), "RATE_LIMIT_NEW_CONVERSATIONS")
                    )
            wait, window, setting = max(waits, key=lambda w: w[0])
            if window is not None:
                first = sender not in self._refused
                self._refused.add(sender)
                return Refusal(max(1, int(wait + 0.999)), f"{setting} {window.text}", first)
            self._refused.discard(sender)
            self._count(f"s:{sender}", now, self.sender)
            if address:
                self._count(f"a:{address}", now, self.address)
                if self.conversations:
                    started.setdefault(sender, now)
                    self._started[address] = started
            return None

    def _count(self, key: str, now: float, windows: List[Window]) -> None:
        if not windows:
            return
        keep = max(w.seconds for w in windows)
        times = [t for t in self._messages.get(key, []) if t > now - keep]
        times.append(now)
        self._messages[key] = times

    def _forget_before(self, cutoff: float) -> None:
        """Drops what no window still counts, so memory follows current traffic."""
        self._messages = {k: t for k, t in self._messages.items() if t and t[-1] > cutoff}
        started = {}
        for address, conversations in self._started.items():
            kept = {s: t for s, t in conversations.items() if t > cutoff}
            if kept:
                started[address] = kept
        self._started = started
        self._refused.clear()


@functools.lru_cache(maxsize=1)
def limiter() -> Limiter:
    """The process's limiter, from the settings (read once, at start)."""
    settings = get_settings()
    sender, address, conversations = (
        parse_windows(name, value)
        for name, value in zip(
            SETTINGS,
            (
                settings.rate_limit_sender,
                settings.rate_limit_address,
                settings.rate_limit_new_conversations,
            ),
            strict=True,
        )
    )
    return Limiter(sender, address, conversations)


def log_refusal(refusal: Refusal, channel: str, sender: str, address: Optional[str] = None) -> None:
    """Once per burst: a script refused a thousand times logs one line."""
    if refusal.first:
        source = f" from {address}" if address else ""
        logger.warning("Rate limit: %s conversation %s%s refused (%s)", channel, sender, source, refusal.limit)
