"""How well the trained model understands messages it never saw in training."""
import asyncio
from collections import Counter
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "assistant.tar.gz"
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
FAQ_INTENTS = [
    "ask_how_it_works", "ask_what_are_stem_cells", "ask_cell_source", "ask_procedure",
    "ask_pain", "ask_downtime", "ask_results_timeline", "ask_effectiveness", "ask_cost",
    "ask_insurance", "ask_risks", "ask_fda_status", "ask_candidacy",
    "ask_hair_loss_causes", "ask_vs_transplant", "ask_vs_medication", "ask_prp",
    "ask_exosomes", "ask_benefits", "ask_locations",
]


def counts_as(prediction, gold):
    """Below the fallback threshold Rasa predicts nlu_fallback, which gets the
    same "here is what I can help with" reply as out_of_scope."""
    return prediction == gold or (gold == "out_of_scope" and prediction == "nlu_fallback")


def normalise(text):
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def holdout():
    return [(ex.get("text"), ex.get("intent")) for ex in load_data(str(HOLDOUT)).intent_examples]


@pytest.fixture(scope="module")
def predictions(holdout):
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))

    async def parse_all():
        return [(await agent.parse_message(text))["intent"]["name"] for text, _ in holdout]

    return asyncio.run(parse_all())


def test_holdout_never_appears_in_training(holdout):
    training = {normalise(ex.get("text")) for ex in load_data(str(ROOT / "data" / "nlu")).intent_examples}
    leaked = [text for text, _ in holdout if normalise(text) in training]
    assert leaked == []


def test_holdout_covers_every_intent_with_eight_messages(holdout):
    counts = Counter(intent for _, intent in holdout)
    training_intents = {ex.get("intent") for ex in load_data(str(ROOT / "data" / "nlu")).intent_examples}
    assert set(counts) == training_intents
    assert min(counts.values()) >= 8


def test_training_has_fifteen_examples_per_faq_topic():
    counts = Counter(ex.get("intent") for ex in load_data(str(ROOT / "data" / "nlu")).intent_examples)
    assert all(counts[intent] >= 15 for intent in FAQ_INTENTS), counts


def test_intent_accuracy_at_least_092(holdout, predictions):
    correct = sum(counts_as(pred, gold) for pred, (_, gold) in zip(predictions, holdout))
    misses = [(t, g, p) for p, (t, g) in zip(predictions, holdout) if not counts_as(p, g)]
    assert correct / len(holdout) >= 0.92, misses


def test_every_faq_topic_f1_at_least_085(holdout, predictions):
    low = {}
    for intent in FAQ_INTENTS:
        tp = sum(p == intent and g == intent for p, (_, g) in zip(predictions, holdout))
        fp = sum(p == intent and g != intent for p, (_, g) in zip(predictions, holdout))
        fn = sum(p != intent and g == intent for p, (_, g) in zip(predictions, holdout))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 < 0.85:
            low[intent] = round(f1, 2)
    assert low == {}
