"""Whether the action server may listen where it is asked to.

Checked by the action server as it starts (rasa_sdk_plugins/action_server.py)
and by `make run`'s preflight before it starts one (bot/ops/preflight.py), so
both refuse the same thing with the same words.
"""

import ipaddress

from clinic_common.settings import Settings


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip()).is_loopback
    except ValueError:  # a name: it may resolve anywhere
        return False


def action_server_problem(host: str, settings: Settings) -> str:
    """What is wrong with an action server about to listen on `host`: in
    production, reachable from other machines without ACTION_SERVER_TOKEN,
    anyone there could post a made-up conversation and have a lead sent to
    the clinic. Empty when nothing is."""
    if not settings.production or is_loopback(host):
        return ""
    if settings.action_server_token:
        return ""
    return (
        f"Production with the action server listening on {host} and no ACTION_SERVER_TOKEN: "
        "anyone who reaches it could post a made-up conversation and send a lead to the clinic.\n"
        "  Set ACTION_SERVER_TOKEN to a random value (e.g. `openssl rand -hex 32`) for the Rasa "
        "servers and the action server alike, or set ACTION_HOST=127.0.0.1."
    )
