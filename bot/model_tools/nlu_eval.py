"""Scores a trained model on a labelled NLU file (the held-out set).

Shared by tests/integration/test_nlu_holdout.py and `make bench`, so both
report the same numbers. What counts is the intent the classifier ranks
first, even when the assistant asks "did you mean...?" (`nlu_fallback`) rather
than answer; but an out_of_scope message that gets that question counts as
right, since it offers the clinic's contacts. A message answered as
`several_topics` counts as right when its topics include the labelled one.

Usage: python -m bot.model_tools.nlu_eval [--unseen-only] MODEL.tar.gz tests/nlu_holdout.yml OUT.json
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


FALLBACK = "nlu_fallback"
SEVERAL_TOPICS = "several_topics"


def counts_as(prediction: str, gold: str) -> bool:
    """`prediction` is the classifier's first intent, or "nlu_fallback>X" when
    the assistant asked instead of answering X, or "several_topics:A,B"."""
    decided, _, ranked_first = prediction.partition(">")
    if decided == FALLBACK:
        return ranked_first == gold or gold == "out_of_scope"
    name, _, topics = prediction.partition(":")
    if name == SEVERAL_TOPICS and topics:
        return gold == SEVERAL_TOPICS or gold in topics.split(",")
    return prediction == gold


def ranked_first(prediction: str) -> str:
    """The classifier's first intent in an encoded prediction."""
    decided, _, first = prediction.partition(">")
    return first if decided == FALLBACK else prediction.partition(":")[0]


def _prediction(parsed: Dict) -> str:
    name = parsed["intent"]["name"]
    if name == FALLBACK:
        ranked = [r["name"] for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK]
        return f"{FALLBACK}>{ranked[0] if ranked else ''}"
    if name == SEVERAL_TOPICS:
        return f"{SEVERAL_TOPICS}:{','.join(parsed.get('topics') or [])}"
    return name


def predict(model_path: str, texts: List[str]) -> List[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)

    async def parse_all() -> List[str]:
        return [_prediction(await agent.parse_message(text)) for text in texts]

    return asyncio.run(parse_all())


def f1_per_intent(pairs: List[Tuple[str, str]]) -> Dict[str, float]:
    """pairs: (prediction, gold)."""
    scores = {}
    for intent in sorted({gold for _, gold in pairs}):
        tp = sum(counts_as(p, g) and g == intent for p, g in pairs)
        fp = sum(ranked_first(p) == intent and not counts_as(p, g) for p, g in pairs)
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
    pairs = list(zip(predictions, [gold for _, gold in examples], strict=True))
    f1 = f1_per_intent(pairs)
    return {
        "examples": len(examples),
        "skipped_as_in_training": skipped,
        "intent_accuracy": sum(counts_as(p, g) for p, g in pairs) / len(pairs),
        "macro_f1": sum(f1.values()) / len(f1),
        "f1_per_intent": f1,
        "errors": [
            {"text": text, "gold": gold, "predicted": pred}
            for (text, gold), pred in zip(examples, predictions, strict=True)
            if not counts_as(pred, gold)
        ],
    }


if __name__ == "__main__":
    unseen = "--unseen-only" in sys.argv
    model, data, out_path = [a for a in sys.argv[1:] if a != "--unseen-only"]
    with open(out_path, "w") as out:
        json.dump(evaluate(model, data, unseen_only=unseen), out, indent=1)
