"""What the project adds to rasa-sdk's action server, through rasa-sdk's own
plugin hook (rasa_sdk_plugins/ at the project's root, found because Rasa
puts the working directory on the import path):

- a failing action answers 500 with the action's name and the error's
  kind. rasa-sdk's own answer echoes the whole request (every message, the
  name and phone of the call-back form), which Rasa then logs;
- log records pass bot/log_privacy.py, as in the Rasa server.
"""
import logging
from typing import Optional

import pluggy
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import log_privacy
from bot.env import load_defaults

logger = logging.getLogger(__name__)

hookimpl = pluggy.HookimplMarker("rasa_sdk")


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
    return response.json({"error": f"action {action} failed: {type(error).__name__}",
                          "action_name": action}, status=500)


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    load_defaults()
    log_privacy.install()
    # Registered after rasa-sdk's handler for Exception, so it takes its place.
    app.exception(Exception)(action_failed)
