"""How a message is cut into parts before each part is classified
(bot/nlu/several_topics.py). What the parts are classified as, and the two
answers, are checked on the running assistant (tests/integration/test_clarifying.py)."""

import pytest

from bot.nlu.several_topics import parts_of


@pytest.mark.parametrize(
    "text, parts",
    [
        ("how much is it and does it hurt?", ["how much is it", "does it hurt"]),
        ("cost? pain? downtime?", ["cost", "pain", "downtime"]),
        ("price, risks & results", ["price", "risks", "results"]),
        ("is it FDA approved; also is it covered", ["is it FDA approved", "is it covered"]),
        # A temperature or a price is not cut at its point.
        ("is 99.5 a fever", ["is 99.5 a fever"]),
        ("how much is it", ["how much is it"]),
        ("?? !!", []),
    ],
)
def test_a_message_is_cut_at_questions_and_lists(text, parts):
    assert parts_of(text) == parts
