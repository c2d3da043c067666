"""The staff page in a real headless Chromium (Debian's), and its door over
plain HTTP: closed without INSIGHTS_TOKEN, a sign-in form without the token,
a session cookie the page's scripts cannot read, the token never in a URL,
charts that draw (with their tables) on a laptop and on a 375-px phone."""

import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.integration.test_rate_limits import client
from tests.integration.test_widget_a11y import assert_visible_focus, axe_violations, serious
from tests.integration.test_widget_browser import CHROMIUM, CHROMIUM_ARGS
from tests.servers import Assistant

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TOKEN = "page-test-token-9876543210"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    running = Assistant(tmp_path_factory.mktemp("insights-page"), {"CLINIC_WEBHOOK_URL": "", "INSIGHTS_TOKEN": TOKEN})
    try:
        running.start(web=False)
        for sender, message in [
            ("page-1", "how much does it cost?"),
            ("page-2", "does it hurt?"),
            ("page-3", "how much does it cost?"),
            ("page-4", "blorp the wibble fnord"),
        ]:
            running.say(sender, message)
        running.say("page-1", "yes")
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def page_url(assistant):
    return f"{assistant.url}/webhooks/insights/"


def test_without_a_token_setting_the_page_is_closed(tmp_path):
    closed = Assistant(tmp_path, {"INSIGHTS_TOKEN": ""})
    try:
        closed.start_rasa()
        for method, path in [("get", ""), ("get", "review.yml"), ("post", "login")]:
            answer = getattr(requests, method)(
                page_url(closed) + path, data={"token": ""}, headers={"Authorization": "Bearer "}, timeout=10
            )
            assert answer.status_code == 403
            assert "closed: set INSIGHTS_TOKEN" in answer.text
    finally:
        closed.stop()


def test_the_door_over_http(assistant):
    url = page_url(assistant)
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    assert requests.get(url + "review.yml", timeout=10).status_code == 401
    # A forged or expired session cookie opens nothing.
    for forged in ("9999999999.deadbeef", "1.0", TOKEN, ""):
        assert requests.get(url, cookies={"clinic_insights": forged}, timeout=10).status_code == 401
    wrong = requests.post(url + "login", data={"token": "guess"}, allow_redirects=False, timeout=10)
    assert wrong.status_code == 401 and "That token is not right." in wrong.text
    assert "Set-Cookie" not in wrong.headers
    right = requests.post(url + "login", data={"token": TOKEN}, allow_redirects=False, timeout=10)
    assert right.status_code == 303
    cookie = right.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
    assert (
        requests.get(url, cookies={"clinic_insights": right.cookies["clinic_insights"]}, timeout=10).status_code == 200
    )
    # Bad input: a clear 400 with the reason, and the server goes on.
    bad = requests.get(url, params={"from": "yesterday'--"}, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert bad.status_code == 400 and "from must be a date written YYYY-MM-DD" in bad.text
    bad = requests.get(url, params={"channel": "<script>"}, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert bad.status_code == 400 and "channel must be one of" in bad.text and "<script>" not in bad.text
    assert requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60).status_code == 200
    log = (assistant.workdir / "rasa.log").read_text()
    assert "guess" not in log and TOKEN not in log
    assert re.search(r"Insights: wrong token from 127\.0\.0\.1", log)


def test_wrong_tokens_from_one_address_are_refused_for_a_while(assistant):
    """The default limit (clinic_common/defaults.env: 5 wrong tokens a minute), from
    addresses of their own (127.0.0.x is this machine), as a guesser's."""
    url = page_url(assistant)
    guesser, colleague = client("127.0.0.31"), client("127.0.0.32")
    for n in range(5):
        wrong = guesser.post(url + "login", data={"token": f"guess-{n}"}, allow_redirects=False, timeout=10)
        assert wrong.status_code == 401 and "That token is not right." in wrong.text, n
    refused = guesser.post(url + "login", data={"token": "guess-5"}, allow_redirects=False, timeout=10)
    assert refused.status_code == 429
    assert "Too many wrong tokens from your address" in refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Now even the right token, by form or as a script's, tells the guesser nothing.
    for attempt in (
        lambda: guesser.post(url + "login", data={"token": TOKEN}, allow_redirects=False, timeout=10),
        lambda: guesser.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10),
    ):
        answer = attempt()
        assert answer.status_code == 429 and "Set-Cookie" not in answer.headers
        assert "Clinic insights" in answer.text and 'data-figure="' not in answer.text
    # Wrong Bearer tokens count too.
    for n in range(5):
        assert colleague.get(url, headers={"Authorization": f"Bearer guess-{n}"}, timeout=10).status_code == 401
    assert colleague.get(url, headers={"Authorization": "Bearer guess-5"}, timeout=10).status_code == 429
    # Another address is not affected.
    other = client("127.0.0.33")
    signed_in = other.post(url + "login", data={"token": TOKEN}, allow_redirects=False, timeout=10)
    assert signed_in.status_code == 303 and "clinic_insights" in signed_in.cookies
    log = (assistant.workdir / "rasa.log").read_text()
    assert (
        len(
            re.findall(
                r"Insights: wrong tokens from 127\.0\.0\.31, sign-in refused for \d+ s "
                r"\(INSIGHTS_SIGN_IN_LIMIT 5/minute\)",
                log,
            )
        )
        == 1
    )
    assert "guess-" not in log and TOKEN not in log


