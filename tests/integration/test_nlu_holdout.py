"""How well the trained model understands messages it never saw in training:
the project's own held-out set (tests/nlu_holdout.yml) and the blind set a
helper wrote from the visitor's point of view without seeing data/
(tests/nlu_blind/holdout_visitors.yml; its messages that stand word for word
in the training data are left out). Neither is ever trained or tuned on."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.model_tools.nlu_eval import evaluate, labelled

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "assistant.tar.gz"
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
BLIND = ROOT / "tests" / "nlu_blind" / "holdout_visitors.yml"
TRAINING = ROOT / "data" / "nlu"
# domain.yml is the one list of FAQ topics.
FAQ_INTENTS = [
    i
    for i in yaml.safe_load((ROOT / "domain.yml").read_text())["intents"]
    if isinstance(i, str) and i.startswith("ask_")
]


def normalise(text):
    return " ".join(text.lower().split())


@pytest.fixture(scope="module", params=["holdout", "blind"])
def report(request):
    if request.param == "holdout":
        return evaluate(str(MODEL), str(HOLDOUT))
    return evaluate(str(MODEL), str(BLIND), unseen_only=True)


def test_holdout_never_appears_in_training():
    training = {normalise(text) for text, _ in labelled(str(TRAINING))}
    assert [text for text, _ in labelled(str(HOLDOUT)) if normalise(text) in training] == []


# Decided by a message's length (bot/safety/component.py), not by wording.
NOT_CLASSIFIED = {"message_too_long"}


def test_holdout_covers_every_intent_with_eight_messages():
    counts = Counter(intent for _, intent in labelled(str(HOLDOUT)))
    assert set(counts) == {intent for _, intent in labelled(str(TRAINING))} - NOT_CLASSIFIED
    assert min(counts.values()) >= 8


def test_training_has_forty_examples_per_faq_topic():
    counts = Counter(intent for _, intent in labelled(str(TRAINING)))
    assert all(counts[intent] >= 40 for intent in FAQ_INTENTS), counts


def test_intent_accuracy_at_least_095(report):
    assert report["intent_accuracy"] >= 0.95, report["errors"]


def test_faq_f1_at_least_090(report):
    scores = [report["f1_per_intent"][i] for i in FAQ_INTENTS if i in report["f1_per_intent"]]
    assert sum(scores) / len(scores) >= 0.90, report["errors"]


def test_no_faq_topic_falls_apart(report):
    # A floor per topic; the short, two-sided ones ("can i go home the same
    # day": procedure or downtime?) sit at 0.75-0.90 (benchmarks/README.md).
    low = {i: round(report["f1_per_intent"][i], 2) for i in FAQ_INTENTS if report["f1_per_intent"].get(i, 1.0) < 0.70}
    assert low == {}, report["errors"]


# The blind set's messages that also stand in the training data: stock
# phrases ("price?", "hi") that were there before the set was written. Scoring
# leaves them out; none may be added.
SHARED_WITH_TRAINING = 123


def test_blind_messages_never_go_into_training():
    training = {normalise(text) for text, _ in labelled(str(TRAINING))}
    shared = [text for text, _ in labelled(str(BLIND)) if normalise(text) in training]
    assert len(shared) <= SHARED_WITH_TRAINING
