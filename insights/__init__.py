"""Clinic insights: what visitors ask, what the assistant missed, and what it
turned into bookings (README.md, "Insights").

Read from the live stores with SQLAlchemy, never through Rasa's tracker API:
Rasa's `events` table (TRACKER_DB_URL) and the lead table (LEADS_DB_URL),
plus the booking-link tables this package keeps beside the conversations.
Served by the Rasa server (insights/channel.py, insights/redirect.py), and in
the terminal by `make report` and `make review`.
"""
