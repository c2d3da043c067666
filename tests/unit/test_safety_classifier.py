"""The safety classifier's fast scorer gives scikit-learn's own
probabilities, so what was measured with the pipeline holds at run time."""

import numpy as np
import pytest

from bot.safety.classifier import Scorer, load, new_classifier, save

TEXTS = [
    "my temp is 102 after the injections",
    "cant breathe",
    "how much does it cost",
    "i want to end it all",
    "my son swallowed my minoxidil",
    "does it hurt",
    "is swelling normal after the procedure",
    "chest pain and sweating",
    "what are the risks",
    "i took all my pills on purpose",
    "book me in",
    "toddler drank the foam",
    "face and lips swelling up",
    "thanks bye",
]
LABELS = [
    "emergency",
    "emergency",
    "none",
    "self_harm",
    "poisoning",
    "none",
    "none",
    "emergency",
    "none",
    "self_harm",
    "none",
    "poisoning",
    "emergency",
    "none",
]
UNSEEN = ["my dad cant breathe after his lipo", "precio?", "Siobhán O'Brien", "", "🤒 38.9"]


@pytest.mark.parametrize("labels", [LABELS, ["none" if label == "none" else "urgent" for label in LABELS]])
def test_scorer_matches_the_pipeline(tmp_path, labels):
    fitted = new_classifier()
    # A handful of texts: keep every n-gram, not only those seen twice.
    for _, vectorizer in fitted.steps[0][1].transformer_list:
        vectorizer.set_params(min_df=1)
    fitted.fit(TEXTS, labels)
    save(fitted, tmp_path / "safety.skops")
    loaded = load(tmp_path / "safety.skops")  # refuses any type not trusted
    scorer = Scorer(loaded)
    for text in TEXTS + UNSEEN:
        expected = loaded.predict_proba([text])[0]
        got = scorer.probabilities(text)
        assert np.allclose([got[c] for c in loaded.classes_], expected, atol=1e-12), text
