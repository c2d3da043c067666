"""What a visitor notices of the widget's privacy and failure handling, in
headless Chromium against the running servers (bot/demo_page/static/widget-clinic.js,
bot/demo_page/static/clinic.css, bot/demo_page/web_server.py, actions/leads.py):
the call-back form's privacy notice, "End chat", the browser's retention, a
Rasa server that can't be reached, an offline browser, the clinic's colours,
the "Book online" link and the landscape phone.
"""

import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.booking_links import followed, link_in
from tests.integration.test_widget_a11y import AXE_JS, CLINIC, screenshot
from tests.integration.test_widget_browser import Visitor, browser  # noqa: F401 (a fixture)
from tests.servers import ROOT, free_port, wait_until_up

PRIVACY_NOTICE = "We'll use your name and contact only to arrange your call back."
PRIVACY_URL = "https://www.yourhairclinic.com/privacy"
PHONE_HREF = "tel:+15550100199"


def texts(messages):
    return [m.get("text", "") for m in messages]


def stored_session(page):
    """rasa-webchat's stored conversation, as the browser holds it."""
    return page.evaluate(
        "() => JSON.parse(localStorage.getItem('chat_session') || sessionStorage.getItem('chat_session') || 'null')"
    )


def tracker_events(assistant, sender_id):
    with sqlite3.connect(assistant.tracker_db) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender_id,)).fetchone()[0]


@contextmanager
def page_server(assistant, workdir, **settings):
    """Another demo page server, with settings of its own."""
    port = free_port()
    env = {**assistant.env, "WEB_PORT": str(port), **settings}
    log = workdir / f"web-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.launch", sys.executable, "-m", "bot.demo_page.web_server"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process, log, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def end_chat_request(assistant, session_id, **headers):
    return requests.post(f"{assistant.page_url}/end-chat", json={"session_id": session_id}, headers=headers, timeout=10)


# 1. The privacy notice, before the form asks for anything.


def test_call_back_form_starts_with_the_privacy_notice_and_policy(assistant):
    sender = "privacy-notice-rest"
    assistant.say(sender, "i want to book a consultation")
    first = texts(assistant.say(sender, "yes"))[0]
    assert first.startswith(PRIVACY_NOTICE)
    assert f"Privacy policy: {PRIVACY_URL}" in first
    assert first.index(PRIVACY_NOTICE) < first.index("What's your name?")


# 2. End chat.


def test_end_chat_deletes_the_conversation_on_the_server_and_in_the_browser(browser, assistant):  # noqa: F811
    visitor = Visitor(browser, assistant.page_url, viewport={"width": 1280, "height": 800})
    page = visitor.page
    visitor.open_chat()
    visitor.say("how much does it cost?")
    expect(page.locator(".rw-response", has_text="$3,000 to $10,000")).to_be_visible()
    session_id = stored_session(page)["session_id"]
    assert tracker_events(assistant, session_id) > 0

    # Keyboard: from the conversation, back to the header's named button.
    end = page.get_by_role("button", name="End chat", exact=True)
    page.get_by_role("log", name=f"Conversation with {CLINIC}").focus()
    page.keyboard.press("Shift+Tab")
    expect(end).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="End this chat?")
    expect(dialog).to_contain_text("deleted from this browser and from the clinic's chat records")
    expect(dialog.get_by_role("button", name="Keep chatting")).to_be_focused()
    screenshot(page, "widget-end-chat-confirm")
    # Escape (or "Keep chatting") keeps the chat: nothing deleted.
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(end).to_be_focused()
    expect(page.locator(".rw-widget-container.rw-chat-open")).to_have_count(1)
    assert tracker_events(assistant, session_id) > 0

    end.click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="End and delete chat").click()
    expect(page.get_by_role("status").filter(has_text="Chat ended")).to_be_visible()
    expect(page.locator(".rw-launcher")).to_be_focused()

    assert tracker_events(assistant, session_id) == 0
    stored = stored_session(page)
    assert not stored or (not stored.get("conversation") and stored.get("session_id") != session_id)
    assert page.evaluate("() => localStorage.getItem('rasaWebchatPro')") is None

    # Reopened: a new conversation, greeted afresh, without the old one.
    page.click(".rw-launcher")
    expect(page.locator(".rw-response").nth(1)).to_contain_text("virtual assistant")
    expect(page.locator(".rw-response", has_text="$3,000 to $10,000")).to_have_count(0)
    expect(page.locator(".rw-client")).to_have_count(0)
    assert stored_session(page)["session_id"] != session_id
    assert tracker_events(assistant, session_id) == 0
    visitor.context.close()


