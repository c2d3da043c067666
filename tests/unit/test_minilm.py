"""all-MiniLM-L6-v2 as ONNX Runtime runs it (bot/nlu/minilm.py) against the similarities
published on the model's card, and its files against their pinned hashes."""

from pathlib import Path

import numpy as np
import pytest

from bot.nlu.minilm import DEFAULT_DIR, FILES, MiniLM, sha256

# sentence-transformers/all-MiniLM-L6-v2 model card.
CARD = [
    ("The new movie is awesome", "The new movie is so great", 0.8939),
    ("The cat sits outside", "The cat plays in the garden", 0.6788),
    ("I love pasta", "Do you like pizza?", 0.5096),
    ("The cat plays in the garden", "Do you like pizza?", 0.0900),
]


@pytest.fixture(scope="module")
def encoder():
    return MiniLM()


@pytest.mark.parametrize("first, second, expected", CARD)
def test_cosine_similarity_matches_the_model_card(encoder, first, second, expected):
    similarity = float(encoder.embed_one(first) @ encoder.embed_one(second))
    assert abs(similarity - expected) <= 0.001


def test_embeddings_are_unit_length_and_384_wide(encoder):
    vectors = encoder.embed(["how much does it cost?", "x" * 3000])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_single_messages_are_not_padded(encoder):
    assert len(encoder.tokenizer.encode("hi").ids) == 3  # [CLS] hi [SEP]


@pytest.mark.parametrize("name", sorted(FILES))
def test_model_files_have_the_pinned_hashes(name):
    assert sha256(DEFAULT_DIR / name) == FILES[name]


def test_a_missing_model_says_how_to_get_it(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="make encoder"):
        MiniLM(tmp_path)
