"""The staff page's HTML: figures, charts and their tables, unanswered
questions. Every piece of text from a store is escaped; visitors' messages
are masked before they get here (insights/misses.py). No script at all."""

from html import escape
from itertools import groupby
from typing import List, Optional
from urllib.parse import urlencode

from insights import charts
from insights.figures import Figures
from insights.grouping import Group
from insights.period import ALL, CHANNELS, Period
from insights.summary import lines, percent, title

EXAMPLES_SHOWN = 5

# The focus ring is set, not left to the browser: a keyboard user must see
# where they are on the dark buttons too (a dark ring outside them, on the
# light page: WCAG 2.4.7 and 1.4.11; tests/integration/test_insights_page.py).
# Fields take :focus-within, not :focus-visible: Tab also stops on a date
# field's calendar button, inside the field, where the field itself has no focus.
STYLE = """
body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#1a202c;background:#f7fafc}
main{max-width:960px;margin:0 auto;padding:12px}
h1{font-size:1.4rem;margin:.4rem 0}h2{font-size:1.15rem;margin:1.4rem 0 .4rem}
section{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:10px 12px;margin:10px 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #edf2f7;
vertical-align:top}td.n,th.n{text-align:right;white-space:nowrap}
.chart{width:100%;max-width:480px;height:auto;display:block}
form.period{display:flex;flex-wrap:wrap;gap:8px;align-items:end}
form.period label{display:flex;flex-direction:column;font-size:.9rem}
input,select,button{font:inherit;padding:4px 6px}
button{background:#234e52;color:#fff;border:0;border-radius:4px;padding:6px 12px}
.note{color:#4a5568;font-size:.9rem}.error{color:#9b2c2c;font-weight:600}
.examples{margin:0;padding-left:1.1rem}
.table-wrap{overflow-x:auto}
a:focus-visible,button:focus-visible,input:focus-within,select:focus{outline:3px solid #1a202c;
outline-offset:2px}
"""

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _document(head_title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(head_title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def login(message: Optional[str] = None) -> str:
    error = f'<p class="error" role="alert">{escape(message)}</p>' if message else ""
    return _document(
        "Clinic insights: sign in",
        (
            "<h1>Clinic insights</h1>"
            "<section><p>Staff only. Enter the insights token (INSIGHTS_TOKEN).</p>"
            f"{error}"
            '<form method="post" action="login">'
            '<label for="token">Token</label><br>'
            '<input id="token" name="token" type="password" autocomplete="current-password" required> '
            '<button type="submit">Sign in</button></form></section>'
        ),
    )


def closed(reason: str) -> str:
    return _document("Clinic insights: closed", f"<h1>Clinic insights</h1><section><p>{escape(reason)}</p></section>")


def _query(period: Period) -> str:
    return urlencode(
        {"from": period.first_day.isoformat(), "to": period.last_day.isoformat(), "channel": period.channel}
    )


def _period_form(period: Period, error: Optional[str]) -> str:
    options = "".join(
        f'<option value="{name}"{" selected" if name == period.channel else ""}>{label}</option>'
        for name, label in [(ALL, "All channels"), *[(c, c.upper() if c != "widget" else "Widget") for c in CHANNELS]]
    )
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return (
        f'{problem}<form class="period" method="get" action="./">'
        f'<label>From<input type="date" name="from" value="{period.first_day.isoformat()}"></label>'
        f'<label>To<input type="date" name="to" value="{period.last_day.isoformat()}"></label>'
        f'<label>Channel<select name="channel">{options}</select></label>'
        '<button type="submit">Show</button></form>'
    )


def _figure_table(caption: str, rows: List[tuple]) -> str:
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td class="n" data-figure="{key}">{escape(value)}</td></tr>'
        for key, label, value in rows
    )
    return f'<div class="table-wrap"><table><caption class="note">{escape(caption)}</caption>{body}</table></div>'


def _sections(figures: Figures) -> str:
    out = []
    for section, grouped in groupby(lines(figures), key=lambda line: line.section):
        rows = [(line.key, line.label, line.value) for line in grouped]
        out.append(f"<section><h2>{escape(section)}</h2>{_figure_table(section, rows)}")
        if section == "Understanding":
            out.append(_trend(figures))
        out.append("</section>")
        if section == "Conversations":
            out.append(_topics(figures))
    out.append(_funnel(figures))
    return "".join(out)


def _topics(figures: Figures) -> str:
    heading = "<section><h2>What visitors ask</h2>"
    if not figures.topics:
        return heading + '<p class="note">No questions answered in this period.</p></section>'
    top = figures.topics[:10]
    chart = charts.bars("Top topics: answers given per topic", [(title(t), n) for t, n in top])
    rows = "".join(
        f'<tr data-topic="{escape(topic)}"><td>{escape(title(topic))}</td><td class="n">{count}</td></tr>'
        for topic, count in figures.topics
    )
    return (
        f'{heading}{chart}<div class="table-wrap"><table><caption class="note">Answers given per topic'
        f'</caption><tr><th>Topic</th><th class="n">Answers</th></tr>{rows}</table></div></section>'
    )


def _trend(figures: Figures) -> str:
    days = [day.day.isoformat() for day in figures.by_day]
    chart = charts.rate_trend("Fallback and clarification rate by day", days, [d.rate for d in figures.by_day])
    rows = "".join(
        f'<tr data-day="{d.day.isoformat()}"><td>{d.day.isoformat()}</td><td class="n">{d.questions}</td>'
        f'<td class="n">{d.missed}</td><td class="n">{percent(d.rate)}</td></tr>'
        for d in figures.by_day
    )
    return (
        f'<h3>Trend</h3>{chart}<div class="table-wrap"><table><caption class="note">'
        'Fallback and clarification rate by day</caption><tr><th>Day</th><th class="n">Questions</th>'
        f'<th class="n">Missed</th><th class="n">Rate</th></tr>{rows}</table></div>'
    )


def _funnel(figures: Figures) -> str:
    chart = charts.bars("From question to booking: conversations at each step", figures.funnel)
    rows = "".join(
        f'<tr data-step="{index}"><td>{escape(label)}</td><td class="n">{count}</td></tr>'
        for index, (label, count) in enumerate(figures.funnel)
    )
    return (
        "<section><h2>From question to booking</h2>"
        f'{chart}<div class="table-wrap"><table><caption class="note">Conversations at each step, each '
        'a part of the one before</caption><tr><th>Step</th><th class="n">Conversations</th></tr>'
        f"{rows}</table></div></section>"
    )


def _unanswered(groups: List[Group], period: Period, grouping_note: str) -> str:
    heading = (
        "<section><h2>Unanswered questions</h2>"
        '<p class="note">What the assistant did not understand, answered barely, or could not help with; '
        "near-duplicates grouped. Phone numbers and emails are masked. "
        f'<a href="review.yml?{escape(_query(period))}">Download for labelling</a> (Rasa NLU YAML, '
        f"as make review writes it). {escape(grouping_note)}</p>"
    )
    if not groups:
        return heading + '<p class="note">Nothing missed in this period.</p></section>'
    rows = []
    for group in groups:
        examples = "".join(f"<li>{escape(text)}</li>" for text in group.examples()[:EXAMPLES_SHOWN])
        more = len(group.examples()) - EXAMPLES_SHOWN
        if more > 0:
            examples += f'<li class="note">and {more} more</li>'
        kinds = ", ".join(f"{escape(kind)}: {n}" for kind, n in sorted(group.kinds().items()))
        rows.append(
            f'<tr class="miss-group"><td class="n" data-count>{group.count}</td>'
            f'<td><ul class="examples">{examples}</ul><span class="note">{kinds}</span></td>'
            f'<td data-guess="{escape(group.guess or "")}">{escape(title(group.guess))}<br>'
            f'<span class="note">{escape(group.guess or "")}</span></td></tr>'
        )
    return (
        f'{heading}<div class="table-wrap"><table><caption class="note">Unanswered questions, most '
        'frequent first</caption><tr><th class="n">Messages</th><th>What visitors wrote</th>'
        f"<th>Suggested intent</th></tr>{''.join(rows)}</table></div></section>"
    )


def insights(figures: Figures, groups: List[Group], grouping_note: str = "", error: Optional[str] = None) -> str:
    period = figures.period
    body = (
        "<h1>Clinic insights</h1>"
        f'<p class="note" data-period>{escape(period.describe())}. The staff shell\'s test conversations are '
        "not counted.</p>"
        f"{_period_form(period, error)}"
        '<form method="post" action="logout"><button type="submit">Sign out</button></form>'
        f"{_sections(figures)}{_unanswered(groups, period, grouping_note)}"
    )
    return _document("Clinic insights", body)
