"""The safety check, as a Rasa NLU component that runs on every message.

It sits last in config.yml's pipeline, after the intent classifier and the
FallbackClassifier, so every channel (REST, widget, SMS, `rasa shell`) passes
through it before rules, forms or fallbacks see the message. It combines two
signals, so that each covers the other's blind spots:
- the reviewed red-flag list (bot/safety/screen.py, data/safety/red_flags.yml),
  which reads the whole message;
- a learned signal: its own classifier (word and character n-grams, logistic
  regression) trained on the NLU's emergency, self_harm and poisoning
  examples against every other NLU example, and on the development splits in
  data/safety/examples/ (bot/safety/examples.py): messages written blind,
  from the clinic's definitions, in the wordings visitors use. It reads
  Spanish, shorthand and negations as they were written there.
An outcome other than "none" replaces the intent at full confidence, so the
safety rules (data/rules/safety.yml) win. A safety intent that neither signal
supports is taken back, so a benign question that merely shares words with a
symptom keeps its FAQ answer. The decision is recorded in the parse data under
"safety" (outcome, which signal, whether a treatment was mentioned).

Every message also gets a `language` entity ("en" or "es"), which fills the
`language` slot that picks the Spanish variants of the safety replies.
"""

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safety import classifier as learned
from bot.safety import examples
from bot.safety.language import SPANISH, language_of
from bot.safety.screen import EMERGENCY, FEVER_RULE, NONE, OUTCOMES, POISONING, SELF_HARM, mentions_treatment, screen

logger = logging.getLogger(__name__)

