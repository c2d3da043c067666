"""domain.yml's intents are the one list of FAQ topics: every `ask_*` intent
has what README.md's "Adding an FAQ" asks for, and nothing else has one."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
TOPICS = sorted(i for i in DOMAIN["intents"] if isinstance(i, str) and i.startswith("ask_"))
# Locations are configuration, answered by a custom action.
ANSWER = {topic: f"utter_{topic}" for topic in TOPICS}
ANSWER["ask_locations"] = "action_answer_locations"


def nlu_counts(path):
    data = yaml.safe_load(path.read_text()) or {}
    return Counter(
        {
            block["intent"]: len([line for line in block["examples"].splitlines() if line.strip().startswith("- ")])
            for block in data.get("nlu", [])
            if "intent" in block
        }
    )


def steps_of(path, key):
    return yaml.safe_load(path.read_text())[key]


TRAINING = sum((nlu_counts(p) for p in sorted((ROOT / "data" / "nlu").glob("*.yml"))), Counter())
HOLDOUT = nlu_counts(ROOT / "tests" / "nlu_holdout.yml")
RULES = steps_of(ROOT / "data" / "rules" / "faq.yml", "rules")
STORIES = steps_of(ROOT / "tests" / "e2e" / "test_faq_stories.yml", "stories")
TITLES = yaml.safe_load((ROOT / "actions" / "topic_titles.yml").read_text())
NOT_AN_ANSWER = next(m["not_intent"] for m in DOMAIN["slots"]["lead_city"]["mappings"] if m.get("not_intent"))


def test_there_are_faq_topics():
    assert len(TOPICS) >= 20


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_has_its_answer(topic):
    answer = ANSWER[topic]
    assert answer in DOMAIN["responses"] or answer in DOMAIN["actions"]


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_has_training_and_held_out_examples(topic):
    assert TRAINING[topic] >= 40 and HOLDOUT[topic] >= 8


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_has_a_clarification_title(topic):
    assert TITLES.get(topic, "").strip()


def test_only_intents_of_the_domain_have_titles():
    intents = {i if isinstance(i, str) else next(iter(i)) for i in DOMAIN["intents"]}
    assert set(TITLES) <= intents


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_has_both_rules(topic):
    matching = [r for r in RULES if {"intent": topic} in r["steps"]]
    in_form = [r for r in matching if r.get("condition")]
    assert len(matching) == 2 and len(in_form) == 1
    for rule in matching:
        assert {"action": ANSWER[topic]} in rule["steps"]


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_has_an_e2e_story(topic):
    assert any(any(step.get("intent") == topic for step in story["steps"]) for story in STORIES)


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_is_never_taken_as_a_form_answer(topic):
    assert topic in NOT_AN_ANSWER
