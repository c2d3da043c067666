"""The widget's accessibility and privacy, in headless Chromium against the
running servers: axe-core finds nothing serious, a keyboard alone can use it,
screen readers hear new replies, contacts are links, and the served widget
script never asks Google for a font (bot/demo_page/static/widget-a11y.js,
bot/demo_page/static/clinic.css, bot/demo_page/web_server.py).

axe-core is pinned in bot/demo_page/package.json and injected from node_modules. The
page's Content-Security-Policy forbids the inline script Playwright adds it
with, so the axe tests bypass the CSP: then nothing but the only-local route
stands between the page and the internet, and the tests check that the page
asked it for nothing.
"""

import re

import pytest
import requests
from playwright.sync_api import expect

from bot.demo_page.web_server import WEB, WEBCHAT_JS
from tests.integration.test_widget_browser import ARTIFACTS, Visitor, browser  # noqa: F401 (a fixture)

AXE_JS = WEB / "node_modules" / "axe-core" / "axe.min.js"
CLINIC = "Your Hair Clinic"
PHONE = "+1 555-010-0199"
UNCLEAR = "qwzx blorp fnag"  # gets "did you mean one of these?" (actions/clarify.py)
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "landscape-phone": {"viewport": {"width": 844, "height": 390}, "is_mobile": True, "has_touch": True},
}


def axe_violations(page):
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page, as
    [(impact, rule, [targets])]."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [(v["impact"], v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]


def serious(violations):
    return [v for v in violations if v[0] in ("critical", "serious")]


def launcher(page):
    return page.locator(".rw-launcher")


def reply_button(page, name):
    return page.get_by_role("button", name=name, exact=True)


def conversation_log(page):
    return page.get_by_role("log", name=f"Conversation with {CLINIC}")


def focus_ring(page):
    """The focused element's outline: style, width in px and colour."""
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return [style.outlineStyle, parseFloat(style.outlineWidth), style.outlineColor];
        }"""
    )


def contrast_with_white(css_rgb):
    red, green, blue = (int(c) / 255 for c in re.findall(r"\d+", css_rgb)[:3])

    def linear(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return 1.05 / (luminance + 0.05)


def screenshot(page, name):
    """As the widget looks once its slide-in animations are over."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, animations="disabled")


def assert_visible_focus(page, what):
    style, width, colour = focus_ring(page)
    assert style == "solid" and width >= 2, f"{what}: no visible focus ring ({style} {width}px)"
    # The ring is dark on a white gap: at least 3:1 (WCAG 1.4.11) against it.
    assert contrast_with_white(colour) >= 3, f"{what}: focus ring {colour} too faint"


def test_served_widget_script_asks_no_font_server(assistant):
    installed = WEBCHAT_JS.read_text(encoding="utf-8")
    assert "fonts.googleapis.com" in installed  # what rasa-webchat 1.0.1 ships
    served = requests.get(f"{assistant.page_url}/static/webchat.js", timeout=10)
    assert served.ok and "rw-launcher" in served.text  # still the widget
    assert "googleapis" not in served.text and "gstatic" not in served.text
    assert len(served.text) > 0.99 * len(installed)  # only the imports went


@pytest.mark.parametrize("name", VIEWPORTS)
def test_no_serious_axe_violations_closed_and_open(browser, assistant, name):  # noqa: F811
    visitor = Visitor(browser, assistant.page_url, bypass_csp=True, **VIEWPORTS[name])
    page = visitor.page
    page.goto(assistant.page_url)
    expect(launcher(page)).to_have_accessible_name(f"Open chat with {CLINIC}")
    closed = axe_violations(page)
    assert not serious(closed), closed

    launcher(page).click()
    expect(conversation_log(page)).to_contain_text("virtual assistant")
    visitor.say("how much does it cost?")
    expect(reply_button(page, "Yes, book")).to_be_visible()
    opened = axe_violations(page)
    assert not serious(opened), opened
    screenshot(page, f"widget-a11y-{name}-open")

    # Escape closes it from the message box, also where the open widget
    # covers the screen and hides the launcher.
    page.get_by_role("textbox", name="Your question").press("Escape")
    expect(launcher(page)).to_be_focused()
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")

    # Even with the CSP out of the way, the page asked nothing from outside.
    assert visitor.left_machine == []
    visitor.context.close()


