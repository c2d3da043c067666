import re
from urllib.parse import parse_qs, urlsplit

from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ActionBookingLink, ActionHumanHandoff
from clinic_common import booking_links
from clinic_common.booking_links import booking_link
from tests.trackers import action_replies, tracker_before_action


def booking_messages(domain, monkeypatch=None, channel=None):
    tracker = tracker_before_action("booking_after_cost", "action_booking_link", input_channel=channel)
    dispatcher = CollectingDispatcher()
    ActionBookingLink().run(dispatcher, tracker, domain)
    return action_replies(dispatcher)


def query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_link_carries_channel_and_topic():
    url = booking_link("https://www.yourhairclinic.com/book", "twilio", "cost")
    assert url.startswith("https://www.yourhairclinic.com/book?")
    assert query(url) == {
        "utm_source": "assistant",
        "utm_medium": "twilio",
        "utm_campaign": "free_assessment",
        "utm_content": "cost",
    }


def test_link_keeps_the_configured_query_and_marks_direct_bookings():
    url = booking_link("https://clinic.example/book?ref=ads", "rest", None)
    assert query(url)["ref"] == "ads"
    assert query(url)["utm_content"] == "direct"


def stored_link(url):
    """The counted link behind a short link (clinic_common/booking_links.py)."""
    assert url.startswith("http://localhost:5005/go/book?c=")
    return booking_links.find(query(url)["c"])


def test_web_visitors_get_a_link(domain):
    messages = booking_messages(domain, channel="socketio")
    title, url = re.fullmatch(r"\[(.+)\]\((\S+)\) online\.", messages[0]["text"]).groups()
    assert title == "Book my free assessment"
    link = stored_link(url)
    assert (link.channel, link.topic) == ("socketio", "cost")
    assert query(booking_links.destination(link.channel, link.topic))["utm_medium"] == "socketio"


def test_link_ids_are_letters_and_digits_so_markdown_leaves_the_url_whole(domain):
    # "_T_" in an id rendered as emphasis in the widget and broke the link.
    ids = [booking_links.mint("markdown-check", "socketio", None) for _ in range(200)]
    assert all(re.fullmatch(r"[A-Za-z0-9]{11}", link_id) for link_id in ids)
    assert len(set(ids)) == 200 and booking_links.find(ids[0]) is not None


def test_texters_get_the_full_url_in_plain_text(domain):
    messages = booking_messages(domain, channel="twilio")
    assert not messages[0]["buttons"]
    link = stored_link(messages[0]["text"].split()[-1])
    assert (link.channel, link.topic) == ("twilio", "cost")


def test_the_staff_shell_gets_the_booking_page_itself(domain):
    """rasa shell's links would point at another server's store, and its
    conversations are never counted."""
    url = booking_messages(domain, channel="cmdline")[0]["text"].split()[-1]
    assert url.startswith("https://www.yourhairclinic.com/?")
    assert query(url)["utm_medium"] == "cmdline"


def test_a_conversation_database_that_cannot_take_the_link_still_gives_one(domain, monkeypatch, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the database's folder should be")
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{blocked}/tracker.db")
    url = booking_messages(domain, channel="twilio")[0]["text"].split()[-1]
    assert url.startswith("https://www.yourhairclinic.com/?")
    assert query(url)["utm_medium"] == "twilio"


def test_booking_offers_a_call_back(domain):
    messages = booking_messages(domain)
    assert "call you back" in messages[-1]["text"]
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/affirm", "/deny"]


def test_booking_url_comes_from_configuration(domain, monkeypatch):
    monkeypatch.setenv("BOOKING_URL", "https://book.example.org/hair")
    link = stored_link(booking_messages(domain)[0]["text"].split()[-1])
    # Read when the visitor clicks: a changed booking page applies to links already sent.
    assert booking_links.destination(link.channel, link.topic).startswith("https://book.example.org/hair?")


def test_handoff_gives_configured_phone_and_email(domain, monkeypatch):
    monkeypatch.setenv("CLINIC_PHONE", "+1 212 555 0142")
    monkeypatch.setenv("CLINIC_EMAIL", "care@clinic.example")
    tracker = tracker_before_action("faq_cost", "utter_offer_assessment")
    dispatcher = CollectingDispatcher()
    ActionHumanHandoff().run(dispatcher, tracker, domain)
    text = action_replies(dispatcher)[0]["text"]
    assert "+1 212 555 0142" in text and "care@clinic.example" in text
