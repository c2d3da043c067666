"""The rate limiter's windows over time (bot/server/channels/rate_limit.py). The
servers' side is in tests/integration/test_rate_limits.py; here the clock is
moved by hand, to see a window pass without waiting an hour for it."""

import pytest

from bot.server.channels.guard import slow_down
from bot.server.channels.rate_limit import Limiter, parse_windows
from clinic_common.client_address import client_address


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock, sender="", address="", conversations=""):
    return Limiter(
        parse_windows("RATE_LIMIT_SENDER", sender),
        parse_windows("RATE_LIMIT_ADDRESS", address),
        parse_windows("RATE_LIMIT_NEW_CONVERSATIONS", conversations),
        clock=clock,
    )


def test_a_refused_sender_is_let_in_again_when_its_oldest_message_leaves_the_window():
    clock = Clock()
    limits = limiter(clock, sender="2/minute")
    assert limits.check("a") is None
    clock.now += 20
    assert limits.check("a") is None
    clock.now += 10
    refused = limits.check("a")
    assert refused.retry_after == 30 and refused.limit == "RATE_LIMIT_SENDER 2/minute" and refused.first
    assert not limits.check("a").first  # the same burst
    clock.now += 30
    assert limits.check("a") is None  # the first message left the window; refusals never counted
    clock.now += 1
    assert limits.check("a").first  # a new burst


def test_every_window_holds():
    clock = Clock()
    limits = limiter(clock, sender="2/minute 3/hour")
    for _ in range(2):
        assert limits.check("a") is None
    clock.now += 61
    assert limits.check("a") is None
    clock.now += 61
    refused = limits.check("a")
    assert refused.limit == "RATE_LIMIT_SENDER 3/hour" and refused.retry_after == 3600 - 122


def test_conversations_of_an_address_that_come_back_after_the_window_count_again():
    clock = Clock()
    limits = limiter(clock, conversations="2/hour")
    assert limits.check("a", "10.0.0.1") is None and limits.check("b", "10.0.0.1") is None
    assert limits.check("c", "10.0.0.1").limit == "RATE_LIMIT_NEW_CONVERSATIONS 2/hour"
    assert limits.check("a", "10.0.0.1") is None  # started already
    assert limits.check("c", "10.0.0.2") is None  # another address
    clock.now += 3601
    assert limits.check("c", "10.0.0.1") is None
    assert limits.check("a", "10.0.0.1") is None  # back after an hour: counted again
    assert limits.check("b", "10.0.0.1") is not None


def test_empty_settings_limit_nothing():
    limits = limiter(Clock())
    assert all(limits.check("a", "10.0.0.1") is None for _ in range(1000))


@pytest.mark.parametrize("value", ["20", "20/fortnight", "0/minute", "-1/hour", "x/minute", "20 per minute"])
def test_a_bad_setting_is_named(value):
    with pytest.raises(ValueError, match=r"RATE_LIMIT_SENDER=.*count/period"):
        parse_windows("RATE_LIMIT_SENDER", value)


def test_settings_as_people_write_them():
    assert [(w.count, w.seconds) for w in parse_windows("X", "20/min, 200/hours 1000/d")] == [
        (20, 60),
        (200, 3600),
        (1000, 86400),
    ]


@pytest.mark.parametrize(
    "seconds, wait", [(1, "a minute"), (90, "a minute"), (600, "10 minutes"), (3600, "60 minutes"), (86400, "24 hours")]
)
def test_the_polite_reply_says_how_long_to_wait(seconds, wait, monkeypatch):
    monkeypatch.setenv("CLINIC_PHONE", "+1 555-010-0199")
    text = slow_down(seconds)
    assert f"Please wait {wait} and try again or call the clinic at +1 555-010-0199." in text
    assert text.endswith("In an emergency, call 911.") and len(text) <= 160  # one SMS segment


@pytest.mark.parametrize(
    "peer, forwarded, address",
    [
        ("127.0.0.1", [], "127.0.0.1"),
        ("127.0.0.1", ["203.0.113.9"], "203.0.113.9"),
        # What the client wrote before the proxy added its peer is never taken.
        ("127.0.0.1", ["198.51.100.1, 203.0.113.9"], "203.0.113.9"),
        ("127.0.0.1", ["198.51.100.1", "203.0.113.9"], "203.0.113.9"),  # two headers
        # A chain of trusted proxies is walked back to the first untrusted hop.
        ("127.0.0.1", ["203.0.113.9, 10.0.0.2"], "203.0.113.9"),
        # Anyone else's header is their own word.
        ("198.51.100.7", ["203.0.113.9"], "198.51.100.7"),
    ],
)
def test_client_address(peer, forwarded, address):
    assert client_address(peer, forwarded, {"127.0.0.1", "10.0.0.2"}) == address
