"""Near-duplicate misses in one group, so a person labels "how much $$" and
"how much does it cost roughly" once: all-MiniLM-L6-v2 sentence embeddings
(bot/nlu/minilm.py, the NLU pipeline's own encoder) and a greedy pass that
puts each message with the first group whose first message is close enough.
"""

import logging
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from insights.misses import PICKED, Miss

logger = logging.getLogger(__name__)

# Cosine similarity at which two messages count as the same question. On the
# encoder here, "how much is it" / "whats the price" score 0.79 and "does it
# hurt" / "is it painful" 0.83, while "does it hurt" / "does it work" score
# under 0.5: a person labels the first pairs once, and never merges the last.
SAME_QUESTION = 0.75

# Each page view groups the period's misses again: texts seen before are not
# encoded again (a few thousand vectors of 384 floats).
CACHE_SIZE = 5000

_encoder = None
_cache: "OrderedDict[str, np.ndarray]" = OrderedDict()
_encoder_lock = threading.Lock()


def _encode(texts: List[str]) -> np.ndarray:
    """Unit vectors, one per text. Raises FileNotFoundError without the
    encoder's files (`make encoder`)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            from bot.nlu.minilm import MiniLM

            _encoder = MiniLM()
        for text in texts:
            if text in _cache:
                _cache.move_to_end(text)
            else:
                _cache[text] = _encoder.embed_one(text)
                if len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
        return np.stack([_cache[text] for text in texts])


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass
class Group:
    misses: List[Miss] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.misses)

    def examples(self) -> List[str]:
        """Each different text once (case and spacing aside, as first
        written), the most frequent first."""
        counted: Counter = Counter()
        first: Dict[str, str] = {}
        for miss in self.misses:
            key = normalised(miss.text)
            first.setdefault(key, miss.text.strip())
            counted[key] += 1
        return [first[key] for key, _ in sorted(counted.items(), key=lambda item: (-item[1], item[0]))]

    def kinds(self) -> Dict[str, int]:
        return dict(Counter(miss.kind for miss in self.misses))

    @property
    def guess(self) -> Optional[str]:
        """The intent to suggest: the one visitors picked, else the one the
        classifier guessed most often (the surest on a tie)."""
        picked = Counter(miss.guess for miss in self.misses if miss.kind == PICKED and miss.guess)
        if picked:
            return sorted(picked.items(), key=lambda item: (-item[1], item[0]))[0][0]
        votes: Dict[str, List[float]] = {}
        for miss in self.misses:
            if miss.guess:
                votes.setdefault(miss.guess, []).append(miss.confidence)
        if not votes:
            return None
        return sorted(votes.items(), key=lambda item: (-len(item[1]), -sum(item[1]), item[0]))[0][0]

    @property
    def confidence(self) -> float:
        """How sure the classifier was of that guess, on average."""
        scores = [miss.confidence for miss in self.misses if miss.guess == self.guess]
        return sum(scores) / len(scores) if scores else 0.0


def grouped(misses: List[Miss]) -> Tuple[List[Group], str]:
    """Groups, largest first, and a note for the reader when the encoder was
    missing and only identical texts could be grouped."""
    try:
        return group(misses), ""
    except FileNotFoundError as error:
        logger.warning("Insights: %s; grouping identical messages only", error)
        return group(misses, similar=False), "Only identical messages are grouped: run make encoder."


def group(misses: List[Miss], similar: bool = True) -> List[Group]:
    """Groups, largest first. Identical texts (case and spacing aside) always
    share a group; with `similar`, the encoder joins paraphrases."""
    if not misses:
        return []
    keys = [normalised(miss.text) for miss in misses]
    unique = list(dict.fromkeys(keys))
    vectors = _encode(unique) if similar else np.eye(len(unique), dtype=np.float32)
    leaders: List[int] = []  # index into unique of each group's first text
    group_of: Dict[str, int] = {}
    groups: List[Group] = []
    for i, key in enumerate(unique):
        best, best_score = None, SAME_QUESTION
        for g, leader in enumerate(leaders):
            score = float(vectors[i] @ vectors[leader])
            if score >= best_score:
                best, best_score = g, score
        if best is None:
            leaders.append(i)
            groups.append(Group())
            best = len(groups) - 1
        group_of[key] = best
    for miss, key in zip(misses, keys, strict=True):
        groups[group_of[key]].misses.append(miss)
    return sorted(groups, key=lambda g: (-g.count, g.examples()[0]))
