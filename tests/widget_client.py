"""The widget's side of the socket.io channel, as rasa-webchat speaks it:
connect from the page's origin, ask for a session, send user_uttered."""

import asyncio
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
import socketio


async def open_session(
    assistant,
    session_id: str,
    local_address: Optional[str] = None,
) -> Tuple[socketio.AsyncClient, List[Dict[str, Any]], List[Any]]:
    """A connected client in `session_id`, with the lists its bot messages and
    error events arrive in; from `local_address` (e.g. 127.0.0.5) if given,
    as another visitor's machine would be."""
    session = None
    if local_address:
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(local_address, 0)))
    client = socketio.AsyncClient(reconnection=False, http_session=session)
    received: List[Dict[str, Any]] = []
    errors: List[Any] = []
    client.on("bot_uttered", lambda data: received.append(data))
    client.on("error", lambda data: errors.append(data))
    confirmed = asyncio.Event()

    def on_confirm(data: Any) -> None:
        client.confirmed_session_id = data  # the id the server gave the session
        confirmed.set()

    client.on("session_confirm", on_confirm)
    await client.connect(assistant.url, headers={"Origin": assistant.page_url}, transports=["polling"])
    await client.emit("session_request", {"session_id": session_id})
    await asyncio.wait_for(confirmed.wait(), 10)
    return client, received, errors


async def wait_for_text(received: List[Dict[str, Any]], wanted: str, after: int = 0, timeout: float = 20) -> None:
    """Waits until a bot message from index `after` on contains `wanted`; fails loudly."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not any(wanted in m.get("text", "") for m in received[after:]):
        if loop.time() > deadline:
            raise AssertionError(f"no {wanted!r} in {received[after:]}")
        await asyncio.sleep(0.1)


async def close(client: socketio.AsyncClient) -> None:
    """Ends a polling client at once. (disconnect() waits out the current long
    poll, about 30 s; the websocket transport needs a newer aiohttp than
    Rasa 3.6 allows.)"""
    if client.eio.http:
        await client.eio.http.close()
