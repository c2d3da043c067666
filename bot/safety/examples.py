"""The safety classifier's own training examples: data/safety/examples/.

Each file is a development split written blind by a helper from the clinic's
definitions (labels emergency, self_harm, poisoning, benign). They are the
wordings real visitors use, which the NLU's FAQ data lacks: "temp is 102",
"kms", "mi papa esta convulsionando". The gated set (tests/safety/gated.yml)
is never among them.
"""

import hashlib
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

BENIGN = "benign"


def load_set(path: Path) -> List[Dict[str, str]]:
    """One labelled set: [{"text", "label", "lang"}, ...]."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))["messages"]


def files(directory: Path) -> List[Path]:
    return sorted(Path(directory).glob("*.yml"))


def development_splits(root: Path) -> List[Path]:
    """Every development split, as the CI gate and `make bench` score them:
    those the classifier trains on (data/safety/examples/), then those only
    the red-flag list was tuned on (data/safety/patterns_only/README.md)."""
    safety = Path(root) / "data" / "safety"
    return files(safety / "examples") + files(safety / "patterns_only")


def load_examples(directory: Path) -> List[Tuple[str, str]]:
    """(text, label) for every message in the directory's sets."""
    return [(m["text"], m["label"]) for path in files(directory) for m in load_set(path)]


def form_answers(path: Path) -> List[str]:
    """Benign replies to the call-back form: names in the ways people type
    them, places, contact details. Made from the lists in
    data/safety/form_answers.yml and bot/us_places.py, deterministically."""
    from bot.us_places import CITIES, STATES

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    first, last = data["first_names"], data["last_names"]
    answers: List[str] = list(first) + list(CITIES) + list(STATES)
    for i, given in enumerate(first):
        for k in range(8):
            family = last[(i * 7 + k * 11) % len(last)]
            full = f"{given} {family}"
            written = (
                full,
                full.lower(),
                f"my name is {full}",
                f"it's {given}",
                f"{full.upper()}",
                f"{given[0]}. {family}",
                f"call me {given}",
                f"{family}, {given}",
            )[k]
            answers.append(written)
            if k < 2:
                answers.append(f"{given.lower()}.{family.lower()}{i}@example.com")
                answers.append(f"({200 + i}) 555-{1000 + k * 37 + i:04d}")
    for i, city in enumerate(CITIES):
        answers.append(f"near {city}" if i % 2 else f"{city.lower()} please")
    return answers


def fingerprint_files(paths: List[Path]) -> str:
    """Changes whenever one of these files changes."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
