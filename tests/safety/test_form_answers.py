"""Answers typed into the call-back form (names, contact details, places,
short replies) never set off the safety check: a false alarm there would end
the visitor's booking with a crisis line. form_answers.txt was written by a
helper apart from data/safety/form_answers.yml, which the classifier trains on.
"""

from pathlib import Path

from bot.safety.evaluate import outcomes

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = Path(__file__).parent / "form_answers.txt"


def test_no_form_answer_is_taken_for_an_emergency():
    texts = [line.strip() for line in ANSWERS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) >= 300
    decided = outcomes(str(ROOT / "models" / "assistant.tar.gz"), texts)
    flagged = [(text, d["outcome"]) for text, d in zip(texts, decided, strict=True) if d["outcome"] != "none"]
    assert flagged == []
