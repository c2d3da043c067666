"""How the safety check combines its two signals (SafetyCheck.decide): which
reply a visitor gets when the red-flag list and the classifier disagree."""

import pytest

from bot.safety.component import SafetyCheck

# The list reads an emergency here (chest pain); the words before it are a
# poisoning, which the classifier may see.
OVERDOSE_WITH_SYMPTOMS = "mixed my pills with a few beers tonight and now my chest hurts"


@pytest.fixture(scope="module")
def check():
    # decide() needs neither storage nor a trained classifier: the model's
    # view is passed in, as _process passes the classifier's.
    return SafetyCheck(SafetyCheck.get_default_config(), None, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("model_outcome", ["poisoning", "self_harm"])
def test_the_classifiers_poisoning_or_self_harm_beats_the_lists_emergency(check, model_outcome):
    # Poison Control or 988 comes with 911 in those replies; the emergency
    # reply would give 911 alone.
    assert check.decide(OVERDOSE_WITH_SYMPTOMS, model_outcome, 0.9, 0.9) == (model_outcome, "both")


def test_a_classifier_that_only_leans_to_self_harm_does_not_replace_the_lists_emergency(check):
    # A stroke told at length by a daughter: the list reads the emergency; the
    # classifier is alarmed, but finds self-harm only 0.29 likely.
    text = "this morning dad can't find his words and his face looks a bit lopsided, should i cancel his visit?"
    assert check.decide(text, "self_harm", 0.48, 0.29) == ("emergency", "both")
    assert check.decide(text, "self_harm", 0.9, 0.85) == ("self_harm", "both")


def test_without_the_classifiers_alarm_the_list_names_the_reply(check):
    assert check.decide(OVERDOSE_WITH_SYMPTOMS, "poisoning", 0.3, 0.3) == ("emergency", "patterns")


def test_the_lists_self_harm_is_never_turned_into_anything_else(check):
    assert check.decide("i want to kill myself", "emergency", 0.9, 0.9) == ("self_harm", "both")
    assert check.decide("i want to kill myself", "poisoning", 0.9, 0.9) == ("self_harm", "both")


def test_an_emergency_both_signals_agree_on_stays_an_emergency(check):
    assert check.decide("my chest hurts and i cant breathe", "emergency", 0.95, 0.95) == ("emergency", "both")


@pytest.fixture(scope="module")
def reading_check():
    # As if a trained classifier were loaded: it then has a say on messages of
    # five words or more, and its view is passed in as above.
    check = SafetyCheck(SafetyCheck.get_default_config(), None, None)  # type: ignore[arg-type]
    check.scorer = object()  # type: ignore[assignment]
    return check


def test_a_figure_of_speech_the_classifier_reads_as_benign_is_not_an_alarm(reading_check):
    # The list reads choking; the classifier, trained on how people report
    # symptoms, does not.
    text = "the receptionist said the price and i started choking on my coffee"
    assert reading_check.decide(text, "none", 0.01, 0.0) == ("none", None)
    assert reading_check.decide(text, "none", 0.2, 0.0) == ("emergency", "patterns")


def test_a_terse_emergency_needs_no_support_from_the_classifier(reading_check):
    # The question after it pulls the classifier's view down; the report
    # itself is two words.
    text = "Trouble breathing. Just finished my PRP. What should I do"
    assert reading_check.decide(text, "none", 0.01, 0.0) == ("emergency", "patterns")
