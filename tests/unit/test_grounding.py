"""Everything the assistant says is grounded in the clinic's guide.

Covers the domain's responses and the texts the custom actions write.
"""

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT.parent / "shared" / "guide" / "stem-cell-therapy-hair-loss-guide.txt"
FACTS = yaml.safe_load((ROOT / "data" / "knowledge" / "facts.yml").read_text())

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
NUMBER_WORDS = re.compile(
    r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
    r"hundreds?|thousands?|millions?|percent)\b",
    re.IGNORECASE,
)


def squash(text):
    return " ".join(text.split())


# Safety guidance (911, 988, Poison Control), not facts from the guide:
# reviewed by a clinician with data/safety/red_flags.yml, and held to their
# own checks in tests/unit/test_safety_replies.py.
SAFETY_PREFIX = "utter_safety_"


def domain_texts():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    for name, variants in domain["responses"].items():
        if name.startswith(SAFETY_PREFIX):
            continue
        for variant in variants:
            texts = [variant.get("text", "")]
            texts += [b["title"] for b in variant.get("buttons", [])]
            for text in texts:
                yield name, text


def action_texts():
    """String parts of utter_message(text=...) calls and question() returns."""
    for path in sorted((ROOT / "actions").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "utter_message":
                targets = [kw.value for kw in node.keywords if kw.arg == "text"]
            elif isinstance(node, ast.FunctionDef) and node.name == "question":
                targets = [n.value for n in ast.walk(node) if isinstance(n, ast.Return)]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        yield f"{path.name}:{node.lineno}", sub.value


ALL_TEXTS = list(domain_texts()) + list(action_texts())
STATED = FACTS["facts"] + FACTS["exceptions"]
ALLOWED_NUMBERS = {n for fact in STATED for n in NUMBER.findall(fact["figure"])}


def test_every_faq_intent_has_its_answer():
    """domain.yml's intents are the one list of FAQ topics."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    topics = {i for i in domain["intents"] if isinstance(i, str) and i.startswith("ask_")}
    answered = {name for name, _ in ALL_TEXTS if name.startswith("utter_ask_")}
    # Locations come from configuration (action_answer_locations).
    assert answered == {f"utter_{t}" for t in topics - {"ask_locations"}}
    assert any(name.startswith("booking.py") for name, _ in ALL_TEXTS)


@pytest.mark.parametrize("fact", FACTS["facts"], ids=lambda f: f["figure"])
def test_every_fact_is_quoted_from_the_guide(fact):
    guide = squash(GUIDE.read_text())
    assert squash(fact["quote"]) in guide
    assert fact["figure"] in fact["quote"]
    assert fact["section"] in guide


@pytest.mark.parametrize("fact", STATED, ids=lambda f: f["figure"])
def test_every_fact_is_used_where_it_says(fact):
    texts = dict(domain_texts_joined())
    for response in fact["used_in"]:
        assert fact["figure"] in squash(texts[response]), response


def domain_texts_joined():
    joined = {}
    for name, text in domain_texts():
        joined[name] = joined.get(name, "") + " " + text
    return joined.items()


@pytest.mark.parametrize("where, text", ALL_TEXTS)
def test_every_number_stated_is_a_fact(where, text):
    numbers = set(NUMBER.findall(text)) - ALLOWED_NUMBERS
    assert not numbers, f"{where} states {numbers}, not in data/knowledge/facts.yml"
    assert not NUMBER_WORDS.search(text), f"{where} states a number in words"


@pytest.mark.parametrize("where, text", ALL_TEXTS)
def test_no_claim_of_fda_approval_or_promised_results(where, text):
    lowered = text.lower()
    assert "fda-approved" not in lowered and "fda approved" not in lowered
    assert "fda cleared" not in lowered
    for promise in ("guarantee", "will regrow", "will grow back", "permanent", "cure"):
        assert promise not in lowered, f"{where} promises: {promise}"


def test_fda_answer_says_investigational_and_awaiting_approval():
    text = dict(domain_texts_joined())["utter_ask_fda_status"].lower()
    assert "investigational" in text and "awaiting fda approval" in text


def test_risks_answer_lists_the_guides_risks():
    text = squash(dict(domain_texts_joined())["utter_ask_risks"].lower())
    for risk in ("infection", "temporary pain", "allergic", "unregulated", "long-term data"):
        assert risk in text
