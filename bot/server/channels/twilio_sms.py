"""SMS through Twilio, replacing Rasa 3.6.21's TwilioInput at the same path
(/webhooks/twilio/webhook) and with the same credentials.

What the stock connector lacks, and this one does:
- every request's X-Twilio-Signature is checked against the auth token;
  missing or wrong: 403, and nothing reaches the assistant;
- a body over 64 KB (Twilio's are a few KB) is refused with 413 before it is
  read in full, and the signature is checked before any other work;
- a request without `From` is a 400 with a reason, not a 500; one without
  `Body` (a picture, say) gets a polite reply;
- each MessageSid is answered once: the reply is stored with it, and Twilio's
  retry (or a replay) gets the same TwiML without a second turn;
- a turn has a budget below Twilio's 15 s wait, the action server's time
  included; past it the texter gets a short apology with the clinic's phone,
  and the late turn's replies are never sent (a lead it stores is kept);
- when the conversation database is down, the texter gets the same apology
  (or, if the text is urgent, the safety reply), never an HTTP 500, which
  Twilio would not pass on;
- replies go back inline as TwiML in the webhook's answer, not through a
  blocking `requests` call inside the async server. That needs no outbound
  connection and no REST credentials, and Twilio delivers from the number the
  visitor texted. A turn takes well under a second against Twilio's ~15 s wait;
- buttons become numbered options, and a reply of "1", "1.", "#1", "1)" or
  "①" picks one; a number out of range gets "reply 1 or 2" (beside a single
  option, which always stands beside a typed answer, it is that answer);
- "Use the number I'm texting from", offered by the call-back form, sends
  the texter's number along with the pick, sealed (clinic_common/sms_number.py), so
  the action server can store it while the conversation never holds it;
- texts are plain, at most 320 characters where possible, split at sentences;
- carrier keywords as Twilio matches them (bot/server/channels/sms_keywords.py):
  STOP and its kin opt the number out (nothing more is sent until START,
  UNSTOP, or YES from an opted-out number), HELP answers with the clinic's
  name and phone number and 911. The red-flag screen runs first, so "End it
  all" or "Stop the bleeding" reach the safety reply, never an opt-out;
- the tracker's sender id is a keyed hash of the phone number, which is never
  stored or logged in clear;
- a texter over RATE_LIMIT_SENDER (bot/server/channels/rate_limit.py) gets one
  polite text, then silence until the burst is over (unless a text has a red
  flag: the polite text names 911). Never a 429: Twilio would retry it.
  Carrier keywords (STOP, HELP) are always answered.
"""

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple
from urllib.parse import parse_qsl

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.safety.screen import screen
from bot.server.channels import rate_limit, sms_format, sms_keywords, sms_store
from bot.server.channels.guard import (
    apology,
    clean_text,
    deliver,
    error_summary,
    failed_turn_reply,
    prepare_text,
    slow_down,
)
from clinic_common import sms_number
from clinic_common.contacts import e164
from clinic_common.settings import get_settings

logger = logging.getLogger(__name__)

# Twilio's requests are a few KB; anything much bigger is not Twilio.
MAX_TWILIO_BODY_BYTES = 64 * 1024


def sender_id_for(phone: str, key: str) -> str:
    digest = hmac.new(key.encode(), phone.strip().encode(), hashlib.sha256).hexdigest()
    return f"sms-{digest[:32]}"


def twiml_of(texts: List[str]) -> str:
    reply = MessagingResponse()
    for text in texts:
        reply.message(text)
    return str(reply)


def twiml(texts: List[str]) -> HTTPResponse:
    return xml_response(twiml_of(texts))


def xml_response(xml: str) -> HTTPResponse:
    return response.text(xml, content_type="text/xml")


def too_large() -> HTTPResponse:
    return response.json(
        {"error": f"request too large for a Twilio webhook (at most {MAX_TWILIO_BODY_BYTES // 1024} KB)"},
        status=413,
    )


