"""Serves the demo clinic page with the chat widget (http://localhost:8080).

The page and every script it loads come from here: the widget is rasa-webchat
from bot/web/node_modules (installed by `make web`), nothing from a CDN, served
without its stylesheets' `@import` of a Google font (stripped once at start,
so visitors' browsers never ask Google for it), and made accessible from
outside by static/widget-a11y.js. The Content-Security-Policy only lets the
page talk to this server and the Rasa server.

Usage: python -m bot.web_server   (after bot.env defaults are loaded)
"""
import json
import mimetypes
import os
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from bot.env import load_defaults

WEB = Path(__file__).with_name("web")
WEBCHAT_JS = WEB / "node_modules" / "rasa-webchat" / "lib" / "index.js"
STATIC = {
    "/static/start-chat.js": WEB / "static" / "start-chat.js",
    "/static/widget-a11y.js": WEB / "static" / "widget-a11y.js",
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
        context = stripped[max(0, leftover.start() - 60):leftover.end() + 60]
        raise ValueError(f"rasa-webchat still asks for a web font: ...{context}...")
    return stripped


def render_page() -> bytes:
    settings = {
        "socketUrl": os.environ["RASA_PUBLIC_URL"],
        "title": os.environ["CLINIC_NAME"],
    }
    # "</" cannot close the settings <script> element once escaped.
    settings_json = json.dumps(settings).replace("</", "<\\/")
    page = (WEB / "index.html").read_text(encoding="utf-8")
    page = page.replace("{{WEBCHAT_SETTINGS}}", settings_json)
    page = page.replace("{{CLINIC_NAME}}", os.environ["CLINIC_NAME"].replace("<", "&lt;"))
    return page.encode("utf-8")


def content_security_policy() -> str:
    rasa = os.environ["RASA_PUBLIC_URL"].rstrip("/")
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
    load_defaults()
    if not WEBCHAT_JS.is_file():
        raise SystemExit("rasa-webchat is not installed: run `make web`")
    try:
        webchat_js = webchat_without_web_fonts(WEBCHAT_JS.read_text(encoding="utf-8"))
    except ValueError as error:
        raise SystemExit(str(error))
    port = int(os.environ["WEB_PORT"])
    server = PageServer((os.environ["WEB_HOST"], port), webchat_js.encode("utf-8"))
    print(f"Clinic page with chat widget: http://localhost:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
