"""The safety check's learned signal: word and character n-grams, then a
logistic regression (scikit-learn), saved with skops.

`Scorer` gives the same probabilities as the fitted pipeline's
predict_proba, about ten times faster for one message: it looks the n-grams
up in the vocabularies and adds up the weights, where scikit-learn builds and
checks sparse matrices on every call. The check runs on every message.
"""

from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

# skops refuses to load any type not listed: only what new_classifier() saves.
TRUSTED_TYPES = [
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    # TfidfVectorizer keeps its idf weights as a sparse diagonal matrix.
    "scipy.sparse._csr.csr_matrix",
]


def new_classifier() -> Any:
    """Word 1-2-grams and character 2-5-grams (within words, so texters'
    typos still share most of them), each tf-idf weighted and L2-normalised,
    then a balanced logistic regression: urgent messages are the minority.
    C=200 (little regularisation), chosen by leaving out each development
    split in turn (tests/safety/README.md). Stop 12, six splits: C=100 raised
    57 false alarms on 1,686 benign messages where C=10 raised 82, and missed
    nothing C=10 caught. Stop 14, twelve splits (3,592 benign, 1,317 urgent):
    C=200 raised 90 where C=100 raised 99, and neither missed any."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    return make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
        ),
        LogisticRegression(C=200.0, class_weight="balanced", max_iter=3000),
    )


def save(classifier: Any, path: Path) -> None:
    import skops.io

    skops.io.dump(classifier, path)


def load(path: Path) -> Any:
    import skops.io

    return skops.io.load(path, trusted=TRUSTED_TYPES)


class Scorer:
    """Class probabilities for one message from a fitted new_classifier()."""

    def __init__(self, classifier: Any) -> None:
        union, regression = classifier.steps[0][1], classifier.steps[1][1]
        self.classes: List[str] = [str(c) for c in regression.classes_]
        self.intercept = regression.intercept_.astype(float)
        weights = regression.coef_.T  # (features, classes)
        if len(self.classes) == 2:
            # Binary: one weight column for the second class; the softmax of
            # (0, z) is the logistic of z, as scikit-learn computes it.
            weights = np.hstack([np.zeros_like(weights), weights])
            self.intercept = np.array([0.0, self.intercept[0]])
        self.weights = np.ascontiguousarray(weights)
        self.parts = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            self.parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset))
            offset += len(vectorizer.vocabulary_)

    def probabilities(self, text: str) -> Dict[str, float]:
        logits = self.intercept.copy()
        for analyse, vocabulary, idf, offset in self.parts:
            counts = Counter(i for gram in analyse(text) if (i := vocabulary.get(gram)) is not None)
            if not counts:
                continue
            index = np.fromiter(counts.keys(), int, len(counts))
            # Sublinear tf (1 + log count) times idf, L2-normalised per part.
            values = (1.0 + np.log(np.fromiter(counts.values(), float, len(counts)))) * idf[index]
            values /= np.linalg.norm(values)
            logits = logits + values @ self.weights[index + offset]
        exp = np.exp(logits - logits.max())
        return dict(zip(self.classes, (exp / exp.sum()).tolist(), strict=True))
