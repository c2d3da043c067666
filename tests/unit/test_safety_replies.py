"""The safety replies (utter_safety_* in domain.yml): what they must say, in
English and Spanish, and what they must never do (sell, offer buttons)."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
SAFETY = {name: variants for name, variants in RESPONSES.items() if name.startswith("utter_safety_")}
REQUIRED = {
    "utter_safety_emergency": ["911", "emergency room", "{clinic_phone}"],
    "utter_safety_self_harm": ["988", "911"],
    "utter_safety_poisoning": ["1-800-222-1222", "911"],
    "utter_safety_too_long": ["{clinic_phone}", "911"],
    "utter_safety_warning_signs": ["911", "spreading redness", "fever", "severe pain", "trouble breathing"],
}
SPANISH = {"utter_safety_emergency", "utter_safety_self_harm", "utter_safety_poisoning", "utter_safety_too_long"}


def variant(name, language):
    for v in SAFETY[name]:
        condition = {c["name"]: c["value"] for c in v.get("condition", [])}
        if condition.get("language", "en") == language:
            return v
    raise AssertionError(f"{name} has no {language} variant")


def test_every_safety_reply_is_checked_here():
    assert set(SAFETY) == set(REQUIRED)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_english_reply_says_what_to_do(name):
    text = variant(name, "en")["text"]
    for needed in REQUIRED[name]:
        assert needed in text, f"{name} lacks {needed!r}"


@pytest.mark.parametrize("name", sorted(SPANISH))
def test_spanish_reply_gives_the_same_numbers(name):
    text = variant(name, "es")["text"]
    for needed in REQUIRED[name]:
        if any(ch.isdigit() for ch in needed) or needed.startswith("{"):  # numbers, not words
            assert needed in text, f"{name} (es) lacks {needed!r}"
    assert "llame" in text.lower()


def test_crisis_and_poison_lines_say_they_answer_in_spanish():
    assert "español" in variant("utter_safety_self_harm", "es")["text"]
    assert "español" in variant("utter_safety_poisoning", "es")["text"]


@pytest.mark.parametrize("name", sorted(SAFETY))
def test_no_sales_pitch_and_no_buttons(name):
    for v in SAFETY[name]:
        lowered = v["text"].lower()
        for pitch in ("book", "assessment", "$", "free", "price", "cita gratis", "reservar"):
            assert pitch not in lowered, f"{name} pitches: {pitch}"
        assert "buttons" not in v


def test_safety_rules_send_nothing_after_the_reply_but_the_alert():
    rules = yaml.safe_load((ROOT / "data" / "rules" / "safety.yml").read_text())["rules"]
    for rule in rules:
        actions = [step["action"] for step in rule["steps"] if "action" in step]
        assert actions[0].startswith("utter_safety_"), rule["rule"]
        assert set(actions[1:]) <= {"action_deactivate_loop", "action_alert_clinic", "lead_form"}, rule["rule"]
