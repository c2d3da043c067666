"""Serves the demo clinic page with the chat widget (http://localhost:8080).

The page and every script it loads come from here: the widget is rasa-webchat
from bot/demo_page/node_modules (installed by `make web`), nothing from a CDN, served
without its stylesheets' `@import` of a Google font (stripped once at start,
so visitors' browsers never ask Google for it), and made accessible from
outside by static/widget-a11y.js and static/widget-clinic.js (End chat,
failures the visitor can see, the booking link, the clinic's colours). The
Content-Security-Policy only lets the page talk to this server and the Rasa
server.

POST /end-chat {"session_id": "<the widget's id>"} deletes that conversation
from the tracker store (the widget's "End chat"); only ids of the widget's own
format are accepted, never a texter's.

Usage: python -m bot.demo_page.web_server   (settings: clinic_common/settings.py)
"""

import json
import logging
import math
import mimetypes
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict
from urllib.parse import urlsplit

from bot.ops.privacy import forget
from clinic_common import log_privacy
from clinic_common.settings import get_settings

logger = logging.getLogger(__name__)

WEB = Path(__file__).parent  # the page, its static files and the widget's npm package
WEBCHAT_JS = WEB / "node_modules" / "rasa-webchat" / "lib" / "index.js"
STATIC = {
    "/static/start-chat.js": WEB / "static" / "start-chat.js",
    "/static/widget-a11y.js": WEB / "static" / "widget-a11y.js",
    "/static/widget-clinic.js": WEB / "static" / "widget-clinic.js",
    "/static/clinic.css": WEB / "static" / "clinic.css",
}
# rasa-webchat 1.0.1 starts each of its stylesheets with
# `@import url(https://fonts.googleapis.com/css?family=Inter...);`, which
# would send every visitor's address to Google; clinic.css uses system fonts.
_FONT_IMPORT = re.compile(r"@import url\(https://fonts\.googleapis\.com/[^)]*\);")
_THIRD_PARTY_FONTS = re.compile(r"fonts\.(?:googleapis|gstatic)\.com")


def webchat_without_web_fonts(bundle: str) -> str:
    """The widget's bundle without its Google Fonts imports; refuses a bundle
    that still names Google's font servers afterwards (a different version)."""
    stripped = _FONT_IMPORT.sub("", bundle)
    leftover = _THIRD_PARTY_FONTS.search(stripped)
    if leftover:
        context = stripped[max(0, leftover.start() - 60) : leftover.end() + 60]
        raise ValueError(f"rasa-webchat still asks for a web font: ...{context}...")
    return stripped


# The socket.io channel gives a widget without an id uuid4().hex
# (bot/server/channels/socketio_web.py); End chat accepts nothing else, so it can
# never reach a texter's `sms-...` conversation or a REST client's.
WIDGET_SESSION_ID = re.compile(r"[0-9a-f]{32}")
MAX_END_CHAT_BODY = 1024
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


def widget_session_id(value: object) -> bool:
    return isinstance(value, str) and bool(WIDGET_SESSION_ID.fullmatch(value)) and not value.startswith("sms-")


