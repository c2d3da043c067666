"""The period the staff ask for, and the session the sign-in form sets."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from insights import access
from insights.period import BadPeriod, parse

NEW_YORK = ZoneInfo("America/New_York")


def test_the_default_is_the_last_seven_days_today_included():
    period = parse(None, None, None, NEW_YORK, today=dt.date(2026, 3, 8))
    assert (period.first_day, period.last_day, period.channel) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8), "all")
    # Days start at midnight in the clinic's time zone (EST, then EDT from March 8).
    assert period.start.isoformat() == "2026-03-02T00:00:00-05:00"
    assert period.end.isoformat() == "2026-03-09T00:00:00-04:00"
    assert period.naive_utc(period.start) == dt.datetime(2026, 3, 2, 5)


@pytest.mark.parametrize(
    "first, last, channel, reason",
    [
        ("2026-02-30", None, None, "from must be a date"),
        (None, "next week", None, "to must be a date"),
        ("2026-03-09", "2026-03-08", None, "from must not be after to"),
        ("2024-01-01", "2026-03-08", None, "at most 366 days"),
        (None, None, "cmdline", "channel must be one of: all, widget, sms, rest"),
        (None, None, "'; drop table events; --", "channel must be one of"),
    ],
)
def test_bad_periods_are_refused_with_a_reason(first, last, channel, reason):
    with pytest.raises(BadPeriod, match=reason):
        parse(first, last, channel, NEW_YORK, today=dt.date(2026, 3, 8))


def test_a_session_opens_until_it_expires_or_the_token_changes():
    session = access.new_session("token-a", now=1_000_000)
    assert access.session_is_valid("token-a", session, now=1_000_000 + access.SESSION_SECONDS - 1)
    assert not access.session_is_valid("token-a", session, now=1_000_000 + access.SESSION_SECONDS + 1)
    assert not access.session_is_valid("token-b", session, now=1_000_001)
    assert not access.session_is_valid("", session, now=1_000_001)
    expires, signature = session.split(".")
    assert not access.session_is_valid("token-a", f"{int(expires) + 3600}.{signature}", now=1_000_001)
    assert "token-a" not in session


def test_only_the_exact_token_matches():
    assert access.token_matches("s3cret", "s3cret")
    assert not access.token_matches("s3cret", "s3cret ")
    assert not access.token_matches("", "")
    assert access.bearer("Bearer abc") == "abc" and access.bearer("Basic abc") == ""
