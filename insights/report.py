"""`make report`: the staff page's figures in the terminal, for a cron email.

Usage: python -m insights.report [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                                 [--channel all|widget|sms|rest]
"""

import sys
from typing import List, Optional

from clinic_common.settings import describe
from insights.cli import arguments, figures_and_groups, period_of
from insights.figures import Figures
from insights.grouping import Group
from insights.summary import lines, percent, title

GROUPS_LISTED = 10


def render(figures: Figures, groups: List[Group], note: str = "") -> str:
    out = [f"Clinic insights, {figures.period.describe()}", "(the staff shell's test conversations not counted)"]
    section = None
    width = max(len(line.label) for line in lines(figures))
    for line in lines(figures):
        if line.section != section:
            section = line.section
            out += ["", section]
        out.append(f"  {line.label.ljust(width)}  {line.value}")
    out += ["", "Fallback and clarification rate by day"]
    for day in figures.by_day:
        out.append(f"  {day.day.isoformat()}  {percent(day.rate):>6}  ({day.missed} of {day.questions} questions)")
    out += ["", "Top topics (answers given)"]
    out += [f"  {count:>5}  {title(topic)}" for topic, count in figures.topics] or ["  none"]
    out += ["", "From question to booking (conversations)"]
    out += [f"  {count:>5}  {label}" for label, count in figures.funnel]
    out += [
        "",
        f"Unanswered questions ({len(figures.misses)} messages in {len(groups)} groups; "
        "make review exports them for labelling)",
    ]
    for group in groups[:GROUPS_LISTED]:
        out.append(f"  {group.count:>5}  {group.examples()[0]}  -> {group.guess or '(no guess)'}")
    if len(groups) > GROUPS_LISTED:
        out.append(f"         and {len(groups) - GROUPS_LISTED} more groups")
    if note:
        out.append(f"  {note}")
    return "\n".join(out) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    options = arguments("Print the clinic insights figures.", argv)
    period = period_of(options)
    for line in describe():
        print(line)
    print()
    figures, groups, note = figures_and_groups(period)
    sys.stdout.write(render(figures, groups, note))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
