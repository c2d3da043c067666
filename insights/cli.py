"""What `make report` and `make review` share: their arguments, and the
figures for them."""

import argparse
import sys
from typing import List, Optional, Tuple

from clinic_common.settings import get_settings
from insights.figures import Figures, compute
from insights.grouping import Group, grouped
from insights.period import ALL, CHANNELS, DEFAULT_DAYS, BadPeriod, Period, parse
from insights.stores import StoreUnavailable


def arguments(description: str, argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--from", dest="first", help=f"first day, YYYY-MM-DD (default: {DEFAULT_DAYS} days ago)")
    parser.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: today)")
    parser.add_argument("--channel", default=ALL, help=f"{ALL} (default), {', '.join(CHANNELS)}")
    parser.add_argument("--out", help="where make review writes its file")
    return parser.parse_args(argv)


def period_of(options: argparse.Namespace) -> Period:
    try:
        return parse(options.first, options.last, options.channel, get_settings().insights_timezone)
    except BadPeriod as problem:
        print(f"Cannot report on that period: {problem}.", file=sys.stderr)
        raise SystemExit(2) from None


def figures_and_groups(period: Period) -> Tuple[Figures, List[Group], str]:
    """The figures, or exit 1 with the store that could not be read: from
    cron, the email then says what is wrong instead of a traceback."""
    try:
        figures = compute(period, get_settings().insights_low_confidence)
    except StoreUnavailable as problem:
        print(
            f"{problem}. make report and make review read the databases directly: they need no running "
            "assistant, but the database must be reachable.",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    groups, note = grouped(figures.misses)
    return figures, groups, note
