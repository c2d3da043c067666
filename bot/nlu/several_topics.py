"""Two topics in one message ("how much is it and does it hurt?"): answer both.

A Rasa NLU component between the intent classifier and the
FallbackClassifier. It splits a message at question marks, semicolons,
commas and "and"/"also"/"plus", classifies each part on its own sentence
embedding (all-MiniLM-L6-v2, the encoder the featurizer already loaded), and
when at least two parts each name a different topic with confidence, it sets
the intent `several_topics` and lists the topics under "topics" in the parse
data. The rule for that intent answers each in turn (utter_several_topics,
written by bot/server/nlg.py). When the parts are not each clear, nothing changes:
the classifier's intent stands, or the FallbackClassifier asks which topic
was meant.

A single-part message (most of them) costs nothing: no extra encoding.
"""

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.minilm import DEFAULT_DIR
from bot.nlu.minilm_featurizer import encoder, sentence_embedding

SEVERAL_TOPICS = "several_topics"
TOPICS_KEY = "topics"
OTHER = "other"
WEIGHTS_FILE = "several_topics.npz"
KEYWORDS_FILE = "several_topics_keywords.json"
# Short training examples ("downtime?", "price") are looked up as they are:
# a sentence encoder says little about one word.
MAX_KEYWORD_WORDS = 3
_SPLIT = re.compile(r"[?;,&+/]+|\.(?!\d)|\b(?:and|also|plus|oh and|what about|how about)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-zA-Z]{2,}")
MAX_PARTS = 4


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def parts_of(text: str) -> List[str]:
    """The message's parts that have words in them, in order."""
    return [p.strip() for p in _SPLIT.split(text) if _WORD.search(p or "")][: MAX_PARTS + 1]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SeveralTopics(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Intents that are topics with an answer of their own.
            "topic_prefix": "ask_",
            # Topics answered by a custom action, not a response.
            "not_answered_by_a_response": ["ask_locations"],
            # Each part's topic must be at least this likely.
            "part_threshold": 0.6,
            # A message the classifier already reads as one topic this surely
            # is one question ("pros and cons vs transplant"): not split.
            "one_topic_above": 0.8,
            "model_dir": str(DEFAULT_DIR),
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: Optional[Dict[str, np.ndarray]] = None,
        keywords: Optional[Dict[str, str]] = None,
    ) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource
        self.weights = weights
        self.keywords = keywords or {}
        self.encoder = encoder(Path(config["model_dir"]))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SeveralTopics":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SeveralTopics":
        try:
            with model_storage.read_from(resource) as directory:
                weights = dict(np.load(directory / WEIGHTS_FILE))
                keywords = json.loads((directory / KEYWORDS_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            weights, keywords = None, None
        return cls(config, model_storage, resource, weights, keywords)

    def _topic(self, intent: Optional[str]) -> str:
        skip = set(self.config["not_answered_by_a_response"])
        if intent and intent.startswith(self.config["topic_prefix"]) and intent not in skip:
            return intent
        return OTHER

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        features, labels = [], []
        keywords: Dict[str, str] = {}
        for example in training_data.intent_examples:
            key = _key(example.get(TEXT) or "")
            topic = self._topic(example.get(INTENT))
            if topic != OTHER and 0 < len(key.split()) <= MAX_KEYWORD_WORDS:
                keywords.setdefault(key, topic)
            embedding = sentence_embedding(example)
            if embedding is not None and np.linalg.norm(embedding) > 0:
                # The featurizer scales its unit-length embedding by its
                # weight; parts are encoded here directly, at unit length.
                features.append(embedding / np.linalg.norm(embedding))
                labels.append(self._topic(example.get(INTENT)))
        if len(set(labels)) < 3:
            return self.resource
        # Balanced: "other" (greetings, yes/no, safety...) outnumbers any one
        # topic, and would otherwise swallow one-word parts ("downtime").
        model = LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000)
        model.fit(np.stack(features), labels)
        self.weights = {
            "coef": model.coef_,
            "intercept": model.intercept_,
            "classes": np.array(model.classes_, dtype=str),
        }
        self.keywords = keywords
        with self.model_storage.write_to(self.resource) as directory:
            np.savez(directory / WEIGHTS_FILE, **self.weights)
            (directory / KEYWORDS_FILE).write_text(json.dumps(keywords), encoding="utf-8")
        return self.resource

    def topics(self, text: str) -> List[str]:
        """The distinct topics of a message's parts, when every part with a
        topic is clear about it and there are at least two; else []."""
        parts = parts_of(text)
        if self.weights is None or not 2 <= len(parts) <= MAX_PARTS:
            return []
        found: List[str] = []
        for part in parts:
            label = self.keywords.get(_key(part)) or self._classify(part)
            if label is None:
                return []  # a part that may be a topic, but is unclear: ask instead
            if label != OTHER and label not in found:
                found.append(label)
        return found if len(found) >= 2 else []

    def _classify(self, part: str) -> Optional[str]:
        """The part's topic, OTHER, or None when the best topic is unsure."""
        assert self.weights is not None  # topics() asks nothing without them
        logits = self.weights["coef"] @ self.encoder.embed_one(part) + self.weights["intercept"]
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        best = int(probabilities.argmax())
        label = str(self.weights["classes"][best])
        if label != OTHER and probabilities[best] < self.config["part_threshold"]:
            return None
        return label

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            classified = message.get(INTENT) or {}
            one_topic = (
                classified.get("name") != SEVERAL_TOPICS
                and float(classified.get("confidence") or 0.0) >= self.config["one_topic_above"]
            )
            topics = [] if one_topic else self.topics(message.get(TEXT) or "")
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != SEVERAL_TOPICS]
            if topics:
                intent = {"name": SEVERAL_TOPICS, "confidence": 1.0}
                ranking = [intent] + ranking
                message.set(TOPICS_KEY, topics, add_to_output=True)
            elif (message.get(INTENT) or {}).get("name") == SEVERAL_TOPICS:
                # The classifier saw "two questions" but the parts are not each
                # clear: its next guess stands, for the FallbackClassifier to
                # judge (it asks when that guess is weak).
                intent = ranking[0] if ranking else {"name": None, "confidence": 0.0}
            else:
                continue
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
