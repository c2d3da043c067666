"""The page's charts as SVG, drawn on the server by matplotlib (pinned in
requirements.txt): no script in the staff's browser, nothing from a CDN.
Each is sized for a phone (360 px wide) and scales up on a laptop; the page
puts a table with the same numbers under each one.
"""

import io
import re
import textwrap
import threading
from typing import List, Optional, Sequence, Tuple

WIDTH_INCHES = 5.0  # 360 px at 72 dpi
BAR_COLOR = "#234e52"  # the widget's colour (clinic_common/defaults.env WIDGET_COLOR)
ACCENT = "#c05621"
LABEL_WIDTH = 18  # characters on a bar label's line
FONT_SIZE = 14  # about 13 px on a 375-px phone, 16 px on a laptop (the page caps the width)

# pyplot keeps global state; the Figure class alone is safe across threads
# but its font cache is not built for two at once.
_lock = threading.Lock()


def _svg(figure, title: str) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(figure)
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight")
    svg = out.getvalue()
    svg = svg[svg.index("<svg") :]
    # Scales with its box (the page sets the width), and is named for
    # screen readers; the table under it holds the numbers.
    svg = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r"<svg\1", svg, count=1)
    svg = svg.replace("<svg", f'<svg role="img" aria-label="{_attribute(title)}" class="chart"', 1)
    # matplotlib quotes the generic family, which browsers then take for a
    # font's name and draw in serif.
    svg = svg.replace("'sans-serif'", "sans-serif")
    return svg


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


STYLE = {
    "svg.fonttype": "none",  # text stays text: smaller, and crisp at any size
    "font.size": FONT_SIZE,
    "svg.hashsalt": "clinic-insights",  # the same data draws the same file
}


def _drawing():
    """One chart at a time, in the page's style, without touching the
    process's matplotlib defaults."""
    from contextlib import ExitStack

    from matplotlib import rc_context

    stack = ExitStack()
    stack.enter_context(_lock)
    stack.enter_context(rc_context(STYLE))
    return stack


def _figure(rows: int):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, max(2.0, 0.45 * rows + 0.8)), dpi=72)
    axes = figure.add_subplot()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def bars(title: str, items: Sequence[Tuple[str, int]]) -> str:
    """Horizontal bars, the first item on top, each with its count."""
    with _drawing():
        # Long labels on two lines: one long line widens the drawing, which
        # the page then shrinks to the phone's width, text and all.
        labels = [textwrap.fill(label, LABEL_WIDTH) for label, _ in items][::-1]
        figure, axes = _figure(sum(label.count("\n") + 1 for label in labels))
        figure.subplots_adjust(left=0.42)  # the labels inside the 360 px, not beside them
        values = [value for _, value in items][::-1]
        drawn = axes.barh(labels, values, color=BAR_COLOR)
        axes.bar_label(drawn, padding=3)
        axes.set_xlim(0, max(values + [1]) * 1.15)
        axes.xaxis.set_visible(False)
        axes.spines["bottom"].set_visible(False)
        return _svg(figure, title)


def rate_trend(title: str, days: List[str], rates: List[Optional[float]]) -> str:
    """Share of questions missed, day by day, in percent; a day without
    questions is a gap, not a zero."""
    with _drawing():
        figure, axes = _figure(6)
        percents = [None if rate is None else round(rate * 100, 1) for rate in rates]
        positions = list(range(len(days)))
        axes.plot(positions, [float("nan") if p is None else p for p in percents], marker="o", color=ACCENT)
        top = max([p for p in percents if p is not None] + [10.0])
        axes.set_ylim(0, min(100.0, top * 1.2))
        axes.set_ylabel("% of questions")
        step = max(1, len(days) // 7)
        axes.set_xticks(positions[::step])
        axes.set_xticklabels([day[5:] for day in days[::step]])  # MM-DD
        axes.grid(axis="y", color="#dddddd")
        return _svg(figure, title)
