"""The action server's view of the configuration in clinic_common/defaults.env.

Read on every call rather than cached, so that a changed environment (and the
tests) take effect without a restart of anything but the process itself.
"""
import os
from dataclasses import dataclass
from typing import List

from clinic_common.settings import load_defaults

load_defaults()


@dataclass(frozen=True)
class Settings:
    clinic_name: str
    clinic_phone: str
    clinic_email: str
    booking_url: str
    locations: List[str]
    clinic_hours: str
    clinic_address: str
    clinic_doctors: str
    leads_db_url: str
    # Rasa's conversation store: contact details typed into the form are
    # removed from it once the lead is stored (actions/tracker_scrub.py).
    tracker_db_url: str
    webhook_url: str
    webhook_timeout: float
    # Signs every POST to the webhook (X-Clinic-Signature), so the clinic can
    # check it came from here.
    webhook_secret: str
    # Linked from the call-back form's first question.
    privacy_policy_url: str
    # Opens the number a texter picked "use the number I'm texting from"
    # for (clinic_common/sms_number.py); empty: the option is not offered.
    sms_number_key: str


def get_settings() -> Settings:
    env = os.environ
    return Settings(
        clinic_name=env["CLINIC_NAME"],
        clinic_phone=env["CLINIC_PHONE"],
        clinic_email=env["CLINIC_EMAIL"],
        booking_url=env["BOOKING_URL"],
        locations=[
            place.strip()
            for place in env.get("CLINIC_LOCATIONS", "").split(";")
            if place.strip()
        ],
        clinic_hours=env.get("CLINIC_HOURS", "").strip(),
        clinic_address=env.get("CLINIC_ADDRESS", "").strip(),
        clinic_doctors=env.get("CLINIC_DOCTORS", "").strip(),
        leads_db_url=env["LEADS_DB_URL"],
        tracker_db_url=env.get("TRACKER_DB_URL", ""),
        webhook_url=env.get("CLINIC_WEBHOOK_URL", "").strip(),
        webhook_timeout=float(env.get("CLINIC_WEBHOOK_TIMEOUT") or 5),
        webhook_secret=env.get("CLINIC_WEBHOOK_SECRET", ""),
        privacy_policy_url=env.get("PRIVACY_POLICY_URL", "").strip(),
        sms_number_key=env.get("SMS_NUMBER_KEY", ""),
    )
