"""SMS through Twilio, replacing Rasa 3.6.21's TwilioInput at the same path
(/webhooks/twilio/webhook) and with the same credentials.

What the stock connector lacks, and this one does:
- every request's X-Twilio-Signature is checked against the auth token;
  missing or wrong: 403, and nothing reaches the assistant;
- a request without `From` is a 400 with a reason, not a 500; one without
  `Body` (a picture, say) gets a polite reply; a replayed MessageSid is a 409;
- replies go back inline as TwiML in the webhook's answer, not through a
  blocking `requests` call inside the async server. That needs no outbound
  connection and no REST credentials, and Twilio delivers from the number the
  visitor texted. A turn takes well under a second against Twilio's ~15 s wait;
- buttons become numbered options, and a reply of "1" or "2" picks one;
- texts are plain, at most 320 characters where possible, split at sentences;
- STOP / UNSUBSCRIBE opt the number out (nothing more is sent until START),
  HELP answers with the clinic's name and phone number;
- the tracker's sender id is a keyed hash of the phone number, which is never
  stored or logged in clear.
"""
import asyncio
import hashlib
import hmac
import logging
import os
from urllib.parse import parse_qsl
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels import sms_format, sms_store
from bot.channels.guard import apology, clean_text, deliver, prepare_text

logger = logging.getLogger(__name__)

OPT_OUT_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
OPT_IN_WORDS = {"START", "UNSTOP"}
HELP_WORDS = {"HELP", "INFO"}


def sender_id_for(phone: str, key: str) -> str:
    digest = hmac.new(key.encode(), phone.strip().encode(), hashlib.sha256).hexdigest()
    return f"sms-{digest[:32]}"


def twiml(texts: List[str]) -> HTTPResponse:
    reply = MessagingResponse()
    for text in texts:
        reply.message(text)
    return response.text(str(reply), content_type="text/xml")


class TwilioSMSInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials or not credentials.get("auth_token"):
            cls.raise_missing_credentials_exception()
        return cls(
            account_sid=credentials.get("account_sid"),
            auth_token=credentials["auth_token"],
            twilio_number=credentials.get("twilio_number"),
            sender_hash_key=credentials.get("sender_hash_key") or credentials["auth_token"],
            public_url=credentials.get("public_url") or None,
        )

    def __init__(
        self,
        account_sid: Optional[str],
        auth_token: str,
        twilio_number: Optional[str],
        sender_hash_key: str,
        public_url: Optional[str] = None,
    ) -> None:
        self.account_sid = account_sid
        self.twilio_number = twilio_number
        self.validator = RequestValidator(auth_token)
        self.sender_hash_key = sender_hash_key
        # Twilio signs the URL it was configured with; behind a proxy that is
        # not the URL this server sees.
        self.public_url = public_url

    def _signature_ok(self, request: Request, params: Dict[str, str]) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        url = self.public_url or request.url
        return bool(signature) and self.validator.validate(url, params, signature)

    def _help_text(self) -> str:
        name = os.environ.get("CLINIC_NAME", "The clinic")
        phone = os.environ.get("CLINIC_PHONE", "")
        return (
            f"{name}: questions about stem cell therapy for hair loss. "
            f"Call us at {phone}. In an emergency, call 911. Reply STOP to stop texts."
        )

    async def _picked_option(self, request: Request, sender_id: str, body: str) -> str:
        """Maps a reply of "1", "2", ... to the option the last message offered."""
        if not body.isdigit():
            return body
        agent = getattr(request.app.ctx, "agent", None)
        tracker = await agent.tracker_store.retrieve(sender_id) if agent else None
        if tracker is None:
            return body
        for event in reversed(tracker.events):
            if event.type_name == "user":
                break
            if event.type_name == "bot":
                payloads = sms_format.option_payloads(event.data or {})
                if payloads:
                    index = int(body) - 1
                    return payloads[index] if 0 <= index < len(payloads) else body
        return body

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("twilio_sms_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            content_type = request.headers.get("content-type", "")
            if not content_type.startswith("application/x-www-form-urlencoded"):
                return response.json(
                    {"error": "expected application/x-www-form-urlencoded, as Twilio sends"},
                    status=415,
                )
            # Parsed here rather than with request.form, which drops empty
            # fields (Twilio sends some, e.g. ToCity) and so breaks the signature.
            try:
                params = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                return response.json({"error": "body is not UTF-8"}, status=400)
            if not self._signature_ok(request, params):
                return response.json({"error": "invalid or missing X-Twilio-Signature"}, status=403)
            phone = params.get("From", "").strip()
            if not phone:
                return response.json({"error": "missing From"}, status=400)

            sender_id = sender_id_for(phone, self.sender_hash_key)
            message_sid = params.get("MessageSid", "")
            if message_sid and not await asyncio.to_thread(sms_store.first_time, message_sid):
                # A replayed request (or Twilio retrying one we answered):
                # handled once already, so nothing reaches the assistant twice.
                return response.json({"error": "duplicate MessageSid, already handled"}, status=409)
            body = prepare_text(" ".join(clean_text(params.get("Body", "")).split()))
            keyword = body.upper()

            if keyword in OPT_OUT_WORDS:
                await asyncio.to_thread(sms_store.opt_out, sender_id)
                logger.info("SMS opt-out recorded for %s", sender_id)
                return twiml([])  # the carrier/Twilio confirms opt-outs itself
            if keyword in OPT_IN_WORDS:
                await asyncio.to_thread(sms_store.opt_in, sender_id)
                return twiml(["You're subscribed again. Ask me anything about stem cell therapy for hair loss."])
            if await asyncio.to_thread(sms_store.is_opted_out, sender_id):
                return twiml([])
            if keyword in HELP_WORDS:
                return twiml([self._help_text()])
            if not body:
                return twiml(["Sorry, I can only read text. Please type your question."])

            text = await self._picked_option(request, sender_id, body)
            collector = CollectingOutputChannel()
            await deliver(
                on_new_message,
                UserMessage(text, collector, sender_id, input_channel=self.name(), metadata={}),
            )
            rendered = [r for r in (sms_format.render(m) for m in collector.messages) if r]
            return twiml(sms_format.pack(rendered or [apology()]))

        return webhook
