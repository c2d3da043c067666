"""Carrier keywords and numbered options as texters type them
(bot/server/channels/sms_keywords.py). The channel's handling of each, signed as
Twilio signs, is in tests/integration/test_sms_twilio.py."""

import pytest

from bot.server.channels.sms_keywords import keyword, option_number


@pytest.mark.parametrize(
    "text, word",
    [
        ("STOP", "STOP"),
        ("Stop.", "STOP"),
        ("stop!", "STOP"),
        (" STOP ", "STOP"),
        ("STOP ALL", "STOPALL"),
        ("stop please", "STOP"),
        ("please stop", "STOP"),
        ("OPTOUT", "OPTOUT"),
        ("opt out", "OPTOUT"),
        ("Revoke", "REVOKE"),
        ("cancel", "CANCEL"),
        ("End", "END"),
        ("quit.", "QUIT"),
        ("unsubscribe", "UNSUBSCRIBE"),
        ("START", "START"),
        ("unstop", "UNSTOP"),
        ("Help?", "HELP"),
        ("info", "INFO"),
        ("YES", "YES"),
        ("ＳＴＯＰ", "STOP"),
    ],
)
def test_keywords_as_carriers_match_them(text, word):
    assert keyword(text) == word


@pytest.mark.parametrize(
    "text",
    [
        "End it all",
        "Stop the bleeding",
        "how do i stop the itching",
        "cancel my appointment please",
        "yes please",
        "I want to stop",
        "",
        "...",
    ],
)
def test_sentences_are_not_keywords(text):
    assert keyword(text) is None


@pytest.mark.parametrize(
    "text, number",
    [("1", 1), ("2.", 2), ("#1", 1), ("1)", 1), (" 2 ", 2), ("①", 1), ("²", 2), ("11", 11), ("0", 0)],
)
def test_numbered_option_replies(text, number):
    assert option_number(text) == number


@pytest.mark.parametrize("text", ["1 or 2", "2nd", "100", "one", "1.5", "$1"])
def test_other_replies_are_not_option_numbers(text):
    assert option_number(text) is None
