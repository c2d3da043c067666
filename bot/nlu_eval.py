"""Scores a trained model on a labelled NLU file (the held-out set).

Shared by tests/integration/test_nlu_holdout.py and `make bench`, so both
report the same numbers. Below the fallback threshold Rasa predicts
`nlu_fallback`, which gets the same "here is what I can help with" reply as
`out_of_scope`; for an out_of_scope message that counts as right.

Usage: python -m bot.nlu_eval [--unseen-only] MODEL.tar.gz tests/nlu_holdout.yml OUT.json
(Rasa logs to stdout, so the report goes to a file.)
"""
import asyncio
import json
import sys
from typing import Dict, List, Tuple

from rasa.shared.nlu.training_data.loading import load_data

TRAINING_DATA = "data/nlu"


def labelled(path: str) -> List[Tuple[str, str]]:
    return [(ex.get("text"), ex.get("intent")) for ex in load_data(path).intent_examples]


def counts_as(prediction: str, gold: str) -> bool:
    return prediction == gold or (gold == "out_of_scope" and prediction == "nlu_fallback")


def predict(model_path: str, texts: List[str]) -> List[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)

    async def parse_all() -> List[str]:
        return [(await agent.parse_message(text))["intent"]["name"] for text in texts]

    return asyncio.run(parse_all())


def f1_per_intent(pairs: List[Tuple[str, str]]) -> Dict[str, float]:
    """pairs: (prediction, gold)."""
    scores = {}
    for intent in sorted({gold for _, gold in pairs}):
        tp = sum(counts_as(p, g) and g == intent for p, g in pairs)
        fp = sum(p == intent and g != intent for p, g in pairs)
        fn = sum(not counts_as(p, g) and g == intent for p, g in pairs)
        scores[intent] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return scores


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def evaluate(model_path: str, data_path: str, unseen_only: bool = False) -> Dict[str, object]:
    """Scores the model on a labelled file. unseen_only leaves out the
    messages that stand word for word in the training data (data/nlu): a set
    written apart from it can still share stock phrases ("hi", "price?"),
    and those measure memory, not understanding."""
    examples = labelled(data_path)
    skipped = 0
    if unseen_only:
        training = {normalise(text) for text, _ in labelled(TRAINING_DATA)}
        kept = [(t, i) for t, i in examples if normalise(t) not in training]
        skipped, examples = len(examples) - len(kept), kept
    predictions = predict(model_path, [text for text, _ in examples])
    pairs = list(zip(predictions, [gold for _, gold in examples]))
    f1 = f1_per_intent(pairs)
    return {
        "examples": len(examples),
        "skipped_as_in_training": skipped,
        "intent_accuracy": sum(counts_as(p, g) for p, g in pairs) / len(pairs),
        "macro_f1": sum(f1.values()) / len(f1),
        "f1_per_intent": f1,
        "errors": [
            {"text": text, "gold": gold, "predicted": pred}
            for (text, gold), pred in zip(examples, predictions)
            if not counts_as(pred, gold)
        ],
    }


if __name__ == "__main__":
    unseen = "--unseen-only" in sys.argv
    model, data, out_path = [a for a in sys.argv[1:] if a != "--unseen-only"]
    with open(out_path, "w") as out:
        json.dump(evaluate(model, data, unseen_only=unseen), out, indent=1)
