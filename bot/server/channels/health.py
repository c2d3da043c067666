"""Liveness and readiness for load balancers and supervisors, as a Rasa input
channel (so every Rasa server has them, with no token):

- GET /webhooks/health/live: 200 while the server process answers at all.
- GET /webhooks/health/ready: 200 only when this server can hold a
  conversation: the model is loaded, a conversation can be read from the
  tracker store (the configured SQL store, never memory, which would split
  conversations across servers), the lock store answers, and the action
  server answers and takes this server's ACTION_SERVER_TOKEN. Otherwise
  503, naming what failed. Each check has a short timeout, so the endpoint
  stays cheap.

Rasa's own `/` and `/status` say only that the web server runs: with the
action server dead they still answer 200.
"""

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import text

from bot.server.channels.guard import error_summary
from bot.server.tracker_store import ClinicSQLTrackerStore

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0


def _tracker_store_check(agent: Any) -> Optional[str]:
    """None if the tracker store answers, else what is wrong."""
    store = agent.tracker_store
    if isinstance(store, InMemoryTrackerStore):
        return "tracker store is in memory (check endpoints.yml's tracker_store)"
    if isinstance(store, ClinicSQLTrackerStore):
        store.check()
    elif isinstance(store, SQLTrackerStore):
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    return None


def _lock_store_check(agent: Any) -> Optional[str]:
    store = agent.lock_store
    if isinstance(store, RedisLockStore):
        store.red.ping()
    return None


async def _action_server_check(agent: Any) -> Optional[str]:
    endpoint = agent.action_endpoint
    if endpoint is None or not endpoint.url:
        return None
    # The action server's list of actions sits beside its /webhook. Unlike
    # /health it needs ACTION_SERVER_TOKEN, so a token that differs between
    # the two servers shows here, not first in a visitor's conversation.
    actions = endpoint.url.rsplit("/", 1)[0] + "/actions"
    timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout, headers=endpoint.headers) as session:
        async with session.get(actions) as answer:
            if answer.status == 401:
                return "action server refused ACTION_SERVER_TOKEN (set the same value for both servers)"
            if answer.status != 200:
                return f"action server answered {answer.status}"
    return None


async def readiness(agent: Any) -> Dict[str, str]:
    """Each check's result: "ok" or what failed."""
    if agent is None or not agent.is_ready():
        return {"model": "no model loaded"}
    results: Dict[str, str] = {"model": "ok"}
    checks = {
        "tracker_store": asyncio.to_thread(_tracker_store_check, agent),
        "lock_store": asyncio.to_thread(_lock_store_check, agent),
        "action_server": _action_server_check(agent),
    }
    for name, check in checks.items():
        try:
            problem = await asyncio.wait_for(check, timeout=CHECK_TIMEOUT_SECONDS + 1)
        except Exception as error:  # any failure means "not ready", said plainly
            problem = error_summary(error)
        results[name] = problem or "ok"
    return results


class HealthChannel(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        health = Blueprint("clinic_health", __name__)

        @health.route("/live", methods=["GET"])
        async def live(_: Request) -> HTTPResponse:
            return response.json({"status": "alive"})

        @health.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            checks = await readiness(getattr(request.app.ctx, "agent", None))
            failing = {name: result for name, result in checks.items() if result != "ok"}
            if failing:
                logger.warning("Not ready: %s", failing)
                return response.json({"status": "not ready", "checks": checks}, status=503)
            return response.json({"status": "ready", "checks": checks})

        return health