@pytest.mark.parametrize(
    "session_id",
    [
        "sms-0123456789abcdef0123456789abcdef",  # a texter's
        "sms-" + "a" * 28,
        "test-rest-conversation",  # a REST client's
        "0123456789ABCDEF0123456789ABCDEF",  # not as the widget writes it
        "0123456789abcdef",
        ["0123456789abcdef0123456789abcdef"],
    ],
)
def test_end_chat_refuses_ids_that_are_not_the_widgets(assistant, session_id):
    assistant.say("test-rest-conversation", "how much does it cost?")
    response = end_chat_request(assistant, session_id)
    assert response.status_code == 400
    assert tracker_events(assistant, "test-rest-conversation") > 0


def test_end_chat_refuses_other_origins(assistant):
    response = end_chat_request(assistant, "0123456789abcdef0123456789abcdef", Origin="https://evil.example")
    assert response.status_code == 403


# 3. Retention in the browser.


def age_stored_conversation(page, hours):
    """Before the page's scripts run: the stored conversation's last update
    moved `hours` into the past, as if the visitor came back later."""
    page.add_init_script(f"""(() => {{
        const raw = localStorage.getItem("chat_session");
        if (!raw) return;
        const stored = JSON.parse(raw);
        stored.lastUpdate = Date.now() - {hours} * 3600 * 1000;
        localStorage.setItem("chat_session", JSON.stringify(stored));
    }})();""")


def test_a_stored_conversation_older_than_widget_keep_hours_is_cleared(browser, assistant):  # noqa: F811
    visitor = Visitor(browser, assistant.page_url)
    first = visitor.page
    visitor.open_chat()
    visitor.say("does it hurt")
    expect(first.locator(".rw-response", has_text="local anesthesia")).to_be_visible()
    old_id = stored_session(first)["session_id"]
    first.close()  # nothing writes the storage any more

    # 23 hours later (WIDGET_KEEP_HOURS is 24): still there.
    kept = visitor.context.new_page()
    age_stored_conversation(kept, 23)
    kept.goto(assistant.page_url)
    if not kept.locator(".rw-widget-container.rw-chat-open").count():
        kept.click(".rw-launcher")
    expect(kept.locator(".rw-response", has_text="local anesthesia")).to_be_visible()
    assert stored_session(kept)["session_id"] == old_id
    kept.close()

    # 25 hours later: cleared when the page loads; a new conversation starts.
    later = visitor.context.new_page()
    age_stored_conversation(later, 25)
    later.goto(assistant.page_url)
    expect(later.locator(".rw-launcher")).to_be_visible()
    expect(later.locator(".rw-widget-container.rw-chat-open")).to_have_count(0)
    later.click(".rw-launcher")
    expect(later.locator(".rw-response").nth(1)).to_contain_text("virtual assistant")
    expect(later.locator(".rw-response", has_text="local anesthesia")).to_have_count(0)
    expect(later.locator(".rw-client")).to_have_count(0)
    assert stored_session(later)["session_id"] != old_id
    visitor.context.close()


# 4. Failures the visitor can see.


