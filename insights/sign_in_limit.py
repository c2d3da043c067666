"""Wrong insights tokens from one address are limited (INSIGHTS_SIGN_IN_LIMIT,
e.g. "5/minute 20/hour"), or anyone could try tokens until one opened the
page. The windows and their arithmetic are the channels' rate limiter's
(bot/server/channels/rate_limit.py), counting one address's wrong tokens.

Once an address is over, every token it sends is refused (429 with
Retry-After) until the limiter would count one more, right token or not, so
a guesser cannot tell a right guess from a wrong one while blocked. Signed-in
sessions are not touched: their cookies are HMACs, not guesses. The counts
live in this process, like the channels' (README, Operations).
"""

import functools
import logging
import threading
import time
from typing import Callable, Dict, List

from bot.server.channels import rate_limit
from clinic_common.settings import get_settings

logger = logging.getLogger(__name__)

SETTING = "INSIGHTS_SIGN_IN_LIMIT"
_MAX_BLOCKED = 10_000  # addresses blocked at once, before the expired ones are dropped


class SignInLimit:
    def __init__(self, windows: List[rate_limit.Window], clock: Callable[[], float] = time.monotonic) -> None:
        # The channels' limiter, its per-conversation windows keyed by address.
        self._wrong = rate_limit.Limiter(windows, [], [], clock=clock)
        self._clock = clock
        self._blocked: Dict[str, float] = {}  # address -> until (clock)
        self._lock = threading.Lock()

    def wait(self, address: str) -> int:
        """Seconds before this address may offer a token again (0: now)."""
        with self._lock:
            until = self._blocked.get(address, 0.0)
            return max(0, int(until - self._clock() + 0.999))

    def wrong(self, address: str) -> int:
        """Counts a wrong token; seconds the address must now wait (0: none)."""
        refused = self._wrong.check(address)
        if refused is None:
            return 0
        with self._lock:
            now = self._clock()
            if len(self._blocked) >= _MAX_BLOCKED:
                self._blocked = {a: t for a, t in self._blocked.items() if t > now}
            self._blocked[address] = now + refused.retry_after
        logger.warning(
            "Insights: wrong tokens from %s, sign-in refused for %d s (%s %s)",
            address,
            refused.retry_after,
            SETTING,
            refused.limit.split(" ", 1)[1],
        )
        return refused.retry_after


@functools.lru_cache(maxsize=1)
def limit() -> SignInLimit:
    """The process's limit, from the setting (read once, at start)."""
    return SignInLimit(rate_limit.parse_windows(SETTING, get_settings().insights_sign_in_limit))


def reason(seconds: int) -> str:
    """What the sign-in page says to an address over the limit."""
    minutes = max(1, round(seconds / 60))
    wait = "a minute" if minutes == 1 else f"{minutes} minutes"
    return f"Too many wrong tokens from your address: sign-in is paused. Try again in {wait}."
