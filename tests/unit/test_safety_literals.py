"""The red-flag screen skips a pattern when the clause lacks every literal the
pattern needs (bot/safety/literals.py). Skipping must never change a verdict:
a pattern skipped wrongly is a missed emergency."""

import re
from pathlib import Path

import pytest
import yaml

from bot.safety.examples import development_splits
from bot.safety.literals import PatternList, required_literals
from bot.safety.screen import clauses, red_flags

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "pattern, literals",
    [
        (r"\b(faint\w*|passed out)\b", {"faint", "passed out"}),
        # The longer, rarer run is the better test.
        (r"\b(can'?t|cannot) breathe\b", {" breathe"}),
        # An optional part requires nothing; the rest still does.
        (r"\b(my |his )?chest (pain|hurts)", {"chest "}),
        # A lookbehind consumes nothing: the words either side stay adjacent.
        (r"(?<!like )\bkill myself\b", {"kill myself"}),
        # One branch that needs nothing, and the group needs nothing.
        (r"\b(blood|\d+)\b", None),
        (r"[0-9]+ pills", {" pills"}),
        # A case-insensitive pattern could match letters the literal lacks.
        (r"(?i)chest pain", None),
    ],
)
def test_literals_every_match_needs(pattern: str, literals: object) -> None:
    found = required_literals(re.compile(pattern))
    assert (set(found) if found is not None else None) == literals


def test_a_pattern_without_literals_is_always_tried() -> None:
    patterns = PatternList([re.compile(r"\d{3} degrees"), re.compile(r"fever")])
    assert [p.pattern for _, p in patterns.candidates("it read 102 degrees")] == [r"\d{3} degrees"]
    assert [i for i, _ in patterns.candidates("fever and 102 degrees", start=1)] == [1]


def _all_lists() -> list:
    flags = red_flags()
    return [*flags.always.values(), *flags.reported.values(), flags.idioms]


def test_the_list_is_skipped_only_where_it_cannot_match() -> None:
    """Over every clause of every development split, each pattern that
    matches a clause is among that clause's candidates."""
    texts = [m["text"] for path in development_splits(ROOT) for m in yaml.safe_load(path.read_text())["messages"]]
    checked = 0
    for text in texts:
        for clause in clauses(text):
            for patterns in _all_lists():
                tried = {p.pattern for _, p in patterns.candidates(clause)}
                for pattern in patterns:
                    if pattern.search(clause):
                        checked += 1
                        assert pattern.pattern in tried, (pattern.pattern, clause)
    assert checked > 1000  # the splits do exercise the list


def test_most_patterns_are_skipped_on_an_ordinary_question() -> None:
    """What makes the check cheap: a benign question tries few patterns."""
    clause = "how much does a prp session cost and how many do i need"
    total = sum(len(p) for p in _all_lists())
    tried = sum(len(p.candidates(clause)) for p in _all_lists())
    assert tried < total / 10
