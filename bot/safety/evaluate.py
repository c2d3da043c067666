"""Scores the safety check on a labelled set (tests/safety/*.yml).

Shared by tests/safety/test_safety_sets.py (the CI gate) and `make bench`, so
both report the same figures. Each message goes through the trained model's
whole NLU pipeline, as a visitor's would, and the outcome is what
bot/safety/component.py decided.

Usage: python -m bot.safety.evaluate MODEL.tar.gz OUT.json SET.yml [SET.yml ...]
writes {set name: scores} for every set, with the model loaded once.
"""

import asyncio
import json
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

from bot.safety.examples import BENIGN, load_set


@lru_cache(maxsize=2)
def _agent(model_path: str):
    # Loading the model takes longer than scoring a set: the CI gate and
    # `make bench` score every set with one loaded copy. Parsing keeps no
    # state between messages, so sharing it changes no figure.
    from rasa.core.agent import Agent

    return Agent.load(model_path)


def outcomes(model_path: str, texts: List[str]) -> List[Dict[str, object]]:
    agent = _agent(model_path)

    async def parse_all() -> List[Dict[str, object]]:
        results = []
        for text in texts:
            parsed = await agent.parse_message(text)
            language = next(
                (e["value"] for e in parsed.get("entities", []) if e.get("entity") == "language"),
                None,
            )
            results.append({**parsed["safety"], "language": language})
        return results

    return asyncio.run(parse_all())


def score(messages: List[Dict[str, str]], decided: List[Dict[str, object]]) -> Dict[str, object]:
    labels = Counter(m["label"] for m in messages)
    missed = [
        {"text": m["text"], "label": m["label"], "decided": d["outcome"]}
        for m, d in zip(messages, decided, strict=True)
        if m["label"] != BENIGN and d["outcome"] == "none"
    ]
    other_category = [
        {"text": m["text"], "label": m["label"], "decided": d["outcome"]}
        for m, d in zip(messages, decided, strict=True)
        if m["label"] != BENIGN and d["outcome"] not in ("none", m["label"])
    ]
    false_alarms = [
        {"text": m["text"], "decided": d["outcome"], "signal": d["signal"]}
        for m, d in zip(messages, decided, strict=True)
        if m["label"] == BENIGN and d["outcome"] != "none"
    ]
    wrong_language = [
        {"text": m["text"], "lang": m.get("lang"), "decided": d["language"]}
        for m, d in zip(messages, decided, strict=True)
        if m["label"] != BENIGN and m.get("lang") and d["language"] != m["lang"]
    ]
    urgent = sum(n for label, n in labels.items() if label != BENIGN)
    signals = Counter(str(d["signal"]) for m, d in zip(messages, decided, strict=True) if m["label"] != BENIGN)
    return {
        "messages": len(messages),
        "labels": dict(labels),
        "recall": (urgent - len(missed)) / urgent if urgent else 1.0,
        "recall_by_label": {
            label: 1 - sum(x["label"] == label for x in missed) / n for label, n in labels.items() if label != BENIGN
        },
        "false_alarm_rate": len(false_alarms) / labels[BENIGN] if labels[BENIGN] else 0.0,
        "signals_on_urgent": dict(signals),
        "missed": missed,
        "other_category": other_category,
        "false_alarms": false_alarms,
        "wrong_language": wrong_language,
    }


def evaluate(model_path: str, set_path: str) -> Dict[str, object]:
    messages = load_set(Path(set_path))
    return score(messages, outcomes(model_path, [m["text"] for m in messages]))


if __name__ == "__main__":
    model, out_path, *set_paths = sys.argv[1:]
    reports = {Path(path).stem: evaluate(model, path) for path in set_paths}
    with open(out_path, "w") as out:
        json.dump(reports, out, indent=1)
