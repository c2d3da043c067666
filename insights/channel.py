"""The staff page, on every Rasa server: GET /webhooks/insights/ (README.md,
"Insights"), with /login, /logout and /review.yml beside it.

An input channel (credentials.yml) because that is how a project adds routes
to Rasa's web server; it takes no messages. Every Rasa server of a
deployment serves the same figures, read from the shared stores.
"""

import asyncio
import logging
from typing import Any, Awaitable, Callable, List, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic_common import client_address
from clinic_common.settings import get_settings
from insights import access, page, review, sign_in_limit
from insights.figures import Figures, compute
from insights.grouping import Group, grouped
from insights.period import BadPeriod, Period, parse
from insights.stores import StoreUnavailable

logger = logging.getLogger(__name__)

CLOSED = 'The insights page is closed: set INSIGHTS_TOKEN to open it (README.md, "Insights").'
HEADERS = {
    "Content-Security-Policy": page.CSP,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _html(body: str, status: int = 200) -> HTTPResponse:
    return response.html(body, status=status, headers=HEADERS)


def _too_many(seconds: int) -> HTTPResponse:
    return response.html(
        page.login(sign_in_limit.reason(seconds)), status=429, headers={**HEADERS, "Retry-After": str(seconds)}
    )


def _offered_token(request: Request, token: str, offered: str) -> Optional[HTTPResponse]:
    """None if the token offered is right; else the answer, counting a
    wrong one against the address (insights/sign_in_limit.py)."""
    address = client_address.of_request(request)
    limit = sign_in_limit.limit()
    wait = limit.wait(address)
    if wait:
        return _too_many(wait)
    if access.token_matches(token, offered):
        return None
    wait = limit.wrong(address)
    if wait:
        return _too_many(wait)
    logger.warning("Insights: wrong token from %s", address)
    return _html(page.login("That token is not right."), status=401)


def _period(request: Request) -> Tuple[Period, Optional[str]]:
    """The period asked for, or the default one and what was wrong."""
    settings = get_settings()
    try:
        return parse(
            request.args.get("from"), request.args.get("to"), request.args.get("channel"), settings.insights_timezone
        ), None
    except BadPeriod as problem:
        return parse(None, None, None, settings.insights_timezone), str(problem)


def _read(period: Period) -> Tuple[Figures, List[Group], str]:
    settings = get_settings()
    figures = compute(period, settings.insights_low_confidence)
    groups, note = grouped(figures.misses)
    return figures, groups, note


class InsightsChannel(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "insights"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("clinic_insights", __name__)

        sign_in_limit.limit()  # a bad INSIGHTS_SIGN_IN_LIMIT stops the server here, named

        def refusal(request: Request) -> Optional[HTTPResponse]:
            token = get_settings().insights_token
            if not token:
                return _html(page.closed(CLOSED), status=403)
            offered = access.bearer(request.headers.get("authorization", ""))
            if offered:  # a script's token: a guess like any other
                return _offered_token(request, token, offered)
            if not access.session_is_valid(token, request.cookies.get(access.COOKIE, "")):
                return _html(page.login(), status=401)
            return None

        @blueprint.route("/", methods=["GET"])
        async def show(request: Request) -> HTTPResponse:
            refused = refusal(request)
            if refused is not None:
                return refused
            period, problem = _period(request)
            if problem:
                return _html(page.closed(f"Cannot show that period: {problem}."), status=400)
            try:
                figures, groups, note = await asyncio.to_thread(_read, period)
            except StoreUnavailable as error:
                return _unavailable(error)
            html = await asyncio.to_thread(page.insights, figures, groups, note)
            return _html(html)

        @blueprint.route("/review.yml", methods=["GET"])
        async def export(request: Request) -> HTTPResponse:
            refused = refusal(request)
            if refused is not None:
                return refused
            period, problem = _period(request)
            if problem:
                return response.text(problem, status=400, headers=HEADERS)
            try:
                _figures, groups, _note = await asyncio.to_thread(_read, period)
            except StoreUnavailable as error:
                return _unavailable(error)
            body = review.to_yaml(groups, period)
            name = f"unanswered-{period.first_day}-{period.last_day}.yml"
            return response.text(
                body,
                content_type="application/x-yaml; charset=utf-8",
                headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
            )

        @blueprint.route("/login", methods=["POST"])
        async def sign_in(request: Request) -> HTTPResponse:
            token = get_settings().insights_token
            if not token:
                return _html(page.closed(CLOSED), status=403)
            offered = (request.form.get("token") or "") if request.form else ""
            refused = _offered_token(request, token, offered)
            if refused is not None:
                return refused
            answer = response.redirect("./", status=303, headers=dict(HEADERS))
            _set_cookie(answer, access.new_session(token), access.SESSION_SECONDS, request)
            return answer

        @blueprint.route("/logout", methods=["POST"])
        async def sign_out(request: Request) -> HTTPResponse:
            answer = response.redirect("./", status=303, headers=dict(HEADERS))
            _set_cookie(answer, "", 0, request)
            return answer

        return blueprint


def _unavailable(error: StoreUnavailable) -> HTTPResponse:
    # The setting's name and the error's class only: its text may quote a
    # host, and the staff need no more than "try again".
    cause = type(error.__cause__).__name__ if error.__cause__ else "missing"
    logger.error("Insights: the store in %s did not answer (%s)", error.setting, cause)
    return _html(page.closed("A database did not answer; try again in a moment."), status=503)


def _set_cookie(answer: HTTPResponse, value: str, max_age: int, request: Request) -> None:
    answer.cookies[access.COOKIE] = value
    cookie = answer.cookies[access.COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/webhooks/insights/"
    cookie["max-age"] = max_age
    if get_settings().production or request.scheme == "https":
        cookie["secure"] = True
