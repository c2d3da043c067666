"""The red-flag screen: does a message report an emergency, self-harm or a
poisoning? Pure Python over the reviewed list in data/safety/red_flags.yml.

It reads the whole message, whatever its length. A pattern runs only on a
clause holding a literal every match needs (bot/safety/literals.py): most
clauses hold none of most patterns' words, and skipping them cut the check's
median from 1.9 to 0.6 ms a message. The NLU component (bot/safety/component.py)
combines it with the classifier's own signal; the channels use it only to
keep the red-flag passages of a message too long to pass on whole.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Pattern, Tuple

import yaml

from bot.safety.literals import PatternList

RED_FLAGS_FILE = Path(__file__).resolve().parents[2] / "data" / "safety" / "red_flags.yml"

EMERGENCY = "emergency"
SELF_HARM = "self_harm"
POISONING = "poisoning"
NONE = "none"
OUTCOMES = (EMERGENCY, SELF_HARM, POISONING)
# The rule named when a temperature reading decides.
FEVER_RULE = "fever of 100.4 F / 38 C or more"

# Clause ends; a full stop inside a number ("100.8") is not one.
_CLAUSE_END = re.compile(r"[!?;\n]+|\.+(?!\d)|\s-\s|,\s*(?:but|and|so|pero|y)\s|,\s*(?=(?:i'?m|im)\s)")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
# A temperature word, then within a few words a number: "temp is 102",
# "fever of 38.5", "fiebre de 39 grados".
_TEMPERATURE = re.compile(
    r"\b(fe?ve?r\w*|fevr|feaver|te?mp|temps|tempe?r?a?t\w*|tempature|thermometer|reading|fiebre|calentura|temperatura)\b"
    r"[^0-9]{0,25}?(\d{2,3}(?:[.,]\d{1,2})?)\s*(°|º|deg\w*|grados|f\b|c\b)?"
    r"|(\d{2,3}(?:[.,]\d{1,2})?)\s*(°|º|deg\w*|grados)\s*(f|c)?\b.{0,25}\b(fever|temp\w*|fiebre|calentura)?"
)


def normalise(text: str) -> str:
    """Lower case, accents removed, quotes straightened, white space folded."""
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class Verdict:
    outcome: str
    rule: Optional[str] = None  # the pattern (or "fever") that decided it
    clause: Optional[str] = None  # where it was found, for excerpts

    @property
    def flagged(self) -> bool:
        return self.outcome != NONE


@dataclass
class RedFlags:
    order: List[str]
    always: Dict[str, PatternList]
    reported: Dict[str, PatternList]
    # The reported signs without the fever words, for a clause whose written
    # temperature decides by its number.
    reported_unless_reading: Dict[str, PatternList]
    idioms: PatternList
    negation: Pattern
    question_only: Pattern
    past: Pattern
    hearsay: Pattern
    asks_about_risk: Pattern
    resolved: Pattern
    hypothetical: Pattern
    present: Pattern
    immediate: Pattern
    never_resolved: Pattern
    after_treatment: Pattern
    without_intent: Pattern

    @classmethod
    def load(cls, path: Path = RED_FLAGS_FILE) -> "RedFlags":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))

        def many(patterns: List[str]) -> PatternList:
            return PatternList([re.compile(p) for p in patterns or []])

        categories = data["categories"]
        return cls(
            order=list(data["order"]),
            always={k: many(v.get("always")) for k, v in categories.items()},
            reported={k: many(v.get("reported")) for k, v in categories.items()},
            reported_unless_reading={
                k: many([p for p in v.get("reported") or [] if "fever" not in p]) for k, v in categories.items()
            },
            idioms=many(data["idioms"]),
            negation=re.compile(data["negation"]),
            question_only=re.compile(data["question_only"].strip()),
            past=re.compile(data["past"].strip()),
            hearsay=re.compile(data["hearsay"].strip()),
            asks_about_risk=re.compile(data["asks_about_risk"].strip()),
            resolved=re.compile(data["resolved"].strip()),
            hypothetical=re.compile(data["hypothetical"].strip()),
            present=re.compile(data["present"].strip()),
            immediate=re.compile(data["immediate"].strip()),
            never_resolved=re.compile(data["never_resolved"].strip()),
            after_treatment=re.compile(data["after_treatment"].strip()),
            without_intent=re.compile(data["without_intent"].strip()),
        )


@lru_cache(maxsize=1)
def red_flags() -> RedFlags:
    return RedFlags.load()


def _negated(clause: str, start: int) -> bool:
    """A negation among the three words before a match ("no fever", "not
    bleeding"), or before a short list of signs ("nothing is red or oozing"),
    unless a "but" comes between them."""
    before = clause[max(0, start - 60) : start].split()
    words = " ".join(before[-3:])
    if re.search(r"\b(or|nor)\b", words):
        words = " ".join(before[-6:])
    if re.search(r"\b(but|pero)\b", words):
        words = re.split(r"\b(?:but|pero)\b", words)[-1]
    return bool(red_flags().negation.search(words))


def _first_match(patterns: PatternList, clause: str, negatable: bool = True) -> Optional[str]:
    for _, pattern in patterns.candidates(clause):
        for match in pattern.finditer(clause):
            if not (negatable and _negated(clause, match.start())):
                return pattern.pattern
    return None


# A temperature written alone: "101.2 this morning", "102 now", "39.5c".
_BARE_TEMPERATURE = re.compile(
    r"(?<![$\d.,])\b(1(?:0[0-6])(?:[.,]\d)?|3[89](?:[.,]\d)?|4[0-2](?:[.,]\d)?)"
    r"(?:\s*(°|º|deg\w*|f\b|c\b)|(?=\s+(?:this morning|now|tonight|today|last night|rn|and rising|since)\b))"
)
# A reading after "at"/"hit": "I'm at 38.9", "she hit 102 tonight".
_AT_TEMPERATURE = re.compile(
    r"\b(?:i'?m at|im at|is at|was at|at|hit|hitting|reading|reads|running|spiked to|up to)\s+"
    r"(1(?:0[0-6])(?:[.,]\d)?|3[89](?:[.,]\d)?|4[0-2](?:[.,]\d)?)\b(?![.,]?\d)"
    r"(?=\s*($|[.,!?;]|°|º|(and|this|now|tonight|today|last|since|after|with|degrees|deg|f|c|fever|temp\w*|rn|again|already)\b))"
)
# A number, then the temperature word: "running 101 temp", "38.5 de fiebre".
_NUMBER_THEN_WORD = re.compile(
    r"(?<![$\d.,])\b(\d{2,3}(?:[.,]\d{1,2})?)\s*(°|º|deg\w*|grados|f\b|c\b)?\s*"
    r"(?:(?:de|of|a|degree|degrees)\s+)?(?:fe?ve?r\w*|te?mp\w*|fiebre|calentura|temperatura)\b"
)


# Right before a whole number with no unit, these make it an age. Not "now":
# "hot all day and now 40 now" is a reading.
_AGE_BEFORE = re.compile(r"\b(i'?m|im|i am|he'?s|she'?s|he is|she is|turned|turning|aged?)\s+$")

# A clause that is nothing but a reading with its decimal: "101.2", "38,9".
_ONLY_A_READING = re.compile(r"^(10[0-6][.,]\d|3[89][.,]\d|4[0-2][.,]\d)$")


def _readings(clause: str) -> List[Tuple[float, str, int]]:
    """Every temperature written in a clause: (value, unit, where)."""
    found = []
    alone = _ONLY_A_READING.match(clause.strip())
    if alone:
        found.append((float(alone.group(1).replace(",", ".")), "", 0))
    for match in _BARE_TEMPERATURE.finditer(clause):
        if (
            not match.group(2)
            and match.group(1).isdigit()
            and int(match.group(1)) < 100
            and _AGE_BEFORE.search(clause[: match.start()])
        ):
            continue  # "I'm 40 now": an age, not 40 °C ("I'm 102 now" still counts)
        found.append((float(match.group(1).replace(",", ".")), (match.group(2) or "").strip(), match.start()))
    for match in _AT_TEMPERATURE.finditer(clause):
        found.append((float(match.group(1).replace(",", ".")), "", match.start()))
    for match in _NUMBER_THEN_WORD.finditer(clause):
        found.append((float(match.group(1).replace(",", ".")), (match.group(2) or "").strip(), match.start()))
    for match in _TEMPERATURE.finditer(clause):
        raw = match.group(2) or match.group(4)
        if not raw or (not match.group(1) and not match.group(7)):
            continue  # a number with degrees but no temperature word ("30 degrees outside")
        unit = (match.group(3) or match.group(5) or match.group(6) or "").strip()
        found.append((float(raw.replace(",", ".")), unit, match.start()))
    return found


def _is_fever(value: float, unit: str) -> bool:
    """100.4 °F or 38 °C and up; without a unit, the number says which."""
    celsius = (
        unit.startswith("c")
        or (unit in ("°", "º", "grados") and value < 50)
        or (not unit.startswith("f") and 34 <= value <= 45)
    )
    if celsius:
        return 38 <= value <= 43
    return 100.4 <= value <= 110


def _fever(clause: str, readings: List[Tuple[float, str, int]]) -> bool:
    """Whether any of the clause's readings is a fever it does not negate."""
    return any(_is_fever(value, unit) and not _negated(clause, where) for value, unit, where in readings)


_SUPPOSING = re.compile(
    r"\b(if|in case|suppose|say) (i|you|he|she|we|they|someone|(the|my|his|her) [a-z]+( [a-z]+)?) "
    r"(have|has|get|gets|develop|develops|run|runs|start|starts|started|had|got|kept|keeps)\b( a| an)?"
)
_PAST_TENSE = re.compile(r"\b(had|was|were|got|swelled|bled|started|began|went|developed|tuve|tenia|tuvo)\b")


def _clauses_of(normalised: str) -> List[str]:
    idioms = red_flags().idioms
    remaining = idioms.candidates(normalised)
    while remaining:
        index, idiom = remaining.pop(0)
        changed = idiom.sub(" ", normalised)
        if changed != normalised:
            # What is left may now hold a later idiom's words.
            normalised = changed
            remaining = idioms.candidates(normalised, start=index + 1)
    return [c.strip() for c in _CLAUSE_END.split(normalised) if c and c.strip()]


def clauses(text: str) -> List[str]:
    return _clauses_of(normalise(text))


def _reports_now(clause: str) -> bool:
    # "if I have a fever on the day..." supposes; it reports nothing.
    return bool(red_flags().present.search(_SUPPOSING.sub(" ", clause)))


def _clause_verdict(clause: str) -> Tuple[Optional[str], Optional[str]]:
    flags = red_flags()
    reports_now = _reports_now(clause)
    only_asks = bool(flags.question_only.search(clause)) and not reports_now
    asks = bool(flags.asks_about_risk.search(clause))
    hypothetical = only_asks or asks or (bool(flags.hypothetical.search(clause)) and not reports_now)
    # A written temperature is a reading, not a risk: "my temp is 101, is
    # that a fever?" counts; "what if I get a fever of 101?" does not.
    about_a_reading = only_asks or (not reports_now and (asks or bool(flags.hypothetical.search(clause))))
    # Self-harm statements count even when negated, framed as a question
    # ("I'm not saying I'd kill myself, but...") or told of: recall first.
    self_harm_rule = _first_match(flags.always[SELF_HARM], clause, negatable=False)
    told_of = flags.past.search(clause) or (flags.hearsay.search(clause) and not flags.immediate.search(clause))
    if told_of and not self_harm_rule:
        return None, None
    for outcome in flags.order:
        if outcome == SELF_HARM:
            rule = self_harm_rule
        elif not only_asks:
            rule = _first_match(flags.always[outcome], clause)
        else:
            rule = None
        if rule:
            return outcome, rule
        readings = _readings(clause) if outcome == EMERGENCY else []
        if readings and not about_a_reading and _fever(clause, readings):
            return outcome, FEVER_RULE
        if not hypothetical:
            reported = flags.reported[outcome]
            if readings:
                # A written temperature decides by its number: "my temp is
                # 37.4, is that a fever?" is not one.
                reported = flags.reported_unless_reading[outcome]
            rule = _first_match(reported, clause)
            if rule:
                return outcome, rule
    return None, None


def screen(text: str) -> Verdict:
    """The red-flag verdict for a whole message."""
    flags = red_flags()
    found: Dict[str, Tuple[Optional[str], str]] = {}
    normalised = normalise(text)
    parts = _clauses_of(normalised)
    resolved = bool(flags.resolved.search(normalised))
    # A clause about someone who cannot have meant it ("she has dementia and
    # took all her pills") reads as the poisoning it also is.
    unmeant = [c for c in parts if flags.without_intent.search(c)]
    # Self-harm is also looked for across clause ends ("Took all pills.
    # Intentionally."): its patterns are never negated, so nothing is lost.
    whole = " ".join(c for c in parts if c not in unmeant)
    rule = _first_match(flags.always[SELF_HARM], whole, negatable=False)
    if rule:
        found[SELF_HARM] = (rule, whole)
    for clause in parts:
        outcome, rule = _clause_verdict(clause)
        if outcome == SELF_HARM and clause in unmeant:
            poisoning = _first_match(flags.always[POISONING], clause)
            if poisoning:
                outcome, rule = POISONING, poisoning
        if (
            outcome == EMERGENCY
            and resolved
            and (_PAST_TENSE.search(clause) or flags.resolved.search(clause))
            and not flags.never_resolved.search(clause)
        ):
            continue  # "I had a fever of 101 last week but I'm fine now"
        if outcome and outcome not in found:
            found[outcome] = (rule, clause)
    for outcome in flags.order:
        if outcome in found:
            rule, clause = found[outcome]
            return Verdict(outcome, rule, clause)
    return Verdict(NONE)


def mentions_treatment(text: str) -> bool:
    """Whether the message ties itself to a treatment ("after my injections")."""
    return bool(red_flags().after_treatment.search(normalise(text)))


def excerpt(text: str, limit: int) -> str:
    """A message cut to `limit` characters that keeps its red-flag clauses:
    the flagged clauses first, then the start of the message."""
    if len(text) <= limit:
        return text
    flagged = [c for c in clauses(text) if _clause_verdict(c)[0]]
    kept = " ... ".join(flagged)[: limit // 2]
    head = text[: max(0, limit - len(kept) - 5)]
    return f"{kept} ... {head}" if kept else text[:limit]
