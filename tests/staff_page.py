"""The insights staff page as a script reads it (Authorization: Bearer), and
the figures it marks with data-figure, for the tests on SQLite and PostgreSQL."""

import re
from typing import Any, Dict

import requests


def staff_page(server: Any, token: str, **query: str) -> str:
    """The page's HTML for `query` (period, channel); fails unless it is served."""
    answer = requests.get(
        f"{server.url}/webhooks/insights/", params=query, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def figures_on(html: str) -> Dict[str, str]:
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))
