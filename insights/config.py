"""The insights settings, from clinic_common/defaults.env (overridden by .env and the
environment, clinic_common/settings.py), read when asked so a changed environment applies."""
import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class InsightsSettings:
    # Empty: the staff page is closed (403).
    token: str
    # An answer given with less confidence than this is listed for review.
    low_confidence: float
    # Days on the page and in the report start at midnight here.
    timezone: ZoneInfo
    # The Rasa server as visitors' browsers and phones reach it: booking
    # links point at its /go/book.
    public_url: str
    production: bool


def get_insights_settings() -> InsightsSettings:
    env = os.environ
    return InsightsSettings(
        token=env.get("INSIGHTS_TOKEN", "").strip(),
        low_confidence=float(env.get("INSIGHTS_LOW_CONFIDENCE") or 0.6),
        timezone=ZoneInfo(env.get("INSIGHTS_TIMEZONE", "").strip() or "UTC"),
        public_url=env.get("RASA_PUBLIC_URL", "").strip().rstrip("/"),
        production=env.get("CLINIC_ENV", "development") == "production",
    )
