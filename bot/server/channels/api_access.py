"""Logs each refused call to Rasa's HTTP API with the client's address.

Rasa 3.6 answers a missing or wrong token with 401 (403 for a JWT without
the scope) and logs nothing, so a script guessing tokens goes unseen. This
adds one WARNING line per refusal: method, path and the client's address
(clinic_common/client_address.py), never the query, where the token travels.

An input channel (credentials.yml) only because that is how a project adds
to Rasa's web server; it takes no messages. Refusals by the channels under
/webhooks/ (a Twilio signature, a REST body) are theirs to log.
"""

import logging
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse

from clinic_common import client_address

logger = logging.getLogger(__name__)


async def log_refused_api_call(request: Request, response: BaseHTTPResponse) -> None:
    if response.status in (401, 403) and not request.path.startswith("/webhooks/"):
        logger.warning(
            "Refused an HTTP API call (%s %s) from %s: missing or wrong token (answered %d)",
            request.method,
            request.path,
            client_address.of_request(request),
            response.status,
        )


class ApiAccessLog(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "api_access"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("clinic_api_access", __name__)

        @blueprint.listener("before_server_start")
        async def watch_refusals(app: Sanic, _loop: Any) -> None:
            app.register_middleware(log_refused_api_call, "response")

        return blueprint