def test_keyboard_alone_opens_asks_picks_replies_and_closes(browser, assistant):  # noqa: F811
    visitor = Visitor(browser, assistant.page_url, viewport={"width": 1280, "height": 800})
    page = visitor.page
    page.goto(assistant.page_url)
    expect(launcher(page)).to_be_visible()

    page.keyboard.press("Tab")
    expect(launcher(page)).to_be_focused()
    expect(launcher(page)).to_have_accessible_name(f"Open chat with {CLINIC}")
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")
    assert_visible_focus(page, "launcher")
    screenshot(page, "widget-a11y-launcher-focused")

    page.keyboard.press("Enter")
    message_box = page.get_by_role("textbox", name="Your question")
    expect(message_box).to_be_focused()
    assert_visible_focus(page, "message box")
    expect(conversation_log(page)).to_contain_text("virtual assistant")

    page.keyboard.type("how much does it cost?")
    page.keyboard.press("Tab")
    send = page.get_by_role("button", name="Send", exact=True)
    expect(send).to_be_focused()
    assert_visible_focus(page, "send button")
    page.keyboard.press("Shift+Tab")
    expect(message_box).to_be_focused()
    page.keyboard.press("Enter")
    expect(conversation_log(page)).to_contain_text("$3,000 to $10,000")

    # The reply buttons come right before the message box in the tab order.
    page.keyboard.press("Shift+Tab")
    expect(reply_button(page, "No, thanks")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(reply_button(page, "Yes, book")).to_be_focused()
    assert_visible_focus(page, "reply button")
    screenshot(page, "widget-a11y-reply-focused")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Book my free assessment")).to_be_visible()
    expect(message_box).to_be_focused()  # not lost with the chosen reply

    page.keyboard.type(UNCLEAR)
    page.keyboard.press("Enter")
    expect(conversation_log(page)).to_contain_text("did you mean one of these?")
    page.keyboard.press("Shift+Tab")
    expect(reply_button(page, "Something else")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator(".rw-response a[href='tel:+15550100199']").last).to_be_visible()

    # Sent with the Send button, the next message still goes in the box (the
    # emptied box disables the button, which would drop focus to the page).
    expect(message_box).to_be_focused()
    page.keyboard.type("how long is the downtime?")
    page.keyboard.press("Tab")
    expect(send).to_be_focused()
    page.keyboard.press("Enter")
    expect(conversation_log(page)).to_contain_text("back at work the next day")
    expect(message_box).to_be_focused()
    assert_visible_focus(page, "message box after a send")

    page.keyboard.press("Escape")
    expect(page.locator(".rw-chat-open")).to_have_count(0)
    expect(launcher(page)).to_be_focused()
    expect(launcher(page)).to_have_accessible_name(f"Open chat with {CLINIC}")
    assert visitor.left_machine == []
    visitor.context.close()


def test_new_replies_land_in_a_named_live_region_with_contact_links(browser, assistant):  # noqa: F811
    visitor = Visitor(browser, assistant.page_url)
    page = visitor.page
    visitor.open_chat()
    log = conversation_log(page)
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log).to_have_attribute("tabindex", "0")
    expect(log).to_contain_text("virtual assistant")

    visitor.say("what's your phone number")
    reply = log.locator(".rw-response", has_text=PHONE)
    expect(reply).to_be_visible()
    call = reply.get_by_role("link", name=PHONE)
    expect(call).to_have_attribute("href", "tel:+15550100199")
    expect(reply.get_by_role("link", name="info@yourhairclinic.com")).to_have_attribute(
        "href", "mailto:info@yourhairclinic.com"
    )
    assert call.get_attribute("target") is None  # a call, not a new tab
    visitor.context.close()


def test_contact_links_are_built_from_text_never_from_html(browser, assistant):  # noqa: F811
    """The layer's own linkifier (for replies the server has not linked), fed
    a hostile text: links for the phone and email, everything else text."""
    visitor = Visitor(browser, assistant.page_url)
    page = visitor.page
    page.goto(assistant.page_url)
    text = (
        'Call +1 555-010-0199 <img src=x onerror="window.__xss = 1"> or '
        "<a href='javascript:alert(1)'>info@yourhairclinic.com</a>; costs 3000-10000, "
        "order #5550100199, in an emergency 911."
    )
    result = page.evaluate(
        """(text) => {
            const p = document.createElement("p");
            p.textContent = text;
            document.body.appendChild(p);
            window.clinicWidgetA11y.linkifyContacts(p);
            return {
                text: p.textContent,
                elements: [...p.querySelectorAll("*")].map(e => [e.tagName, e.getAttribute("href"), e.textContent]),
            };
        }""",
        text,
    )
    assert result["text"] == text
    assert result["elements"] == [
        ["A", "tel:+15550100199", PHONE],
        ["A", "mailto:info@yourhairclinic.com", "info@yourhairclinic.com"],
        ["A", "tel:911", "911"],
    ]  # and no <img>: the only elements are the three links
    assert page.evaluate("window.__xss") is None
    visitor.context.close()
