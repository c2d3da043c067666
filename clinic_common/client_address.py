"""The address a request came from, for the rate limits and the logs.

Behind a reverse proxy every request comes from the proxy; the visitor's
address is then the last one the proxy added to X-Forwarded-For. That header
is believed only from the peers in TRUSTED_PROXIES (anyone else could write
it), and read from the right, past the trusted proxies only: what a client
wrote into it before the proxy added its peer is never taken.
"""

import logging
from typing import AbstractSet, Iterable, Set

from clinic_common.settings import get_settings

logger = logging.getLogger(__name__)

# Peers already warned about (a bounded set: any client can send the header).
_warned: Set[str] = set()
_MAX_WARNED = 100


def client_address(peer: str, forwarded_for: Iterable[str], trusted: AbstractSet[str]) -> str:
    """The client's address, given the peer and the X-Forwarded-For headers."""
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    if not hops:
        return peer
    if peer not in trusted:
        if peer not in _warned and len(_warned) < _MAX_WARNED:
            _warned.add(peer)
            # A proxy missing from TRUSTED_PROXIES makes all its visitors
            # one address to the rate limits.
            logger.warning(
                "Requests from %s carry X-Forwarded-For, which is ignored: %s is not in "
                "TRUSTED_PROXIES. If it is your reverse proxy, add it there.",
                peer,
                peer,
            )
        return peer
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return hops[0]


def of_request(request) -> str:  # a sanic.request.Request
    peer = request.conn_info.client_ip if request.conn_info else ""
    return client_address(peer, request.headers.getall("X-Forwarded-For", []), get_settings().trusted_proxies)
