"""Socket.IO channel for the website chat widget (rasa-webchat).

Rasa 3.6.21's SocketIOInput has two problems this subclass fixes:
- it calls `sio.enter_room(...)` without `await`; from python-socketio 5.10
  on that is a coroutine, so with session persistence the visitor's socket
  never joins its session room and no reply ever reaches the widget
  (RasaHQ/rasa#13027);
- it accepts socket.io connections from any browser origin. Here only the
  origins in `cors_allowed_origins` (credentials.yml, from WEB_ORIGINS) may.
It also ignores malformed events instead of raising inside the server, and
passes link buttons (`"type": "web_url"`) through to the widget, which the
stock output drops (and crashes on, having no payload). A session or address
over its rate limit (bot/server/channels/rate_limit.py) gets a polite reply in the
widget, and the assistant never sees the message.
"""

import inspect
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, TypeGuard

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.server.channels import rate_limit
from bot.server.channels.guard import (
    MAX_SENDER_CHARS,
    apology,
    deliver,
    failed_turn_reply,
    prepare_text,
    slow_down,
    taken_by_sms,
)
from clinic_common import client_address

logger = logging.getLogger(__name__)


# Phone numbers and emails in replies become tap-to-call and mail links on
# the widget (911, 988, Poison Control, the clinic's phone). Markdown links
# already in the text are left alone.
_MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\([^)]*\)")
_CONTACT = re.compile(
    r"(?<![\w/@.+-])("
    r"(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}"  # 1-800-222-1222, +1 555-010-0199
    r"|911|988"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # email
    r")(?![\w@-])"
)


def _link(match: "re.Match[str]") -> str:
    value = match.group(1)
    if "@" in value:
        return f"[{value}](mailto:{value})"
    digits = re.sub(r"[^\d+]", "", value)
    return f"[{value}](tel:{digits})"


def linkify_contacts(text: str) -> str:
    parts, last = [], 0
    for link in _MARKDOWN_LINK.finditer(text):
        parts.append(_CONTACT.sub(_link, text[last : link.start()]))
        parts.append(link.group(0))
        last = link.end()
    parts.append(_CONTACT.sub(_link, text[last:]))
    return "".join(parts)


def usable_session_id(value: Any) -> TypeGuard[str]:
    """A session id the widget may use: a short string, not a texter's."""
    return isinstance(value, str) and 0 < len(value) <= MAX_SENDER_CHARS and not taken_by_sms(value)


def parse_origins(value: Any) -> List[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part for part in str(value or "").replace(",", " ").split() if part]


class WebChatOutput(SocketIOOutput):
    """Sends to the widget, counting what it sent."""

    sent = 0

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, linkify_contacts(text), **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        replies = []
        for button in buttons:
            reply = {"content_type": "text", "title": button.get("title", "")}
            if button.get("url"):
                # rasa-webchat renders these as links that open in a new tab.
                reply.update(type="web_url", url=button["url"], payload=button["url"])
            else:
                reply["payload"] = button.get("payload", "")
            replies.append(reply)
        await self._send_message(recipient_id, {"text": linkify_contacts(text.strip()), "quick_replies": replies})


class WebChatInput(SocketIOInput):
    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        assert isinstance(channel, WebChatInput)  # Rasa builds it as cls(...)
        channel.allowed_origins = parse_origins(credentials.get("cors_allowed_origins"))
        return channel

    allowed_origins: List[str] = []
    app: Optional[Sanic] = None

    def get_output_channel(self) -> Optional[WebChatOutput]:
        return WebChatOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # engine.io's own CORS handling stays off ([]): Rasa's --cors already
        # adds the CORS headers to every route, and a second header makes
        # browsers refuse the response. The origin is checked on connect.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        blueprint = SocketBlueprint(sio, self.socketio_path or "/socket.io", "socketio_webhook", __name__)
        self.sio = sio
        limiter = rate_limit.limiter()  # a bad setting stops the server here, named

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.listener("before_server_start")
        async def keep_app(app: Sanic, _: Any) -> None:
            self.app = app  # socket.io handlers get no request, so no app.ctx.agent

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Any = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            # Browsers always send Origin; only they need keeping out.
            if origin and self.allowed_origins and origin not in self.allowed_origins:
                logger.info("Refused a socket.io connection from origin %s", origin)
                return False
            # engine.io's environ says 127.0.0.1 for every client; the request knows.
            address = client_address.of_request(environ["sanic.request"])
            await sio.save_session(sid, {"address": address}, namespace=self.namespace)
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not usable_session_id(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):  # python-socketio >= 5.10
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            # Malformed events get an "error" event back and go no further.
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                await sio.emit("error", {"error": "expected {message: string}"}, room=sid)
                return
            sender_id = data.get("session_id") if self.session_persistence else sid
            if not usable_session_id(sender_id):
                await sio.emit("error", {"error": "missing or invalid session_id"}, room=sid)
                return
            text = prepare_text(data["message"])
            if not text:
                await sio.emit("error", {"error": "message is empty"}, room=sid)
                return
            output = WebChatOutput(sio, self.bot_message_evt)
            address = (await sio.get_session(sid, namespace=self.namespace)).get("address")
            refused = limiter.check(sender_id, address)
            if refused:
                rate_limit.log_refusal(refused, self.name(), sender_id, address)
                await output.send_text_message(sender_id, slow_down(refused.retry_after))
                return
            metadata = data.get(self.metadata_key)
            handled = await deliver(
                on_new_message,
                UserMessage(
                    text,
                    output,
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata if isinstance(metadata, dict) else {},
                ),
            )
            if not handled:
                # Part of an answer may have gone out already; this says the
                # turn did not go through (it was not stored).
                agent = getattr(self.app.ctx, "agent", None) if self.app else None
                await output.send_text_message(sender_id, await failed_turn_reply(agent, text, sender_id, self.name()))
            elif not output.sent:
                await output.send_text_message(sender_id, apology())

        return blueprint
