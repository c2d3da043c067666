"""What the project adds to rasa-sdk's action server, through rasa-sdk's own
plugin hook (rasa_sdk_plugins/ at the project's root, found because Rasa
puts the working directory on the import path):

- a shared secret, ACTION_SERVER_TOKEN. When it is set, every call but
  GET /health must carry it in the X-Action-Server-Token header, as the Rasa
  server does (endpoints.yml); any other gets 401, runs no action, and is
  logged with the caller's address. Without it a hand-made conversation
  POSTed to /webhook could store a lead and have it sent to the clinic;
- in production, listening beyond this machine without that secret, the
  action server refuses to start (clinic_common/exposure.py says why);
- a failing action answers 500 with the action's name and the error's
  kind. rasa-sdk's own answer echoes the whole request (every message, the
  name and phone of the call-back form), which Rasa then logs;
- log records pass clinic_common/log_privacy.py, as in the Rasa server.
"""

import hmac
import logging
import os
from typing import Optional

import pluggy
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic_common import log_privacy
from clinic_common.client_address import of_request
from clinic_common.exposure import action_server_problem
from clinic_common.settings import get_settings

logger = logging.getLogger(__name__)

hookimpl = pluggy.HookimplMarker("rasa_sdk")

TOKEN_HEADER = "X-Action-Server-Token"
OPEN_PATHS = ("/health",)  # load balancers and `make run` poll it; it tells nothing


def token_refusal(request: Request, token: str) -> Optional[HTTPResponse]:
    if not token or request.path in OPEN_PATHS:
        return None
    given = request.headers.get(TOKEN_HEADER, "")
    if given and hmac.compare_digest(given.encode(), token.encode()):
        return None
    logger.warning(
        "Refused a call to the action server (%s %s) from %s: %s %s",
        request.method,
        request.path,
        of_request(request),
        TOKEN_HEADER,
        "wrong" if given else "missing",
    )
    return response.json({"error": f"missing or wrong {TOKEN_HEADER}"}, status=401)


def _action_name(request: Request) -> Optional[str]:
    try:
        body = request.json  # None for a compressed call (COMPRESS_ACTION_SERVER_REQUEST)
    except Exception:
        return None
    return body.get("next_action") if isinstance(body, dict) else None


async def action_failed(request: Request, error: Exception) -> HTTPResponse:
    if isinstance(error, SanicException):  # 404, 405, 413...: Sanic's own answer
        return request.app.error_handler.default(request, error)
    action = _action_name(request)
    logger.error("Action %s failed", action, exc_info=error)
    return response.json(
        {"error": f"action {action} failed: {type(error).__name__}", "action_name": action}, status=500
    )


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    settings = get_settings()
    log_privacy.install()
    # Where rasa-sdk will listen: Sanic's own setting, 0.0.0.0 unless set
    # (make run and make actions set it from ACTION_HOST).
    problem = action_server_problem(os.environ.get("SANIC_HOST", "0.0.0.0"), settings)
    if problem:
        raise SystemExit(f"ERROR: {problem}")
    token = settings.action_server_token

    @app.middleware("request")
    async def check_token(request: Request) -> Optional[HTTPResponse]:
        return token_refusal(request, token)

    # Registered after rasa-sdk's handler for Exception, so it takes its place.
    app.exception(Exception)(action_failed)
