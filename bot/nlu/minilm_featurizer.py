"""A Rasa dense featurizer: each message's all-MiniLM-L6-v2 sentence embedding
(bot/nlu/minilm.py) as its dense sentence features.

Listed in config.yml before the classifiers. Rasa's LogisticRegressionClassifier
stacks these with the n-gram counts, and the safety check's own classifier
reads them (bot/safety/component.py). `weight` scales the embedding against
the counts for the intent classifier.
"""

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.minilm import DEFAULT_DIR, MiniLM

# One encoder per process, however many pipelines load it (training builds
# the graph more than once).
_ENCODERS: Dict[str, MiniLM] = {}


def encoder(model_dir: Path) -> MiniLM:
    key = str(model_dir.resolve())
    if key not in _ENCODERS:
        _ENCODERS[key] = MiniLM(model_dir)
    return _ENCODERS[key]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "model_dir": str(DEFAULT_DIR), "weight": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.encoder = encoder(Path(config["model_dir"]))
        self.weight = float(config["weight"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MiniLMFeaturizer":
        return cls(config, execution_context.node_name or cls.__name__)

    def _featurize(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text:
            return
        sentence = self.encoder.embed_one(text).reshape(1, -1) * self.weight
        # No sequence features: Rasa skips a None, though its annotation wants an array.
        self.add_features_to_message(None, sentence, TEXT, message)  # type: ignore[arg-type]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._featurize(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._featurize(message)
        return training_data

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass


def sentence_embedding(message: Message) -> Optional[np.ndarray]:
    """The MiniLM sentence features of a processed message, if any."""
    _, sentence = message.get_dense_features(TEXT)
    return None if sentence is None else np.asarray(sentence.features).reshape(-1)
