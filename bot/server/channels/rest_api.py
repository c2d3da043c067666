"""Rasa's REST channel (/webhooks/rest/webhook), strict about its input.

Rasa 3.6.21's RestInput answers a JSON array or a `null` body with HTTP 500
and passes any type through. This one answers every malformed request with a
4xx and a reason, and the assistant only ever sees a clean text message.
When a turn produces no reply at all (an action failed because the action
server is down, say) or fails (the conversation store is down), the visitor
gets an apology with the clinic's phone (or, if urgent, the safety reply)
instead of silence or a 500. A sender or address over its rate limit
(bot/server/channels/rate_limit.py) gets 429 with Retry-After and a polite reason,
and the assistant never sees it.
"""

import json
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.server.channels import rate_limit
from bot.server.channels.guard import (
    MAX_BODY_BYTES,
    MAX_SENDER_CHARS,
    apology,
    deliver,
    failed_turn_reply,
    prepare_text,
    slow_down,
    taken_by_sms,
)
from clinic_common import client_address


class BadRequest(Exception):
    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def parse_body(raw: bytes) -> Dict[str, Any]:
    """The request body as {"sender", "message", "metadata"}, or BadRequest."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(f"request too large (at most {MAX_BODY_BYTES // 1024} KB)", 413)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest(f"body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise BadRequest('body must be a JSON object: {"sender": "...", "message": "..."}')
    sender = body.get("sender", "default")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
    if taken_by_sms(sender):
        # The REST channel has no sign-in: it must not write into a texter's
        # conversation (their ids are "sms-<hash>").
        raise BadRequest("'sender' may not start with 'sms-': that prefix belongs to the SMS channel", 403)
    if "message" not in body:
        raise BadRequest("missing 'message'")
    message = body["message"]
    if not isinstance(message, str):
        raise BadRequest("'message' must be a string")
    message = prepare_text(message)
    if not message:
        raise BadRequest("'message' is empty")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("'metadata' must be a JSON object")
    return {"sender": sender.strip(), "message": message, "metadata": metadata or {}}


class RestChannel(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("rest_channel_webhook", __name__)
        limiter = rate_limit.limiter()  # a bad setting stops the server here, named

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = parse_body(request.body or b"")
            except BadRequest as bad:
                return response.json({"error": bad.reason}, status=bad.status)
            address = client_address.of_request(request)
            refused = limiter.check(body["sender"], address)
            if refused:
                rate_limit.log_refusal(refused, self.name(), body["sender"], address)
                return response.json(
                    {"error": slow_down(refused.retry_after), "retry_after": refused.retry_after},
                    status=429,
                    headers={"Retry-After": str(refused.retry_after)},
                )
            collector = CollectingOutputChannel()
            handled = await deliver(
                on_new_message,
                UserMessage(
                    body["message"],
                    collector,
                    body["sender"],
                    input_channel=self.name(),
                    metadata=body["metadata"],
                ),
            )
            if handled and collector.messages:
                return response.json(collector.messages)
            agent = getattr(request.app.ctx, "agent", None)
            text = (
                apology() if handled else await failed_turn_reply(agent, body["message"], body["sender"], self.name())
            )
            return response.json([{"recipient_id": body["sender"], "text": text}])

        return webhook
