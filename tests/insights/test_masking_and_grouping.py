"""Masking of contact details, and the grouping of near-duplicate misses with
the real sentence encoder (build/minilm, `make encoder`)."""

import pytest

from insights.grouping import group
from insights.masking import mask
from insights.misses import LOW_CONFIDENCE, NOT_UNDERSTOOD, PICKED, Miss


@pytest.mark.parametrize(
    "typed, shown",
    [
        ("call me on (212) 555-0142 please", "call me on <phone> please"),
        ("+1 212.555.0142", "<phone>"),
        ("my cell 2125550142, or Jo.Ann+clinic@Mail.example.co.uk", "my cell <phone>, or <email>"),
        ("text 212 555 0142 tonight", "text <phone> tonight"),
    ],
)
def test_phone_numbers_and_emails_are_masked(typed, shown):
    assert mask(typed) == shown


@pytest.mark.parametrize(
    "kept",
    [
        "is it $3,000 or $10,000?",
        "a fever of 100.4 after 2 sessions",
        "I'm 45, since 2019",
        "1-2 hours?",
    ],
)
def test_prices_ages_temperatures_and_years_stay(kept):
    assert mask(kept) == kept


def miss(text, kind=NOT_UNDERSTOOD, guess="ask_cost", confidence=0.3):
    return Miss(kind, text, 0.0, "rest", guess, confidence)


def test_paraphrases_share_a_group_and_different_questions_do_not():
    misses = [
        miss("how much is it"),
        miss("whats the price"),
        miss("How much is it "),
        miss("does it hurt", guess="ask_pain"),
        miss("is it painful", guess="ask_pain"),
        miss("does it work", guess="ask_effectiveness"),
    ]
    groups = group(misses)
    assert [(g.count, g.examples(), g.guess) for g in groups] == [
        (3, ["how much is it", "whats the price"], "ask_cost"),
        (2, ["does it hurt", "is it painful"], "ask_pain"),
        (1, ["does it work"], "ask_effectiveness"),
    ]


def test_a_topic_visitors_picked_beats_the_classifiers_guess():
    groups = group(
        [
            miss("money", guess="ask_benefits", confidence=0.5),
            miss("money", guess="ask_benefits", confidence=0.5),
            miss("money", kind=PICKED, guess="ask_cost", confidence=1.0),
        ]
    )
    assert len(groups) == 1 and groups[0].guess == "ask_cost"
    assert groups[0].kinds() == {NOT_UNDERSTOOD: 2, PICKED: 1}


def test_without_near_duplicates_each_group_keeps_its_own_guess():
    groups = group([miss("how long", kind=LOW_CONFIDENCE, guess="ask_results_timeline", confidence=0.45)])
    assert groups[0].guess == "ask_results_timeline" and groups[0].confidence == pytest.approx(0.45)