def test_rasa_unreachable_the_widget_says_so_with_the_clinics_phone(browser, assistant, tmp_path):  # noqa: F811
    with page_server(assistant, tmp_path, RASA_PUBLIC_URL=f"http://127.0.0.1:{free_port()}") as url:
        visitor = Visitor(browser, url)
        page = visitor.page
        page.goto(url)
        launcher = page.get_by_role("button", name=f"Open chat with {CLINIC}")
        expect(launcher).to_be_visible()
        launcher.click()
        status = page.get_by_role("status").filter(has_text="can't connect")
        expect(status).to_be_visible()
        expect(status.get_by_role("link", name="+1 555-010-0199")).to_have_attribute("href", PHONE_HREF)
        screenshot(page, "widget-cannot-connect")
        visitor.context.close()


def test_offline_a_message_is_marked_not_sent_and_sent_later(browser, assistant):  # noqa: F811
    visitor = Visitor(browser, assistant.page_url)
    page = visitor.page
    visitor.open_chat()
    expect(page.locator(".rw-response").nth(1)).to_contain_text("virtual assistant")

    visitor.context.set_offline(True)
    expect(page.get_by_role("status").filter(has_text="You're offline")).to_be_visible()
    box = page.get_by_role("textbox", name="Your question")
    box.fill("how much does it cost?")
    box.press("Enter")
    unsent = page.get_by_role("listitem").filter(has_text="how much does it cost?")
    expect(unsent).to_contain_text("Not sent")
    expect(page.locator(".rw-client", has_text="how much does it cost?")).to_have_count(0)
    assert page.locator(".rw-header").bounding_box()["y"] >= 0  # the notices push nothing off screen
    screenshot(page, "widget-offline-not-sent")

    visitor.context.set_offline(False)
    expect(page.get_by_role("status").filter(has_text="You're offline")).to_have_count(0)
    send_now = unsent.get_by_role("button", name="Send now")
    expect(send_now).to_be_visible(timeout=20000)  # once the socket is back
    send_now.click()
    expect(page.locator(".rw-response", has_text="$3,000 to $10,000")).to_be_visible()
    expect(page.locator(".rw-client", has_text="how much does it cost?")).to_have_count(1)  # sent once
    expect(page.get_by_role("listitem").filter(has_text="Not sent")).to_have_count(0)
    visitor.context.close()


# 5. Branding from configuration.


def test_default_colours_keep_wcag_aa_contrast(browser, assistant):  # noqa: F811
    visitor = Visitor(browser, assistant.page_url, bypass_csp=True, viewport={"width": 1280, "height": 800})
    page = visitor.page
    visitor.open_chat()
    visitor.say("how much does it cost?")
    expect(page.get_by_role("button", name="Yes, book", exact=True)).to_be_visible()
    page.get_by_role("button", name="End chat", exact=True).click()
    expect(page.get_by_role("dialog", name="End this chat?")).to_be_visible()
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}})")
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]] == []
    assert result["passes"], "axe checked no text at all"
    visitor.context.close()


def test_the_clinics_colours_and_name_come_from_settings(browser, assistant, tmp_path):  # noqa: F811
    settings = {"WIDGET_COLOR": "#5b2a86", "WIDGET_TEXT_COLOR": "#fffbe6", "CLINIC_NAME": "Lakeside Hair Studio"}
    with page_server(assistant, tmp_path, **settings) as url:
        visitor = Visitor(browser, url)
        page = visitor.page
        page.goto(url)
        launcher = page.get_by_role("button", name="Open chat with Lakeside Hair Studio")
        expect(launcher).to_have_css("background-color", "rgb(91, 42, 134)")
        launcher.click()
        header = page.locator(".rw-header")
        expect(header).to_have_css("background-color", "rgb(91, 42, 134)")
        expect(header.locator(".rw-title")).to_have_text("Lakeside Hair Studio")
        expect(header.locator(".rw-title")).to_have_css("color", "rgb(255, 251, 230)")
        screenshot(page, "widget-clinic-colours")
        visitor.context.close()


