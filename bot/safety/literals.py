"""Literal text that every match of a regular expression must contain, so the
red-flag screen can skip a pattern without running it.

The screen tries several hundred reviewed patterns on every clause, and nearly
all of them fail: running each one cost most of the safety check's time. A
pattern such as `\\b(faint\\w*|passed out)\\b` cannot match a clause that has
neither "faint" nor "passed out" in it, and a substring test is far cheaper
than a regular-expression search. The literals are worked out from the
pattern's own parse, so the list stays the only place a pattern is written,
and skipping never changes a verdict: a pattern with no literal every match
must contain is always run.
"""

import sre_constants as sre
import sre_parse
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Pattern, Set, Tuple

# None: no literal is required (every clause must be tried). The parse's
# items are (opcode, argument) pairs whose argument's shape depends on the
# opcode, hence Any.
Literals = Optional[FrozenSet[str]]
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)


def _better(a: Literals, b: Literals) -> Literals:
    """The more selective of two requirements: longer shortest literal, then fewer."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b, key=lambda s: (min(map(len, s)), -len(s)))


def _of_sequence(items: Any) -> Literals:
    """Every element of a sequence must match, so any one element's
    requirement holds for the whole: keep the most selective one. Runs of
    literal characters (zero-width assertions between them consume nothing)
    are themselves required."""
    best: Literals = None
    run = ""
    for op, av in items:
        if op == sre.LITERAL:
            run += chr(av)
            continue
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the literals either side are adjacent
        if run:
            best = _better(best, frozenset([run]))
            run = ""
        best = _better(best, _of_element(op, av))
    if run:
        best = _better(best, frozenset([run]))
    return best


def _of_element(op: Any, av: Any) -> Literals:
    if op == sre.SUBPATTERN:
        _group, add_flags, del_flags, body = av
        if add_flags or del_flags:
            return None  # a case-insensitive part could match other letters
        return _of_sequence(body)
    if op == sre.BRANCH:
        # One branch must match: the union of their requirements, unless a
        # branch requires nothing.
        found: Set[str] = set()
        for branch in av[1]:
            literals = _of_sequence(branch)
            if literals is None:
                return None
            found |= literals
        return frozenset(found)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, _high, body = av
        return _of_sequence(body) if low >= 1 else None
    return None  # a character class, any character, a group reference...


def required_literals(pattern: Pattern) -> Literals:
    """Strings of which every match of `pattern` contains at least one, or
    None if there are none to be found."""
    if pattern.flags & ~(sre.SRE_FLAG_UNICODE):
        return None
    literals = _of_sequence(sre_parse.parse(pattern.pattern))
    if literals is not None and "" in literals:
        return None
    return literals


class PatternList:
    """Patterns in their reviewed order, with a cheap test of which of them
    could match a text at all."""

    def __init__(self, patterns: List[Pattern]) -> None:
        self.patterns = patterns
        self.always_run: List[int] = []
        self.by_literal: Dict[str, List[int]] = {}
        for index, pattern in enumerate(patterns):
            literals = required_literals(pattern)
            if literals is None:
                self.always_run.append(index)
                continue
            for literal in literals:
                self.by_literal.setdefault(literal, []).append(index)

    def __iter__(self) -> Iterator[Pattern]:
        return iter(self.patterns)

    def __len__(self) -> int:
        return len(self.patterns)

    def candidates(self, text: str, start: int = 0) -> List[Tuple[int, Pattern]]:
        """The patterns from `start` on that could match `text`, in order,
        with their places in the list."""
        possible = set(self.always_run)
        for literal, indices in self.by_literal.items():
            if literal in text:
                possible.update(indices)
        return [(i, self.patterns[i]) for i in sorted(possible) if i >= start]