async def read_capped_body(request: Request) -> Optional[bytes]:
    """The request body, or None once it passes MAX_TWILIO_BODY_BYTES (then
    the rest is never read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_TWILIO_BODY_BYTES:
        return None
    assert request.stream is not None  # the webhook's route streams its body
    chunks, size = [], 0
    async for chunk in request.stream:
        size += len(chunk)
        if size > MAX_TWILIO_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


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
            public_url=credentials.get("public_url") or None,
        )

    def __init__(
        self,
        account_sid: Optional[str],
        auth_token: str,
        twilio_number: Optional[str],
        public_url: Optional[str] = None,
    ) -> None:
        settings = get_settings()
        self.account_sid = account_sid
        self.twilio_number = twilio_number
        self.validator = RequestValidator(auth_token)
        self.sender_hash_key = settings.sms_sender_hash_key
        # Twilio signs the URL it was configured with; behind a proxy that is
        # not the URL this server sees.
        self.public_url = public_url
        # Peers whose X-Forwarded-Proto and X-Forwarded-Host are believed
        # (the reverse proxy in front); anyone else could forge them.
        self.trusted_proxies = settings.trusted_proxies
        # Seals the texter's number for the action server (clinic_common/sms_number.py).
        self.number_key = settings.sms_number_key
        # Twilio waits 15 s for the webhook's answer; the turn, action server
        # included, must be answered well before (Rasa's own action timeout is 300 s).
        self.turn_budget = settings.sms_turn_budget_seconds

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: TWILIO_WEBHOOK_URL if set; else, from a
        trusted proxy, the URL the proxy was reached at; else what this
        server sees."""
        if self.public_url:
            return self.public_url
        peer = request.conn_info.client_ip if request.conn_info else ""
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip()
        host = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
        if peer in self.trusted_proxies and (proto or host):
            query = f"?{request.query_string}" if request.query_string else ""
            return f"{proto or request.scheme}://{host or request.host}{request.path}{query}"
        return request.url

    def _signature_ok(self, request: Request, params: Dict[str, str]) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        return bool(signature) and self.validator.validate(self.signed_url(request), params, signature)

    def _help_text(self) -> str:
        settings = get_settings()
        name, phone = settings.clinic_name or "The clinic", settings.clinic_phone
        return (
            f"{name}: questions about stem cell therapy for hair loss. "
            f"Call us at {phone}. In an emergency, call 911. Reply STOP to stop texts."
        )

    async def _picked_option(self, request: Request, sender_id: str, body: str) -> Tuple[str, int]:
        """Maps a reply of "1", "2", ... to the option the last text offered:
        (payload, 0), or (body, 0) when it is no pick, or (body, n) when it
        picks nothing of the n options offered ("3" after "1. Yes 2. No")."""
        number = sms_keywords.option_number(body)
        if number is None:
            return body, 0
        agent = getattr(request.app.ctx, "agent", None)
        tracker = await agent.tracker_store.retrieve(sender_id) if agent else None
        if tracker is None:
            return body, 0
        # Only the last text's options count (sms_format.render_turn shows
        # no others): after "1. Yes 2. No" and then a form question, "1" is
        # an answer to the question.
        last = next((e for e in reversed(tracker.events) if e.type_name in ("user", "bot")), None)
        if last is None or last.type_name != "bot":
            return body, 0
        payloads = sms_format.option_payloads(last.data or {})
        if not payloads:
            return body, 0
        if 1 <= number <= len(payloads):
            return payloads[number - 1], 0
        if len(payloads) == 1:
            return body, 0  # a lone option stands beside a typed answer: this is one
        return body, len(payloads)

    async def _failed_turn_texts(self, request: Request, text: str, sender_id: str) -> List[str]:
        agent = getattr(request.app.ctx, "agent", None)
        reply = await failed_turn_reply(agent, text, sender_id, self.name()) if text else apology()
        return sms_format.pack(sms_format.render_turn([{"text": reply}]))

    def _metadata(self, text: str, phone: str, sender_id: str) -> Dict[str, str]:
        """What travels with the message besides its text: the texter's
        number, sealed, when they picked "use the number I'm texting from"."""
        if text != sms_number.PAYLOAD or not self.number_key:
            return {}
        return {sms_number.METADATA_KEY: sms_number.seal(e164(phone), sender_id, self.number_key)}

    async def _answer(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        request: Request,
        text: str,
        sender_id: str,
        metadata: Dict[str, str],
    ) -> List[str]:
        """One turn of the assistant, within the budget."""
        collector = CollectingOutputChannel()
        turn = asyncio.ensure_future(
            deliver(
                on_new_message, UserMessage(text, collector, sender_id, input_channel=self.name(), metadata=metadata)
            )
        )
        try:
            # Shielded: past the budget the turn still finishes (a lead it
            # stores is kept); only its replies are dropped.
            await asyncio.wait_for(asyncio.shield(turn), timeout=self.turn_budget)
        except asyncio.TimeoutError:
            logger.warning("SMS turn for %s over its %.0f s budget; apology sent", sender_id, self.turn_budget)
            return [apology()]
        if not turn.result():
            return await self._failed_turn_texts(request, text, sender_id)  # not stored; logged
        rendered = sms_format.render_turn(collector.messages)
        if not rendered:
            logger.warning("SMS turn for %s gave no reply; apology sent", sender_id)
        return sms_format.pack(rendered or [apology()])

    async def _answered_elsewhere(self, message_sid: str) -> HTTPResponse:
        """A retry while the first request is still being answered: wait for
        that answer (up to the budget), and give the same."""
        deadline = asyncio.get_event_loop().time() + self.turn_budget
        while asyncio.get_event_loop().time() < deadline:
            reply = await asyncio.to_thread(sms_store.reply_to, message_sid)
            if reply is not None:
                return xml_response(reply)
            await asyncio.sleep(0.25)
        return twiml([apology()])

    async def _respond(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        request: Request,
        params: Dict[str, str],
        body: str,
        sender_id: str,
    ) -> HTTPResponse:
        """The answer to a signed text `body` from `sender_id`."""
        message_sid = params.get("MessageSid", "")
        keyword = sms_keywords.keyword(body)
        if keyword and screen(body).flagged:
            keyword = None  # safety first: a message with a red flag is never a keyword
        opted_out = await asyncio.to_thread(sms_store.is_opted_out, sender_id)

        if keyword in sms_keywords.OPT_OUT:
            await asyncio.to_thread(sms_store.opt_out, sender_id)
            logger.info("SMS opt-out recorded for %s", sender_id)
            return twiml([])  # the carrier/Twilio confirms opt-outs itself
        if keyword in sms_keywords.OPT_IN or (opted_out and keyword in sms_keywords.OPT_IN_IF_OPTED_OUT):
            await asyncio.to_thread(sms_store.opt_in, sender_id)
            return twiml(["You're subscribed again. Ask me anything about stem cell therapy for hair loss."])
        if opted_out:
            return twiml([])
        if keyword in sms_keywords.HELP:
            return twiml([self._help_text()])
        if not body:
            return twiml(["Sorry, I can only read text. Please type your question."])

        if message_sid:
            claimed, reply = await asyncio.to_thread(sms_store.claim, message_sid, 2 * self.turn_budget, sender_id)
            if reply is not None:
                return xml_response(reply)  # Twilio's retry, or a replay: the same answer
            if not claimed:
                return await self._answered_elsewhere(message_sid)
        refused = rate_limit.limiter().check(sender_id)
        if refused:
            rate_limit.log_refusal(refused, self.name(), sender_id)
            # Each reply is billed: one per burst, and one for a red flag.
            texts = [slow_down(refused.retry_after)] if refused.first or screen(body).flagged else []
        else:
            texts = await self._turn(on_new_message, request, params, sender_id, body)
        xml = twiml_of(texts)
        if message_sid:
            await asyncio.to_thread(sms_store.record_reply, message_sid, xml)
        return xml_response(xml)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("twilio_sms_webhook", __name__)
        rate_limit.limiter()  # read at start: a bad setting stops the server here, named

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            content_type = request.headers.get("content-type", "")
            if not content_type.startswith("application/x-www-form-urlencoded"):
                return response.json(
                    {"error": "expected application/x-www-form-urlencoded, as Twilio sends"},
                    status=415,
                )
            raw = await read_capped_body(request)
            if raw is None:
                logger.warning("SMS webhook: refused a request over %d bytes", MAX_TWILIO_BODY_BYTES)
                return too_large()
            # Parsed here rather than with request.form, which drops empty
            # fields (Twilio sends some, e.g. ToCity) and so breaks the signature.
            try:
                params = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                return response.json({"error": "body is not UTF-8"}, status=400)
            if not self._signature_ok(request, params):
                # No phone number or text in the log: only what was refused.
                logger.warning(
                    "SMS webhook: refused a request with an invalid or missing signature, checked "
                    "against %s. If Twilio posts to another URL (a reverse proxy), set "
                    "TWILIO_WEBHOOK_URL, or TRUSTED_PROXIES to the proxy's address.",
                    self.signed_url(request),
                )
                return response.json({"error": "invalid or missing X-Twilio-Signature"}, status=403)
            phone = params.get("From", "").strip()
            if not phone:
                return response.json({"error": "missing From"}, status=400)
            sender_id = sender_id_for(phone, self.sender_hash_key)
            body = prepare_text(" ".join(clean_text(params.get("Body", "")).split()))
            try:
                return await self._respond(on_new_message, request, params, body, sender_id)
            except Exception as error:
                # The conversation database (opt-outs, Twilio's message ids,
                # the conversation) is down: the texter still hears from us.
                logger.error("SMS webhook: could not answer a text: %s", error_summary(error))
                return twiml(await self._failed_turn_texts(request, body, sender_id))

        return webhook

    async def _turn(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        request: Request,
        params: Dict[str, str],
        sender_id: str,
        body: str,
    ) -> List[str]:
        """The texts that answer one message."""
        text, offered = await self._picked_option(request, sender_id, body)
        if offered:
            return [f"Please reply with a number from 1 to {offered}." if offered > 2 else "Please reply 1 or 2."]
        return await self._answer(
            on_new_message, request, text, sender_id, self._metadata(text, params.get("From", ""), sender_id)
        )