def test_a_colour_pair_under_wcag_aa_stops_the_page_server(assistant, tmp_path):
    env = {**assistant.env, "WEB_PORT": str(free_port()), "WIDGET_COLOR": "#ffffff", "WIDGET_TEXT_COLOR": "#bbbbbb"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.demo_page.web_server"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "WCAG AA needs 4.5:1" in done.stderr


# 6. The booking link; the form's privacy link on the widget.


def test_a_raw_booking_url_shows_as_book_online(browser, assistant):  # noqa: F811
    visitor = Visitor(browser, assistant.page_url)
    page = visitor.page
    visitor.open_chat()
    visitor.say("i want to book a consultation")
    page.get_by_role("button", name="Yes, call me back", exact=True).click()
    # The notice and its link, in a message of their own, then the question.
    notice = page.locator(".rw-response", has_text=PRIVACY_NOTICE)
    expect(notice.get_by_role("link", name="Privacy policy")).to_have_attribute("href", PRIVACY_URL)
    expect(page.locator(".rw-response").last).to_contain_text("What's your name?")
    replies = visitor.bot_texts()
    assert [i for i, t in enumerate(replies) if PRIVACY_NOTICE in t] == [len(replies) - 2]
    visitor.say("Maria Lopez")
    expect(page.locator(".rw-response", has_text="phone number or email")).to_be_visible()
    visitor.say("maria@example.com")
    expect(page.locator(".rw-response", has_text="which city")).to_be_visible()
    visitor.say("Boston")
    thanks = page.locator(".rw-response", has_text="Thanks, Maria Lopez!")
    link = thanks.get_by_role("link", name="Book online", exact=True)
    expect(link).to_be_visible()
    expect(thanks).not_to_contain_text("utm_source")
    expect(thanks).not_to_contain_text("https://")
    href = followed(link_in(link.get_attribute("href")))
    query = parse_qs(urlsplit(href).query)
    assert href.startswith("https://www.yourhairclinic.com/")
    assert query["utm_source"] == ["assistant"] and query["utm_medium"] == ["socketio"]
    screenshot(page, "widget-book-online")
    visitor.context.close()


def test_the_booking_linkifier_builds_elements_never_html(browser, assistant):  # noqa: F811
    visitor = Visitor(browser, assistant.page_url)
    page = visitor.page
    page.goto(assistant.page_url)
    text = (
        "Pick a time: https://www.yourhairclinic.com/?utm_source=assistant&utm_medium=socketio. "
        '<img src=x onerror="window.__xss = 1"> javascript:alert(1)?utm_source=x'
    )
    result = page.evaluate(
        """(text) => {
            const p = document.createElement("p");
            p.textContent = text;
            document.body.appendChild(p);
            window.clinicWidget.linkBookingUrls(p);
            return [p.textContent, [...p.querySelectorAll("*")].map(e => [e.tagName, e.getAttribute("href")])];
        }""",
        text,
    )
    assert result == [
        text.replace("https://www.yourhairclinic.com/?utm_source=assistant&utm_medium=socketio", "Book online"),
        [["A", "https://www.yourhairclinic.com/?utm_source=assistant&utm_medium=socketio"]],
    ]
    assert page.evaluate("window.__xss") is None
    visitor.context.close()


# 7. Landscape phones.


def test_landscape_phone_open_panel_shows_header_and_close_button(browser, assistant):  # noqa: F811
    width, height = 844, 390
    visitor = Visitor(
        browser, assistant.page_url, viewport={"width": width, "height": height}, is_mobile=True, has_touch=True
    )
    page = visitor.page
    visitor.open_chat()
    expect(page.locator(".rw-response").nth(1)).to_contain_text("virtual assistant")
    header = page.locator(".rw-header")
    close = header.get_by_role("button", name="Close chat")
    end = header.get_by_role("button", name="End chat")
    for what, element in (
        ("header", header),
        ("close button", close),
        ("End chat", end),
        ("message box", page.get_by_role("textbox", name="Your question")),
    ):
        expect(element).to_be_visible()
        box = element.bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0, (what, box)
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (what, box)
    screenshot(page, "widget-landscape-phone")
    close.click()
    expect(page.get_by_role("button", name=f"Open chat with {CLINIC}")).to_be_visible()
    visitor.context.close()
