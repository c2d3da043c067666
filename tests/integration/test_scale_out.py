"""Rasa's own scale-out path: two Rasa servers sharing a PostgreSQL tracker
store and a Redis lock store, with one action server, switched by
configuration alone (environment variables read by endpoints.yml)."""
import asyncio
import re
import subprocess
from collections import defaultdict

import aiohttp
import psycopg2
import pytest

from tests.scale_services import PostgresServer, RedisServer
from tests.servers import Assistant

CONVERSATIONS = 50
TURNS = [
    "hi", "how much does it cost?", "does it hurt", "yes", "no thanks",
    "is it fda approved", "what are the risks", "i want to book a consultation", "no", "thanks",
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("scale")
    postgres = PostgresServer().start()
    redis = RedisServer().start()
    shared = {"TRACKER_DB_URL": postgres.url, "LOCK_STORE_TYPE": "redis",
              "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis.port)}
    first = Assistant(workdir / "a", shared)
    second = None
    try:
        (workdir / "a").mkdir()
        first.start(web=False)
        (workdir / "b").mkdir()
        second = Assistant(workdir / "b", {**shared, "ACTION_SERVER_URL": first.env["ACTION_SERVER_URL"]})
        second.start_rasa()
        yield first, second, postgres, redis
    finally:
        for server in (second, first):
            if server:
                server.stop()
        redis.stop()
        postgres.stop()


async def talk(servers):
    answered = defaultdict(list)
    failures = []

    async def conversation(n, session):
        sender = f"scale-{n}"
        for turn, message in enumerate(TURNS):
            server = servers[turn % 2]  # every turn on the other server
            async with session.post(f"{server.url}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": message}) as response:
                body = await response.json()
                if response.status != 200 or not body:
                    failures.append((sender, message, response.status, body))
                answered[sender].append(message)

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(conversation(n, session) for n in range(CONVERSATIONS)))
    return answered, failures


def test_two_servers_share_every_conversation_without_loss(cluster):
    first, second, postgres, redis = cluster
    answered, failures = asyncio.run(talk([first, second]))
    # Every turn took and released a conversation lock in Redis.
    stats = subprocess.run(["redis-cli", "-p", str(redis.port), "info", "commandstats"],
                           capture_output=True, text=True).stdout
    lock_writes = int(re.search(r"cmdstat_set:calls=(\d+)", stats).group(1))
    assert lock_writes >= CONVERSATIONS * len(TURNS)
    assert failures == []
    assert sum(len(turns) for turns in answered.values()) == CONVERSATIONS * len(TURNS)

    with psycopg2.connect(postgres.url) as db, db.cursor() as cursor:
        cursor.execute("SELECT sender_id, type_name, timestamp, data FROM events "
                       "WHERE sender_id LIKE 'scale-%' ORDER BY id")
        rows = cursor.fetchall()
    by_sender = defaultdict(list)
    for sender, kind, timestamp, data in rows:
        by_sender[sender].append((kind, timestamp, data))
    assert len(by_sender) == CONVERSATIONS
    for sender, events in by_sender.items():
        user_texts = [__import__("json").loads(d)["text"] for k, _, d in events if k == "user"]
        assert user_texts == TURNS, sender                    # all there, once, in order
        stamps = [t for _, t, _ in events]
        assert stamps == sorted(stamps), sender               # stored in the order they happened
        assert sum(k == "bot" for k, _, _ in events) >= len(TURNS), sender
        assert sum(k == "session_started" for k, _, _ in events) == 1, sender


def test_on_postgresql_a_phone_number_leaves_the_conversation_once_stored(cluster):
    first, second, postgres, _ = cluster
    sender = "scale-scrub"
    for turn, message in enumerate(["book an appointment", "yes", "Kim Park", "212-555-0166", "Boston"]):
        reply = first.say(sender, message) if turn % 2 else second.say(sender, message)
    assert "Thanks, Kim Park!" in reply[0]["text"]
    with psycopg2.connect(postgres.url) as db, db.cursor() as cursor:
        cursor.execute("SELECT data FROM events WHERE sender_id = %s", (sender,))
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and not any("555-0166" in data or "2125550166" in data for data in stored)
