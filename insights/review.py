"""`make review`: the unanswered questions as a Rasa NLU training data file
(YAML), one block per group under its suggested intent, for a person to
check, correct and move into data/nlu/. Masked like the page.

Usage: python -m insights.review [--from ...] [--to ...] [--channel ...]
                                 [--out var/review/unanswered.yml]
"""

import re
from pathlib import Path
from typing import List, Optional

from clinic_common.database import private_file, private_folder
from insights.cli import arguments, figures_and_groups, period_of
from insights.grouping import Group
from insights.period import Period

DEFAULT_OUT = Path("var/review/unanswered.yml")
# The suggestion when the classifier had none: a person must decide.
NO_GUESS = "out_of_scope"
_BRACKETS = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def example(text: str) -> str:
    """One line of an examples block: brackets would read as entity
    annotations, and a line break would end the example."""
    return " ".join(_CONTROL.sub(" ", text).translate(_BRACKETS).split())


def to_yaml(groups: List[Group], period: Period) -> str:
    total = sum(group.count for group in groups)
    out = [
        f"# Unanswered questions, {period.describe()}: {total} messages in {len(groups)} groups.",
        "# Made by make review (insights/review.py). Visitors' messages, phone numbers and emails masked,",
        '# each group under the intent suggested for it: the topic visitors picked from "did you mean...?",',
        "# else the classifier's best guess. Check every example, move it to the right intent or delete it,",
        "# then move the examples into data/nlu/ (and 8 new ones per topic into tests/nlu_holdout.yml).",
        'version: "3.1"',
        "nlu:",
    ]
    written = 0
    for group in groups:
        lines = [example(text) for text in group.examples()]
        lines = [line for line in dict.fromkeys(lines) if line]
        if not lines:
            continue
        written += 1
        kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(group.kinds().items()))
        out.append(f"# {group.count} messages ({kinds}); suggested with confidence {group.confidence:.2f}")
        out.append(f"- intent: {group.guess or NO_GUESS}")
        out.append("  examples: |")
        out += [f"    - {line}" for line in lines]
    if not written:
        out[-1] = "nlu: []"
    return "\n".join(out) + "\n"


def write(path: Path, text: str) -> None:
    """Visitors' words, masked or not: readable by the service user alone."""
    private_folder(path.parent)
    private_file(path)
    path.write_text(text, encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    options = arguments("Export the unanswered questions as Rasa NLU YAML.", argv)
    period = period_of(options)
    _figures, groups, note = figures_and_groups(period)
    path = Path(options.out) if options.out else DEFAULT_OUT
    write(path, to_yaml(groups, period))
    print(
        f"{sum(g.count for g in groups)} unanswered messages in {len(groups)} groups, "
        f"{period.describe()}, written to {path}"
    )
    if note:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
