"""Builds the project's own small English spaCy pipeline for Rasa's SpacyNLP.

Pretrained `en_core_web_*` pipelines cannot be downloaded on the clinic's
machines, and Rasa reads a pipeline's meta.json, so the `blank:en` shortcut
does not load. We save `spacy.blank("en")` plus an entity ruler for US states
and cities to a folder instead; config.yml points SpacyNLP at that folder.

Usage: python -m bot.model_tools.spacy_pipeline OUTPUT_DIR
"""

import sys
from pathlib import Path

import spacy
from spacy.pipeline import EntityRuler

from bot.us_places import CITIES, STATES

PIPELINE_NAME = "clinic_en"
ENTITY_LABEL = "location"


def build() -> "spacy.language.Language":
    nlp = spacy.blank("en")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Tokenizer + US places entity ruler"
    # LOWER makes "texas", "Texas" and "TEXAS" all match: texters rarely
    # capitalise.
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    assert isinstance(ruler, EntityRuler)
    ruler.add_patterns([{"label": ENTITY_LABEL, "pattern": place} for place in STATES + CITIES])
    return nlp


def main(out_dir: str) -> None:
    path = Path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    build().to_disk(path)
    print(f"spaCy pipeline written to {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/spacy_en")