def chart_boxes(page):
    return page.eval_on_selector_all(
        "svg.chart",
        "charts => charts.map(c => { const b = c.getBoundingClientRect();"
        " return [b.width, b.height, c.querySelectorAll('path, rect, use').length,"
        " c.getAttribute('aria-label')]; })",
    )


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 375, "height": 740}], ids=["laptop", "phone"]
)
def test_staff_sign_in_and_see_the_charts(browser, assistant, viewport):
    context = browser.new_context(viewport=viewport)
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto(page_url(assistant))
    expect(page.get_by_role("heading", name="Clinic insights")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(0)
    page.get_by_label("Token").fill("not the token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That token is not right.")
    page.get_by_label("Token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("svg.chart")).to_have_count(3)
    page.screenshot(path=str(ARTIFACTS / f"insights-{viewport['width']}.png"), full_page=True)

    boxes = chart_boxes(page)
    assert [label for *_, label in boxes] == [
        "Top topics: answers given per topic",
        "Fallback and clarification rate by day",
        "From question to booking: conversations at each step",
    ]
    for width, height, shapes, label in boxes:
        assert 200 < width <= min(viewport["width"], 480) and height > 80 and shapes > 0, label
    # The charts' words (drawn at 14 units) at 12 px or more once the chart
    # is scaled to the screen: the funnel's long step names once made it 9 px.
    text_px = page.eval_on_selector_all(
        "svg.chart", "cs => cs.map(c => 14 * c.getBoundingClientRect().width / c.viewBox.baseVal.width)"
    )
    assert min(text_px) >= 12, text_px
    # Each chart's numbers are also a table, as text.
    expect(page.locator('tr[data-topic="ask_cost"]')).to_contain_text("2")
    expect(page.locator('tr[data-step="2"]')).to_contain_text("1")
    # Nothing wider than the screen, even on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    cookie = next(c for c in context.cookies() if c["name"] == "clinic_insights")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and TOKEN not in cookie["value"]
    assert page.evaluate("document.cookie") == ""
    assert not any(TOKEN in url for url in requested)
    assert all(url.startswith(assistant.url) for url in requested)

    page.get_by_label("Channel").select_option("sms")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('[data-figure="conversations"]')).to_have_text("0")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Token")).to_be_visible()
    context.close()


def focused(page):
    """The focused element: its role or tag, and its accessible name."""
    return page.evaluate("""() => {
        const e = document.activeElement;
        // A label's own words: one wrapping a select also holds its options.
        const label = e.labels && e.labels.length ? Array.from(e.labels[0].childNodes)
            .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('').trim() : '';
        return [e.tagName.toLowerCase(), label || e.textContent.trim()];
    }""")


def tab_to(page, wanted, most=20):
    """Tabs until `wanted` ((tag, name)) has the focus, each stop with a
    visible ring; the stops passed on the way."""
    stops = []
    for _ in range(most):
        page.keyboard.press("Tab")
        here = focused(page)
        assert_visible_focus(page, here)
        if not stops or stops[-1] != here:  # a date field's parts are one stop
            stops.append(here)
        if here == wanted:
            return stops
    raise AssertionError(f"never reached {wanted}; went through {stops}")


def test_keyboard_alone_signs_in_and_changes_the_period(browser, assistant):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(page_url(assistant))
    # The first Tab reaches the token field, named by its label.
    assert tab_to(page, ["input", "Token"], most=1) == [["input", "Token"]]
    page.keyboard.type("not the token")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("That token is not right.")
    tab_to(page, ["input", "Token"], most=3)
    page.keyboard.type(TOKEN)
    page.keyboard.press("Enter")
    expect(page.locator("svg.chart")).to_have_count(3)

    # Headings: one h1, and no level skipped on the way down.
    levels = page.eval_on_selector_all("h1, h2, h3, h4", "hs => hs.map(h => [+h.tagName[1], h.textContent])")
    steps = [level for level, _ in levels]
    assert levels[0] == [1, "Clinic insights"] and steps.count(1) == 1
    assert all(level <= before + 1 for before, level in zip(steps, steps[1:], strict=False)), levels
    # Every chart is followed by its table, and every form field has a label.
    assert page.eval_on_selector_all(
        "svg.chart", "cs => cs.map(c => !!c.nextElementSibling && !!c.nextElementSibling.querySelector('table'))"
    ) == [True, True, True]
    assert page.eval_on_selector_all("input, select", "fs => fs.filter(f => !f.labels.length).length") == 0

    # The period and channel controls, in reading order, each with a visible focus.
    stops = tab_to(page, ["button", "Show"])
    assert stops == [["input", "From"], ["input", "To"], ["select", "Channel"], ["button", "Show"]]
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_label("Channel")).to_be_focused()
    page.keyboard.type("sms")  # picks by typing, as a closed select does
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("[data-period]")).to_contain_text(", sms")
    expect(page.get_by_label("Channel")).to_have_value("sms")
    expect(page.locator('[data-figure="conversations"]')).to_have_text("0")
    tab_to(page, ["button", "Sign out"])
    page.keyboard.press("Enter")
    expect(page.get_by_label("Token")).to_be_visible()
    context.close()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 375, "height": 740}], ids=["laptop", "phone"]
)
def test_no_serious_axe_violations_on_sign_in_and_on_the_page(browser, assistant, viewport):
    # axe is injected as a script, which the page's CSP forbids: bypassed here only.
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    page.goto(page_url(assistant))
    found = axe_violations(page)
    assert not serious(found), found
    page.get_by_label("Token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("svg.chart")).to_have_count(3)
    found = axe_violations(page)
    assert not serious(found), found
    context.close()
