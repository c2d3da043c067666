"""Sends webhook requests exactly as Twilio does: form-encoded, signed."""

import uuid
from typing import Dict, List, Optional
from xml.etree import ElementTree

import requests
from twilio.request_validator import RequestValidator

from bot.server.channels.twilio_sms import sender_id_for
from clinic_common.settings import get_settings


class TwilioSender:
    def __init__(
        self,
        webhook_url: str,
        auth_token: Optional[str] = None,
        configured_url: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        self.url = webhook_url
        # The URL as configured in Twilio's console, which Twilio signs: behind
        # a reverse proxy, not the one this client posts to.
        self.configured_url = configured_url or webhook_url
        self.headers = headers or {}
        # The servers' token: the one their settings give (defaults.env), unless told.
        self.validator = RequestValidator(auth_token or get_settings().twilio_auth_token)

    def params(self, phone: str, body: Optional[str]) -> Dict[str, str]:
        sid = f"SM{uuid.uuid4().hex}"  # Twilio's ids: SM + 32 hex digits
        params = {
            "ToCountry": "US",
            "ToState": "NY",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "",
            "FromZip": "10001",
            "SmsSid": sid,
            "FromState": "NY",
            "SmsStatus": "received",
            "FromCity": "NEW YORK",
            "FromCountry": "US",
            "To": "+15550100199",
            "ToZip": "",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": "AC00000000000000000000000000000000",
            "From": phone,
            "ApiVersion": "2010-04-01",
        }
        if body is not None:
            params["Body"] = body
        return params

    def post(self, params: Dict[str, str], signature: Optional[str] = "sign") -> requests.Response:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": "test",
            **self.headers,
        }
        if signature == "sign":
            signature = self.validator.compute_signature(self.configured_url, params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return requests.post(self.url, data=params, headers=headers, timeout=30)

    def text(self, phone: str, body: Optional[str]) -> List[str]:
        """Texts the assistant; returns the messages it texts back."""
        response = self.post(self.params(phone, body))
        response.raise_for_status()
        return replies(response)


def replies(response: requests.Response) -> List[str]:
    assert response.headers["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.text)
    assert root.tag == "Response"
    messages = root.findall("Message")
    # No "to"/"from" attributes: Twilio sends each one back to the texter,
    # from the clinic number they texted.
    assert all(not message.attrib for message in messages)
    return [message.text or "" for message in messages]


def texter_id(phone: str, env: Dict[str, str]) -> str:
    """The conversation id the SMS channel gives a phone number, with the
    key the servers' settings give (their environment over defaults.env)."""
    return sender_id_for(phone, get_settings(env).sms_sender_hash_key)
