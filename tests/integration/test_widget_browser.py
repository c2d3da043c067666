"""The website widget in a real headless Chromium, against the running servers.

Every request that does not go to 127.0.0.1 is aborted and recorded: the page
must work with nothing leaving the machine. Screenshots land in
tests/artifacts/ for a person to look at.
"""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.booking_links import followed

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium calls home at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
]
INJECTION = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visitor:
    """One person on the clinic's page, seen through their browser."""

    def __init__(self, browser, url, **context_options):
        self.context = browser.new_context(**context_options)
        self.left_machine = []
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.url = url

    def _only_local(self, route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.left_machine.append(route.request.url)
            route.abort()

    def open_chat(self):
        self.page.goto(self.url)
        self.page.click(".rw-launcher")
        expect(self.page.locator(".rw-new-message")).to_be_visible()

    def say(self, text):
        before = self.page.locator(".rw-response").count()
        self.page.fill(".rw-new-message", text)
        self.page.press(".rw-new-message", "Enter")
        expect(self.page.locator(".rw-client").last).to_contain_text(text[:20])
        return before

    def bot_texts(self):
        return self.page.locator(".rw-response").all_inner_texts()

    def screenshot(self, name):
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_visitor_asks_cost_books_reloads_and_stays_safe(browser, assistant):
    visitor = Visitor(browser, assistant.page_url)
    page = visitor.page
    visitor.open_chat()
    opening = page.locator(".rw-response")
    expect(opening.first).to_contain_text("not medical advice")
    expect(opening.nth(1)).to_contain_text("virtual assistant")

    visitor.say("how much does it cost?")
    expect(page.locator(".rw-response", has_text="$3,000 to $10,000")).to_be_visible()
    visitor.screenshot("widget-cost-answer")

    page.locator(".rw-reply", has_text="Yes, book").click()
    link = page.locator(".rw-response a", has_text="Book my free assessment")
    expect(link).to_be_visible()
    params = parse_qs(urlsplit(followed(link.get_attribute("href"))).query)
    assert params["utm_medium"] == ["socketio"] and params["utm_content"] == ["cost"]
    with visitor.context.expect_page() as booking_tab:
        link.click()
    booking_tab.value.wait_for_event("requestfailed")
    assert any(u.startswith("https://www.yourhairclinic.com/?") for u in visitor.left_machine)
    visitor.screenshot("widget-booking-link")

    # Reload: the history is still there, and the same conversation goes on
    # (replies only arrive if the new socket joins the session's room).
    page.reload()
    page.wait_for_selector(".rw-launcher")
    if not page.locator(".rw-widget-container.rw-chat-open").count():
        page.click(".rw-launcher")  # the widget remembers whether it was open
    expect(page.locator(".rw-response", has_text="$3,000 to $10,000")).to_be_visible()
    visitor.say("does it hurt")
    expect(page.locator(".rw-response", has_text="local anesthesia")).to_be_visible()
    visitor.screenshot("widget-after-reload")

    replies = visitor.say(INJECTION)
    page.wait_for_function("n => document.querySelectorAll('.rw-response').length > n", arg=replies)
    # Shown as text: no element was made of it, so nothing in it could run.
    expect(page.locator(".rw-client img, .rw-client script")).to_have_count(0)
    assert page.evaluate("window.__xss") is None
    expect(page.locator(".rw-client").last).to_contain_text("<script>window.__xss = 1</script>")
    visitor.screenshot("widget-injection-shown-as-text")

    # Nothing but the clicked booking page tried to leave the machine (the
    # page server strips the widget's Google font import).
    assert all(u.startswith("https://www.yourhairclinic.com/") for u in visitor.left_machine)


def test_widget_fits_a_phone_screen(browser, assistant):
    visitor = Visitor(
        browser,
        assistant.page_url,
        viewport={"width": 375, "height": 667},
        is_mobile=True,
        has_touch=True,
    )
    visitor.open_chat()
    expect(visitor.page.locator(".rw-response").nth(1)).to_contain_text("virtual assistant")
    box = visitor.page.locator(".rw-conversation-container").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    visitor.screenshot("widget-phone")