def _relative_luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(int(digits[i : i + 2], 16) / 255) for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(one: str, other: str) -> float:
    """WCAG's contrast ratio of two #rgb/#rrggbb colours."""
    light, dark = sorted((_relative_luminance(one), _relative_luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def widget_colours() -> Dict[str, str]:
    """WIDGET_COLOR and WIDGET_TEXT_COLOR, checked: hex colours only, and
    text on the colour at WCAG AA (4.5:1) or the page server refuses to start."""
    settings = get_settings()
    colours = {"color": settings.widget_color, "textColor": settings.widget_text_color}
    for name, value in zip(("WIDGET_COLOR", "WIDGET_TEXT_COLOR"), colours.values(), strict=True):
        if not _HEX_COLOUR.fullmatch(value):
            raise ValueError(f"{name}={value!r}: write it as a hex colour, e.g. #234e52")
    ratio = contrast_ratio(colours["color"], colours["textColor"])
    if ratio < 4.5:
        raise ValueError(
            f"WIDGET_TEXT_COLOR {colours['textColor']} on WIDGET_COLOR {colours['color']} has a "
            f"contrast of {ratio:.1f}:1; WCAG AA needs 4.5:1"
        )
    return colours


def widget_keep_hours() -> float:
    value = get_settings().widget_keep_hours
    try:
        hours = float(value)
    except ValueError:
        hours = -1
    if not (hours >= 0 and math.isfinite(hours)):
        raise ValueError(f"WIDGET_KEEP_HOURS={value!r}: write a number of hours, e.g. 24")
    return hours


def render_page() -> bytes:
    clinic = get_settings()
    settings = {
        "socketUrl": clinic.rasa_public_url,
        "title": clinic.clinic_name,
        "phone": clinic.clinic_phone,
        "keepHours": widget_keep_hours(),
        "endChatUrl": "/end-chat",
        **widget_colours(),
    }
    # "</" cannot close the settings <script> element once escaped.
    settings_json = json.dumps(settings).replace("</", "<\\/")
    page = (WEB / "index.html").read_text(encoding="utf-8")
    page = page.replace("{{WEBCHAT_SETTINGS}}", settings_json)
    page = page.replace("{{CLINIC_NAME}}", clinic.clinic_name.replace("<", "&lt;"))
    return page.encode("utf-8")


def content_security_policy() -> str:
    rasa = get_settings().rasa_public_url.rstrip("/")
    ws = rasa.replace("http://", "ws://").replace("https://", "wss://")
    return (
        "default-src 'self'; "
        f"connect-src 'self' {rasa} {ws}; "
        "img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; "
        "font-src 'self' data:; "
        "script-src 'self'; "
        "frame-ancestors 'self'"
    )


class PageServer(ThreadingHTTPServer):
    def __init__(self, address, webchat_js: bytes) -> None:
        super().__init__(address, PageHandler)
        self.webchat_js = webchat_js  # prepared once, served to every visitor


class PageHandler(BaseHTTPRequestHandler):
    server_version = "ClinicPage"
    server: PageServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, render_page(), "text/html; charset=utf-8")
        elif path == "/static/webchat.js":
            self._send(HTTPStatus.OK, self.server.webchat_js, "text/javascript; charset=utf-8")
        elif path == "/favicon.ico":
            self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        elif path in STATIC and STATIC[path].is_file():
            kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
            self._send(HTTPStatus.OK, STATIC[path].read_bytes(), kind)
        else:
            self._send(HTTPStatus.NOT_FOUND, b"Not found", "text/plain")

    def do_POST(self) -> None:  # noqa: N802
        if urlsplit(self.path).path != "/end-chat":
            self._send(HTTPStatus.NOT_FOUND, b"Not found", "text/plain")
            return
        status, answer = self._end_chat()
        self._send(status, json.dumps(answer).encode("utf-8"), "application/json")

    def _end_chat(self):
        """Deletes the widget's conversation: 200 with what went, else why not."""
        origin = self.headers.get("Origin")
        if origin and origin not in get_settings().web_origins:
            return HTTPStatus.FORBIDDEN, {"error": "origin not allowed"}
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            return HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "send JSON"}
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= MAX_END_CHAT_BODY:
            return HTTPStatus.BAD_REQUEST, {"error": "expected a small JSON body"}
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            return HTTPStatus.BAD_REQUEST, {"error": "expected JSON"}
        session_id = body.get("session_id") if isinstance(body, dict) else None
        if not widget_session_id(session_id):
            return HTTPStatus.BAD_REQUEST, {"error": "not a widget session id"}
        try:
            removed = forget(session_id, conversation_only=True)
        except Exception:  # the tracker store is down: the widget says so
            logger.exception("End chat could not delete a conversation")
            return HTTPStatus.SERVICE_UNAVAILABLE, {"error": "could not delete the conversation now"}
        return HTTPStatus.OK, {"deleted_events": removed["conversation_events"]}

    def _send(self, status: HTTPStatus, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", content_security_policy())
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass  # visitors' requests are not worth a log line each


def main() -> None:
    log_privacy.install()
    if not WEBCHAT_JS.is_file():
        raise SystemExit("rasa-webchat is not installed: run `make web`")
    try:
        webchat_js = webchat_without_web_fonts(WEBCHAT_JS.read_text(encoding="utf-8"))
        widget_colours()  # a bad colour stops the server now, not each page
        widget_keep_hours()
    except ValueError as error:
        raise SystemExit(str(error)) from error
    settings = get_settings()
    port = settings.web_port
    server = PageServer((settings.web_host, port), webchat_js.encode("utf-8"))
    print(f"Clinic page with chat widget: http://localhost:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
