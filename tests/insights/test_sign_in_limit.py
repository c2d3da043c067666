"""The sign-in limit over time (a clock the test moves): a blocked address
waits until the limiter would count one more wrong token, then may try again;
right tokens never count."""

from bot.server.channels.rate_limit import parse_windows
from insights.sign_in_limit import SignInLimit, reason


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_blocked_address_waits_out_the_window_then_may_try_again():
    clock = Clock()
    limit = SignInLimit(parse_windows("INSIGHTS_SIGN_IN_LIMIT", "3/minute"), clock=clock)
    for second in range(3):
        clock.now = 1000.0 + second * 10
        assert limit.wrong("10.0.0.1") == 0
    clock.now = 1030.0
    assert limit.wrong("10.0.0.1") == 30  # the first wrong token leaves the window at 1060
    assert limit.wait("10.0.0.1") == 30 and limit.wait("10.0.0.2") == 0
    clock.now = 1059.5
    assert limit.wait("10.0.0.1") == 1
    clock.now = 1060.0
    assert limit.wait("10.0.0.1") == 0
    assert limit.wrong("10.0.0.1") == 0  # room for one more
    assert limit.wrong("10.0.0.1") == 10  # and then the second one's turn


def test_no_limit_when_the_setting_is_empty():
    limit = SignInLimit(parse_windows("INSIGHTS_SIGN_IN_LIMIT", ""))
    assert all(limit.wrong("10.0.0.1") == 0 for _ in range(100))


def test_the_reason_says_how_long():
    assert reason(30).endswith("Try again in a minute.")
    assert reason(1800).endswith("Try again in 30 minutes.")
