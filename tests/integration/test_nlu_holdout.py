"""How well the trained model understands messages it never saw in training."""
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.nlu_eval import evaluate, labelled

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "assistant.tar.gz"
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
TRAINING = ROOT / "data" / "nlu"
# domain.yml is the one list of FAQ topics.
FAQ_INTENTS = [
    i for i in yaml.safe_load((ROOT / "domain.yml").read_text())["intents"]
    if isinstance(i, str) and i.startswith("ask_")
]


def normalise(text):
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def report():
    return evaluate(str(MODEL), str(HOLDOUT))


def test_holdout_never_appears_in_training():
    training = {normalise(text) for text, _ in labelled(str(TRAINING))}
    assert [text for text, _ in labelled(str(HOLDOUT)) if normalise(text) in training] == []


# Decided by a message's length (bot/safety/component.py), not by wording.
NOT_CLASSIFIED = {"message_too_long"}


def test_holdout_covers_every_intent_with_eight_messages():
    counts = Counter(intent for _, intent in labelled(str(HOLDOUT)))
    assert set(counts) == {intent for _, intent in labelled(str(TRAINING))} - NOT_CLASSIFIED
    assert min(counts.values()) >= 8


def test_training_has_fifteen_examples_per_faq_topic():
    counts = Counter(intent for _, intent in labelled(str(TRAINING)))
    assert all(counts[intent] >= 15 for intent in FAQ_INTENTS), counts


def test_intent_accuracy_at_least_092(report):
    assert report["intent_accuracy"] >= 0.92, report["errors"]


def test_every_faq_topic_f1_at_least_085(report):
    low = {i: round(report["f1_per_intent"][i], 2) for i in FAQ_INTENTS
           if report["f1_per_intent"][i] < 0.85}
    assert low == {}, report["errors"]