TOO_LONG = "message_too_long"
# Spanish that is not urgent: the assistant answers in English only, so it
# says so in Spanish rather than guess an English FAQ answer.
OTHER_LANGUAGE = "other_language"
SAFETY_INTENTS = set(OUTCOMES) | {TOO_LONG}
CLASSIFIER_FILE = "safety_classifier.skops"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SafetyCheck(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # The development splits the classifier also learns from.
            "examples": "data/safety/examples",
            # Names, places and contact details, as typed into the call-back
            # form: none of them is urgent, however short.
            "form_answers": "data/safety/form_answers.yml",
            # The classifier raises the alarm when the message is at least this
            # likely to be urgent (any of the three outcomes). Chosen by
            # leaving each development split out in turn and scoring it
            # (tests/safety/README.md), never on tests/safety/gated.yml. At
            # stop 13 (nine splits), 0.4 missed none and 0.35 none; the two
            # least likely urgent messages the classifier alone had to catch
            # read 0.425 and 0.479, so 0.35 for a margin. At stop 14 (fourteen
            # splits, 4,078 benign, 1,809 urgent), 0.35 misses none with 2.5%
            # false alarms, and the least likely such message reads 0.402.
            # Recall comes first.
            "alarm_threshold": 0.35,
            # Shorter messages ("goodbye for now", "no sorry", "Lee Wong")
            # carry too few words for the classifier to tell a farewell from
            # a goodbye: the red-flag list alone reads them. Leaving each
            # development split out in turn, 2 of about 2,000 urgent messages
            # were caught by the classifier alone with fewer words.
            "model_min_words": 5,
            # A red-flag pattern needs this much support from the classifier
            # wherever the classifier can read the message: figures of speech
            # ("my bald spot is giving me a heart attack") match a pattern
            # but read as benign to a model trained on how people report
            # symptoms. A temperature reading needs no support: it is a fact,
            # not a wording. Without any support rule, leaving each of
            # thirteen development splits out in turn raises 7.9% false
            # alarms; with 0.05, 2.5%. 0.03 (2.6%) because real reports read
            # as low as 0.065 there ("what's the least painful way to go. I'm
            # done"): recall comes first (tests/safety/README.md). At stop 15
            # (seventeen splits, 5,130 benign, 2,790 urgent), self-harm
            # reports read as low as 0.053, but emergencies only 0.222 and
            # poisonings 0.29, so those two need 0.1: 116 false alarms
            # instead of 129, none more missed.
            "pattern_min_support": {EMERGENCY: 0.1, POISONING: 0.1, SELF_HARM: 0.03},
            # ...and an emergency told in a clause of this many words or
            # fewer needs none ("theres so much blood. the graft site ripped
            # open..."): a terse report is no figure of speech, and the rest
            # of the message can pull the classifier below any support. Two
            # such messages (dev16, dev18) read 0.043 and 0.048 when left out;
            # the rule adds no false alarm there.
            "terse_report_words": 4,
            # Where both raise the alarm, the classifier's self-harm or
            # poisoning replaces the list's emergency only if the classifier
            # finds that outcome itself this likely. Leaving each of sixteen
            # splits out (stop 15), overriding at any likelihood gave a
            # stroke told by a daughter the self-harm reply (0.29); at 0.4 it
            # keeps the emergency and no other reply changes. Without any
            # override, 26 urgent messages there would get a reply lacking
            # 988 or Poison Control.
            "override_probability": 0.4,
            # Longer messages get no classifier answer ("please send a
            # shorter message"); the red-flag list still reads all of them.
            "max_nlu_chars": 2000,
            "fallback_threshold": 0.3,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifier: Optional[Any] = None,
    ) -> None:
        self.examples = Path(config["examples"])
        self.form_answers = Path(config["form_answers"])
        self.alarm_threshold = float(config["alarm_threshold"])
        self.model_min_words = int(config["model_min_words"])
        self.pattern_min_support = {k: float(v) for k, v in config["pattern_min_support"].items()}
        self.terse_report_words = int(config["terse_report_words"])
        self.override_probability = float(config["override_probability"])
        self.max_nlu_chars = int(config["max_nlu_chars"])
        self.fallback_threshold = float(config["fallback_threshold"])
        self.model_storage = model_storage
        self.resource = resource
        self.scorer = learned.Scorer(classifier) if classifier is not None else None

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        # The examples are not Rasa training data: without this, Rasa would
        # reuse a classifier trained on older examples.
        config = {**cls.get_default_config(), **config}  # Rasa may pass only what config.yml sets
        sources = examples.files(Path(config["examples"])) + [Path(config["form_answers"])]
        return examples.fingerprint_files(sources)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafetyCheck":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SafetyCheck":
        try:
            with model_storage.read_from(resource) as directory:
                classifier = learned.load(directory / CLASSIFIER_FILE)
        except (ValueError, FileNotFoundError):
            # Without its learned half the check still has the red-flag list.
            logger.warning("Safety classifier not found; using the red-flag list alone.")
            classifier = None
        return cls(config, model_storage, resource, classifier)

    def train(self, training_data: TrainingData) -> Resource:
        """Each safety outcome against everything else ("none"): the NLU's
        intent examples and the development splits' messages."""
        texts, labels = [], []
        for example in training_data.intent_examples:
            intent = example.get(INTENT)
            if intent != TOO_LONG and example.get(TEXT):
                texts.append(example.get(TEXT))
                labels.append(intent if intent in OUTCOMES else NONE)
        for text, label in examples.load_examples(self.examples):
            texts.append(text)
            labels.append(label if label in OUTCOMES else NONE)
        for text in examples.form_answers(self.form_answers):
            texts.append(text)
            labels.append(NONE)
        if len(set(labels)) < 2:
            return self.resource
        classifier = learned.new_classifier().fit(texts, labels)
        self.scorer = learned.Scorer(classifier)
        with self.model_storage.write_to(self.resource) as directory:
            learned.save(classifier, directory / CLASSIFIER_FILE)
        return self.resource

    def reads(self, text: str) -> bool:
        """Whether the classifier has a say on this message at all."""
        return self.scorer is not None and len(text) <= self.max_nlu_chars and len(text.split()) >= self.model_min_words

    def model_signal(self, text: str) -> Tuple[str, float, float]:
        """The most likely safety outcome, how likely any of them is, and how
        likely that one is."""
        if self.scorer is None or not self.reads(text):
            return NONE, 0.0, 0.0
        probabilities = self.scorer.probabilities(text)
        urgent = {o: p for o, p in probabilities.items() if o in OUTCOMES}
        if not urgent:
            return NONE, 0.0, 0.0
        top = max(urgent, key=urgent.__getitem__)
        return top, float(sum(urgent.values())), float(urgent[top])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process(message)
        return messages

    def decide(
        self, text: str, model_outcome: str, confidence: float, model_probability: float
    ) -> Tuple[str, Optional[str]]:
        """The outcome and the signal behind it ("patterns", "model", "both").
        The classifier alone raises the alarm; a red-flag pattern does unless
        the classifier, where it can read the message, finds it less than
        pattern_min_support likely to be urgent (a temperature reading, or an
        emergency told in a clause of a few words, needs no support). Where
        both raise it, the reviewed list names the outcome, except that a
        classifier's self-harm or poisoning beats the list's emergency: those
        replies say to call 911 too, and add 988 or Poison Control, which the
        emergency reply lacks (an overdose with a racing heart; "gave me his
        watch ... not answering his door"). It must find that outcome itself
        at least override_probability likely (`model_probability`, where
        `confidence` is how likely any urgent outcome is: model_signal())."""
        verdict = screen(text)
        model_says = confidence >= self.alarm_threshold
        terse = verdict.outcome == EMERGENCY and len((verdict.clause or text).split()) <= self.terse_report_words
        supported = (
            verdict.rule == FEVER_RULE
            or terse
            or not self.reads(text)
            or confidence >= self.pattern_min_support.get(verdict.outcome, 0.0)
        )
        if verdict.flagged and supported:
            if (
                model_says
                and verdict.outcome == EMERGENCY
                and model_outcome in (SELF_HARM, POISONING)
                and model_probability >= self.override_probability
            ):
                return model_outcome, "both"
            return verdict.outcome, "both" if model_says else "patterns"
        if model_says:
            return model_outcome, "model"
        return NONE, None

    def _process(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        if not text:
            return
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        language = language_of(text)
        model_outcome, model_confidence, model_probability = self.model_signal(text)
        outcome, signal = self.decide(text, model_outcome, model_confidence, model_probability)
        if outcome != NONE:
            intent = {"name": outcome, "confidence": 1.0}
        elif len(text) > self.max_nlu_chars:
            intent = {"name": TOO_LONG, "confidence": 1.0}
        elif language == SPANISH:
            intent = {"name": OTHER_LANGUAGE, "confidence": 1.0}
        else:
            intent = self._without_safety(message.get(INTENT), ranking, self.fallback_threshold)
        message.set(INTENT, intent, add_to_output=True)
        message.set(
            INTENT_RANKING_KEY,
            [intent] + [r for r in ranking if r.get("name") != intent.get("name")],
            add_to_output=True,
        )
        message.set(
            "safety",
            {
                "outcome": outcome,
                "signal": signal,
                "after_treatment": outcome != NONE and mentions_treatment(text),
                # The classifier's own view, for tuning and for staff review.
                "model_outcome": model_outcome,
                "model_confidence": round(model_confidence, 4),
            },
            add_to_output=True,
        )
        entities = [e for e in message.get(ENTITIES, []) if e.get("entity") != "language"]
        entities.append(
            {
                "entity": "language",
                "value": language,
                "start": 0,
                "end": len(text),
                "extractor": self.__class__.__name__,
            }
        )
        message.set(ENTITIES, entities, add_to_output=True)

    @staticmethod
    def _without_safety(
        intent: Optional[Dict[str, Any]], ranking: List[Dict[str, Any]], threshold: float
    ) -> Dict[str, Any]:
        """The classifier's intent, unless it is a safety intent neither signal
        supports: then the best other intent if it is confident enough, else
        the fallback (a false alarm would cost the visitor their answer)."""
        if intent and intent.get("name") not in SAFETY_INTENTS:
            return intent
        for entry in ranking:
            if entry.get("name") not in SAFETY_INTENTS and entry.get("name") != "nlu_fallback":
                if float(entry.get("confidence") or 0.0) >= threshold:
                    return entry
                break
        return {"name": "nlu_fallback", "confidence": threshold}
